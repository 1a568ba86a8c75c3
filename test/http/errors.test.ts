// Errors (CONTRACT.md, "Errors"): one envelope for every non-2xx answer, an
// X-Request-ID on every answer, and each status of the table (but 429).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { ContactStore, Store } from '../../src/domain/store.js';
import { appPerSuite, json, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, NEVER_ID, type Auth } from '../support/contacts.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MiB = 1024 * 1024;

/** The real store, except that one contact method throws `error`. */
function storeFailingAt(store: Store, method: keyof ContactStore, error: Error): Store {
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const contacts = new Proxy(store.contacts, {
    get: (target, prop) => (prop === method ? async () => Promise.reject(error) : bound(target, prop)),
  });
  return new Proxy(store, { get: (target, prop) => (prop === 'contacts' ? contacts : bound(target, prop)) });
}

for (const kind of storeKinds()) {
  describe(`errors (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    appPerSuite(kind, (app, key) => ((t = app), (auth = key)));

    const post = (headers: Record<string, string>, payload: string | Buffer) =>
      t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, ...headers }, payload });

    test('every answer carries X-Request-ID: 2xx, 4xx, unknown routes, 405, operations and docs', async () => {
      const contact = await createContact(t, auth, { email: 'rid@example.com' });
      const requests = [
        { method: 'GET', url: '/contacts', headers: auth },
        { method: 'GET', url: `/contacts/${contact.id}`, headers: auth },
        { method: 'POST', url: '/contacts', headers: auth, payload: { email: 'rid2@example.com' } },
        { method: 'DELETE', url: `/contacts/${contact.id}`, headers: auth },
        { method: 'GET', url: '/contacts' },
        { method: 'GET', url: `/contacts/${NEVER_ID}`, headers: auth },
        { method: 'GET', url: '/nowhere' },
        { method: 'PUT', url: '/contacts' },
        { method: 'GET', url: '/health' },
        { method: 'GET', url: '/ready' },
        { method: 'GET', url: '/openapi.json' },
        { method: 'GET', url: '/docs' },
      ] as const;
      const seen = new Set<string>();
      for (const request of requests) {
        const response = await t.app.inject(request);
        const id = response.headers['x-request-id'];
        assert.match(String(id), UUID, `${request.method} ${request.url} → ${response.statusCode}`);
        seen.add(String(id));
        if (response.statusCode >= 400) assert.equal(json(response).error.requestId, id);
      }
      assert.equal(seen.size, requests.length, 'a fresh id for each request');
    });

    test('a client X-Request-ID of 1–128 characters of [A-Za-z0-9._:-] is echoed, and is the error’s requestId', async () => {
      for (const given of ['a', 'Z'.repeat(128), 'req-1.2_3:ABC', '0', '...', 'trace:abc-123_x.y']) {
        const ok = await t.app.inject({ method: 'GET', url: '/contacts', headers: { ...auth, 'x-request-id': given } });
        assert.equal(ok.headers['x-request-id'], given);
        const failed = await t.app.inject({ method: 'GET', url: `/contacts/${NEVER_ID}`, headers: { ...auth, 'x-request-id': given } });
        assertError(failed, 404, { code: 'NOT_FOUND' });
        assert.equal(json(failed).error.requestId, given);
      }
    });

    test('an invalid client X-Request-ID (129 characters, a space, a slash, other characters) is replaced by a fresh id', async () => {
      for (const given of ['a'.repeat(129), 'has space', 'a/b', 'é', 'a,b', '<script>', 'a;b']) {
        const response = await t.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': given } });
        const id = response.headers['x-request-id'];
        assert.match(String(id), UUID, JSON.stringify(given));
        assert.equal(json(response).error.requestId, id);
      }
    });

    test('an answer the router gives before any route (a malformed URL) also carries the client’s X-Request-ID', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/contacts/%zz', headers: { ...auth, 'x-request-id': 'bad-url-1' } });
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, String(response.statusCode));
      assert.equal(response.headers['x-request-id'], 'bad-url-1');
      assert.equal(json(response).error.requestId, 'bad-url-1');
    });

    test('unknown route → 404 NOT_FOUND envelope, with or without a key', async () => {
      for (const url of ['/nowhere', '/contacts/a/b', '/contactsx', '/v1/contacts']) {
        assertError(await t.app.inject({ method: 'GET', url }), 404, { code: 'NOT_FOUND' });
        assertError(await t.app.inject({ method: 'POST', url, headers: auth, payload: {} }), 404, { code: 'NOT_FOUND' });
      }
      // The root is a route: GET is the dashboard's login page, other methods are 405.
      assert.equal((await t.app.inject({ method: 'GET', url: '/' })).statusCode, 200);
      assertError(await t.app.inject({ method: 'POST', url: '/', headers: auth, payload: {} }), 405, { code: 'METHOD_NOT_ALLOWED' });
    });

    test('known path, wrong method → 405 METHOD_NOT_ALLOWED with an Allow header listing the methods', async () => {
      const cases = [
        ['PUT', '/contacts', ['GET', 'HEAD', 'POST']],
        ['DELETE', '/contacts', ['GET', 'HEAD', 'POST']],
        ['PATCH', '/contacts?limit=5', ['GET', 'HEAD', 'POST']],
        ['PUT', `/contacts/${NEVER_ID}`, ['GET', 'HEAD', 'PATCH', 'DELETE']],
        ['POST', `/contacts/${NEVER_ID}`, ['GET', 'HEAD', 'PATCH', 'DELETE']],
        ['POST', '/health', ['GET', 'HEAD']],
        ['DELETE', '/ready', ['GET', 'HEAD']],
        // The fixed paths under /contacts are never ids, though /contacts/:id would match them.
        ['PUT', '/contacts/import', ['GET', 'HEAD', 'POST']],
        ['DELETE', '/contacts/import?x=1', ['GET', 'HEAD', 'POST']],
        ['GET', '/contacts/import/preview', ['POST']],
        ['PATCH', '/contacts/bulk', ['GET', 'HEAD']],
        ['POST', '/contacts/import/abc/errors.csv', ['GET', 'HEAD']],
        ['GET', '/contacts/bulk-subscribe', ['POST']],
        ['PATCH', '/contacts/bulk-unsubscribe', ['POST']],
        ['DELETE', '/contacts/bulk-delete', ['POST']],
        ['OPTIONS', '/contacts/bulk-delete', ['POST']],
        ['POST', '/contacts/import/abc', ['GET', 'HEAD']],
      ] as const;
      for (const [method, url, allowed] of cases) {
        const response = await t.app.inject({ method, url, headers: auth });
        assertError(response, 405, { code: 'METHOD_NOT_ALLOWED' });
        assert.deepEqual(String(response.headers.allow).split(', ').sort(), [...allowed].sort(), `${method} ${url}`);
      }
      const head = await t.app.inject({ method: 'HEAD', url: '/contacts/bulk-delete', headers: auth });
      assert.equal(head.statusCode, 405);
      assert.equal(head.headers.allow, 'POST');
    });

    test(
      'an unknown route or a wrong method answers 404/405 whatever the body (a body is never parsed for them)',
      async () => {
        const headers = { 'content-type': 'application/json' };
        assertError(await t.app.inject({ method: 'POST', url: '/nowhere', headers, payload: '{' }), 404, { code: 'NOT_FOUND' });
        assertError(await t.app.inject({ method: 'PUT', url: '/contacts', headers, payload: '{' }), 405, { code: 'METHOD_NOT_ALLOWED' });
        for (const [type, payload] of [['application/json', '{'], ['text/plain', 'x'], ['application/json', 'x'.repeat(2 * 1024 * 1024)]]) {
          const response = await t.app.inject({ method: 'PATCH', url: '/contacts/import', headers: { 'content-type': type! }, payload });
          assertError(response, 405, { code: 'METHOD_NOT_ALLOWED' });
        }
      },
    );

    test('JSON body over 1 MiB → 413 PAYLOAD_TOO_LARGE; exactly 1 MiB is read (then judged on its content)', async () => {
      const body = (size: number) => {
        const shell = JSON.stringify({ email: 'big@example.com', data: { blob: '' } });
        return shell.replace('"blob":""', `"blob":"${'x'.repeat(size - shell.length)}"`);
      };
      assert.equal(body(MiB).length, MiB);
      assertError(await post({ 'content-type': 'application/json' }, body(MiB + 1)), 413, { code: 'PAYLOAD_TOO_LARGE' });
      assertError(await post({ 'content-type': 'application/json' }, body(5 * MiB)), 413, { code: 'PAYLOAD_TOO_LARGE' });
      assertError(await post({ 'content-type': 'application/json' }, body(MiB)), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /bytes/ }] });
      const contact = await createContact(t, auth, { email: 'big2@example.com' });
      const patch = await t.app.inject({ method: 'PATCH', url: `/contacts/${contact.id}`, headers: { ...auth, 'content-type': 'application/json' }, payload: body(MiB + 1) });
      assertError(patch, 413, { code: 'PAYLOAD_TOO_LARGE' });
    });

    test('a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE (POST and PATCH), nothing written', async () => {
      const { auth: own } = await t.project();
      const contact = await createContact(t, own, { email: 'media@example.com' });
      const types = ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'text/json', 'application/json-patch+json'];
      for (const type of types) {
        const headers = { ...own, 'content-type': type };
        const created = await t.app.inject({ method: 'POST', url: '/contacts', headers, payload: '{"email":"m2@example.com"}' });
        assertError(created, 415, { code: 'UNSUPPORTED_MEDIA_TYPE' });
        const patch = await t.app.inject({ method: 'PATCH', url: `/contacts/${contact.id}`, headers, payload: '{"subscribed":false}' });
        assertError(patch, 415, { code: 'UNSUPPORTED_MEDIA_TYPE' });
      }
      const untyped = await t.app.inject({ method: 'POST', url: '/contacts', headers: own, payload: '{"email":"m3@example.com"}' });
      assertError(untyped, 415, { code: 'UNSUPPORTED_MEDIA_TYPE' });
      assert.equal(json(await t.app.inject({ method: 'GET', url: '/contacts', headers: own })).total, 1);
      assert.equal(json(await t.app.inject({ method: 'GET', url: `/contacts/${contact.id}`, headers: own })).subscribed, true);
    });

    test('a multipart body on POST or PATCH /contacts → 415 UNSUPPORTED_MEDIA_TYPE (only the import takes multipart)', async () => {
      const contact = await createContact(t, auth, { email: 'multipart@example.com' });
      const headers = { ...auth, 'content-type': 'multipart/form-data; boundary=x' };
      const payload = '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nm@example.com\r\n--x--\r\n';
      assertError(await t.app.inject({ method: 'POST', url: '/contacts', headers, payload }), 415, { code: 'UNSUPPORTED_MEDIA_TYPE' });
      assertError(await t.app.inject({ method: 'PATCH', url: `/contacts/${contact.id}`, headers, payload }), 415, { code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    test('JSON content types with parameters or another case are accepted', async () => {
      for (const [i, type] of ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON'].entries()) {
        const response = await post({ 'content-type': type }, `{"email":"ct${i}@example.com"}`);
        assert.equal(response.statusCode, 201, `${type}: ${response.body}`);
      }
    });

    test('declared JSON that does not parse → 400 INVALID_JSON (POST and PATCH)', async () => {
      const contact = await createContact(t, auth, { email: 'badjson@example.com' });
      const bodies = ['{', '{"email":', "{'email':'a@b.co'}", '{"email":"a@b.co"}x', 'undefined', '{"email":"a@b.co",}', 'NaN'];
      for (const body of bodies) {
        assertError(await post({ 'content-type': 'application/json' }, body), 400, { code: 'INVALID_JSON' });
        const patch = await t.app.inject({ method: 'PATCH', url: `/contacts/${contact.id}`, headers: { ...auth, 'content-type': 'application/json' }, payload: body });
        assertError(patch, 400, { code: 'INVALID_JSON' });
      }
    });

    test('declared JSON with invalid UTF-8 bytes → 400 INVALID_JSON, nothing written', async () => {
      const bytes = Buffer.concat([Buffer.from('{"email":"utf'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('@example.com"}')]);
      assertError(await post({ 'content-type': 'application/json' }, bytes), 400, { code: 'INVALID_JSON' });
      const overlong = Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('@example.com"}')]);
      assertError(await post({ 'content-type': 'application/json' }, overlong), 400, { code: 'INVALID_JSON' });
      const list = json(await t.app.inject({ method: 'GET', url: '/contacts?search=%40example.com&limit=100', headers: auth }));
      assert.ok(!list.contacts.some((c: { email: string }) => c.email.startsWith('utf') || c.email.startsWith('a\ufffd')));
    });

    // The write lock of the SQLite file, held by another process's connection
    // past busy_timeout: the store is unavailable, a 503, never a 500.
    if (kind.name === 'sqlite') {
      test('a database another process holds locked → 503 SERVICE_UNAVAILABLE for writes, nothing written; reads go on; then 201', async () => {
        const db = (t.store as SqliteStore).db;
        const timeout = db.pragma('busy_timeout', { simple: true }) as number;
        const holder = new Database(db.name);
        db.pragma('busy_timeout = 50');
        try {
          holder.exec('BEGIN IMMEDIATE');
          const refused = await post({ 'content-type': 'application/json' }, JSON.stringify({ email: 'locked@example.com' }));
          assertError(refused, 503, { code: 'SERVICE_UNAVAILABLE' });
          assert.equal((await t.app.inject({ method: 'GET', url: '/contacts', headers: auth })).statusCode, 200);
          holder.exec('ROLLBACK');
          const created = await post({ 'content-type': 'application/json' }, JSON.stringify({ email: 'locked@example.com' }));
          assert.equal(created.statusCode, 201, created.body);
        } finally {
          if (holder.inTransaction) holder.exec('ROLLBACK');
          holder.close();
          db.pragma(`busy_timeout = ${timeout}`);
        }
      });
    }

    test('a bug → 500 INTERNAL_SERVER_ERROR with the generic envelope: no message, stack or SQL; logged with the request id', async () => {
      const lines: string[] = [];
      const secret = new Error('SQLITE_ERROR near "SELECT secret FROM api_keys": syntax error');
      const app = await buildApp({
        store: storeFailingAt(t.store, 'getById', secret),
        logger: createLogger('error', { write: (line: string) => void lines.push(line) }),
      });
      try {
        const response = await app.inject({ method: 'GET', url: `/contacts/${NEVER_ID}`, headers: { ...auth, 'x-request-id': 'bug-1' } });
        assertError(response, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
        assert.deepEqual(json(response), {
          error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', statusCode: 500, requestId: 'bug-1' },
        });
        for (const leak of ['SELECT', 'secret', 'SQLITE', 'stack', ' at ', '.ts']) assert.ok(!response.body.includes(leak), leak);
        const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.requestId === 'bug-1' && entry.level >= 50);
        assert.ok(logged, 'the failure is logged with the request id');
        assert.match(JSON.stringify(logged), /SELECT secret FROM/);
        // Other routes of the same app are unaffected.
        assert.equal((await app.inject({ method: 'GET', url: '/contacts', headers: auth })).statusCode, 200);
      } finally {
        await app.close();
      }
    });
  });
}
