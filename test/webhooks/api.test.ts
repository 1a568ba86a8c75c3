// The webhooks API (issue 15): create (the secret shown once), list, get,
// change, delete, the deliveries log; what is refused with a 400; and
// tenancy: another project's webhook answers exactly like a missing one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { errorWithoutRequestId, NEVER_ID } from '../support/contacts.js';

type Auth = { authorization: string };
const ALL = ['contact.created', 'contact.updated', 'contact.deleted', 'import.completed', 'bulk.completed'];

for (const kind of storeKinds()) {
  describe(`the webhooks API (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    before(async () => {
      t = await startApp(kind, { webhooks: { allowPrivate: true } });
      auth = (await t.project()).auth;
    });
    after(async () => t.close());

    const create = (body: unknown, key: Auth = auth) => t.app.inject({ method: 'POST', url: '/webhooks', headers: key, payload: body as object });

    test('POST: 201 with the endpoint and its secret (whsec_, 32 bytes); GET and the list never show the secret', async () => {
      const response = await create({ url: 'http://127.0.0.1:9/hook', events: ['contact.updated', 'contact.created'] });
      assert.equal(response.statusCode, 201);
      const created = json(response);
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(created.secret.slice(6), 'base64').length, 32);
      assert.deepEqual(
        { ...created, id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined },
        {
          id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined,
          url: 'http://127.0.0.1:9/hook', events: ['contact.created', 'contact.updated'],
          enabled: true, disabledAt: null, disabledReason: null, failingSince: null,
        },
      );
      const got = await t.app.inject({ method: 'GET', url: `/webhooks/${created.id}`, headers: auth });
      assert.equal(got.statusCode, 200);
      const { secret, ...withoutSecret } = created;
      assert.deepEqual(json(got), withoutSecret);
      assert.ok(!got.body.includes(secret.slice(6)));
      const list = await t.app.inject({ method: 'GET', url: '/webhooks', headers: auth });
      assert.equal(list.statusCode, 200);
      assert.ok(json(list).webhooks.some((w: { id: string }) => w.id === created.id));
      assert.ok(!list.body.includes('whsec_'));
    });

    test('the secret is stored sealed: its bytes are nowhere in the database row', async () => {
      const created = json(await create({ url: 'http://127.0.0.1:9/sealed', events: ALL }));
      const stored = await t.store.webhooks.get((await t.projects.authenticate(auth.authorization)), created.id);
      const bytes = Buffer.from(created.secret.slice(6), 'base64');
      assert.ok(stored);
      assert.equal(stored.sealedSecret.includes(bytes), false);
      assert.ok(!JSON.stringify(stored).includes(created.secret.slice(6)));
    });

    test('PATCH changes the url and events, disables (with a reason) and re-enables; DELETE removes it', async () => {
      const created = json(await create({ url: 'http://127.0.0.1:9/a', events: ['contact.created'] }));
      const patch = (body: object) => t.app.inject({ method: 'PATCH', url: `/webhooks/${created.id}`, headers: auth, payload: body });
      const changed = await patch({ url: 'http://127.0.0.1:9/b', events: ['bulk.completed', 'import.completed'] });
      assert.equal(changed.statusCode, 200);
      assert.equal(json(changed).url, 'http://127.0.0.1:9/b');
      assert.deepEqual(json(changed).events, ['import.completed', 'bulk.completed']);
      const disabled = json(await patch({ enabled: false }));
      assert.equal(disabled.enabled, false);
      assert.equal(disabled.disabledReason, 'Disabled through the API');
      assert.ok(disabled.disabledAt);
      const enabled = json(await patch({ enabled: true }));
      assert.deepEqual([enabled.enabled, enabled.disabledAt, enabled.disabledReason], [true, null, null]);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/webhooks/${created.id}`, headers: auth })).statusCode, 204);
      assert.equal((await t.app.inject({ method: 'GET', url: `/webhooks/${created.id}`, headers: auth })).statusCode, 404);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/webhooks/${created.id}`, headers: auth })).statusCode, 404);
    });

    test('GET /webhooks/:id/deliveries: empty for a new endpoint; limit is checked', async () => {
      const created = json(await create({ url: 'http://127.0.0.1:9/log', events: ALL }));
      const response = await t.app.inject({ method: 'GET', url: `/webhooks/${created.id}/deliveries`, headers: auth });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(response), { deliveries: [] });
      const bad = await t.app.inject({ method: 'GET', url: `/webhooks/${created.id}/deliveries?limit=1000`, headers: auth });
      assert.equal(bad.statusCode, 400);
    });

    test('400s: no URL, a relative or malformed URL, another scheme, credentials in the URL, an unknown or no event type', async () => {
      const cases: [unknown, string][] = [
        [{ events: ALL }, 'url'],
        [{ url: '/hook', events: ALL }, 'url'],
        [{ url: 'http://[fe80::1%25eth0]/', events: ALL }, 'url'],
        [{ url: 'ftp://127.0.0.1/hook', events: ALL }, 'url'],
        [{ url: 'http://user:pass@127.0.0.1/hook', events: ALL }, 'url'],
        [{ url: `http://127.0.0.1/${'a'.repeat(2100)}`, events: ALL }, 'url'],
        [{ url: 'http://127.0.0.1/hook', events: ['contact.exploded'] }, 'events'],
        [{ url: 'http://127.0.0.1/hook', events: [] }, 'events'],
        [{ url: 'http://127.0.0.1/hook', events: ['contact.created', 'contact.created'] }, 'events'],
        [{ url: 'http://127.0.0.1/hook' }, 'events'],
        [{ url: 'http://127.0.0.1/hook', events: ALL, secret: 'mine' }, 'secret'],
      ];
      for (const [body, field] of cases) {
        const response = await create(body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(json(response).error.code, 'VALIDATION_ERROR');
        assert.ok(json(response).error.errors.some((e: { field: string }) => e.field.startsWith(field)), `${JSON.stringify(body)}: ${response.body}`);
      }
      const patch = await t.app.inject({ method: 'PATCH', url: `/webhooks/${NEVER_ID}`, headers: auth, payload: { events: ['nope'] } });
      assert.equal(patch.statusCode, 400);
    });

    test("another project's webhook is a 404 exactly like a missing one, for every route, and stays untouched", async () => {
      const other = (await t.project('other')).auth;
      const theirs = json(await create({ url: 'http://127.0.0.1:9/theirs', events: ALL }, other));
      const routes = [
        { method: 'GET', url: (id: string) => `/webhooks/${id}` },
        { method: 'PATCH', url: (id: string) => `/webhooks/${id}`, payload: { enabled: false } },
        { method: 'GET', url: (id: string) => `/webhooks/${id}/deliveries` },
        { method: 'DELETE', url: (id: string) => `/webhooks/${id}` },
      ] as const;
      for (const route of routes) {
        for (const id of [theirs.id, NEVER_ID, 'not-a-uuid']) {
          const response = await t.app.inject({ method: route.method, url: route.url(id), headers: auth, payload: 'payload' in route ? route.payload : undefined });
          assert.equal(response.statusCode, 404, `${route.method} ${id}`);
          assert.deepEqual(errorWithoutRequestId(response), { status: 404, code: 'NOT_FOUND', message: 'Webhook not found', statusCode: 404 });
        }
      }
      assert.ok(!(await t.app.inject({ method: 'GET', url: '/webhooks', headers: auth })).body.includes(theirs.id));
      const still = json(await t.app.inject({ method: 'GET', url: `/webhooks/${theirs.id}`, headers: other }));
      assert.equal(still.enabled, true);
    });

    test('a path the router refuses under /webhooks (an id that does not decode) needs the key, then is "Webhook not found"', async () => {
      assert.equal((await t.app.inject({ method: 'GET', url: '/webhooks/%ZZ' })).statusCode, 401);
      const response = await t.app.inject({ method: 'GET', url: '/webhooks/%ZZ', headers: auth });
      assert.deepEqual(errorWithoutRequestId(response), { status: 404, code: 'NOT_FOUND', message: 'Webhook not found', statusCode: 404 });
    });

    test('a public key is refused (403) and no key is a 401', async () => {
      const created = await t.project('keys');
      const response = await t.app.inject({ method: 'GET', url: '/webhooks', headers: { authorization: `Bearer ${created.publicKey}` } });
      assert.equal(response.statusCode, 403);
      assert.equal((await t.app.inject({ method: 'GET', url: '/webhooks' })).statusCode, 401);
    });
  });
}

for (const kind of storeKinds()) {
  describe(`webhook URLs when private addresses are not allowed (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    before(async () => {
      t = await startApp(kind);
      auth = (await t.project()).auth;
    });
    after(async () => t.close());

    test('http:// is refused: https:// only', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: 'http://example.com/hook', events: ALL } });
      assert.equal(response.statusCode, 400);
      assert.equal(json(response).error.message, 'url: Must be an https:// URL');
    });

    test('loopback, private, link-local, CGNAT, unspecified, unique-local and mapped addresses are refused, as is a name resolving to loopback', async () => {
      const hosts = [
        '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.0.1', '127.0.0.1', '127.1', '0x7f000001', '2130706433',
        '169.254.169.254', '100.64.0.1', '100.127.255.254', '0.0.0.0', '224.0.0.1',
        '[::1]', '[::ffff:127.0.0.1]', '[::ffff:10.0.0.1]', '[fe80::1]', '[fc00::1]', '[fd00:ec2::254]', '[::]', 'localhost',
      ];
      for (const host of hosts) {
        const response = await t.app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: `https://${host}/hook`, events: ALL } });
        assert.equal(response.statusCode, 400, host);
        assert.match(json(response).error.message, /^url: .* is an? [\w (),-]+ address; webhooks go to public addresses only$/, host);
      }
      const list = json(await t.app.inject({ method: 'GET', url: '/webhooks', headers: auth }));
      assert.deepEqual(list, { webhooks: [] });
    });

    test('PATCH to a private address is refused the same way', async () => {
      const response = await t.app.inject({ method: 'PATCH', url: `/webhooks/${NEVER_ID}`, headers: auth, payload: { url: 'https://192.168.1.1/x' } });
      assert.equal(response.statusCode, 400);
      assert.match(json(response).error.message, /192\.168\.1\.1 is a private address/);
    });
  });
}
