// Operations (CONTRACT.md, "Operations"): liveness, readiness, the OpenAPI
// document and its readable reference, all without a key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError } from '../support/contacts.js';

for (const kind of storeKinds()) {
  describe(`operations (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    test('GET /health → 200 {"status":"ok"} without a key', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.deepEqual(json(response), { status: 'ok' });
    });

    test('GET /ready → 200 while the database answers', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(response), { status: 'ready' });
    });

    test('GET /openapi.json → an OpenAPI 3.1 document without a key', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const doc = json(response);
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      assert.equal(typeof doc.info.title, 'string');
      assert.deepEqual(doc.components.securitySchemes.secretKey, { type: 'http', scheme: 'bearer' });
    });

    test('the OpenAPI document holds the /contacts paths with the schemas that validate requests', async () => {
      const doc = json(await t.app.inject({ method: 'GET', url: '/openapi.json' }));
      assert.deepEqual(Object.keys(doc.paths['/contacts']).sort(), ['get', 'post']);
      assert.deepEqual(Object.keys(doc.paths['/contacts/{id}']).sort(), ['delete', 'get', 'patch']);

      const create = doc.paths['/contacts'].post.requestBody.content['application/json'].schema;
      assert.equal(create.type, 'object');
      assert.deepEqual(create.required, ['email']);
      assert.equal(create.additionalProperties, false);
      assert.deepEqual(Object.keys(create.properties).sort(), ['data', 'email', 'subscribed']);
      assert.equal(create.properties.subscribed.type, 'boolean');
      assert.equal(create.properties.data.type, 'object');

      const patch = doc.paths['/contacts/{id}'].patch.requestBody.content['application/json'].schema;
      assert.equal(patch.additionalProperties, false);
      assert.equal(patch.required, undefined, 'every PATCH field is optional');
      assert.deepEqual(Object.keys(patch.properties).sort(), ['data', 'email', 'subscribed']);

      const query = doc.paths['/contacts'].get.parameters.filter((p: { in: string }) => p.in === 'query');
      const byName = Object.fromEntries(query.map((p: { name: string; schema: object }) => [p.name, p.schema]));
      assert.deepEqual(Object.keys(byName).sort(), ['createdAfter', 'createdBefore', 'cursor', 'email', 'limit', 'search', 'subscribed', 'updatedAfter', 'updatedBefore']);
      assert.deepEqual(byName.limit, { type: 'integer', minimum: 1, maximum: 100, default: 20 });
      assert.equal(byName.search.minLength, 1);
      assert.equal(byName.search.maxLength, 254);

      const idParam = doc.paths['/contacts/{id}'].get.parameters.find((p: { in: string }) => p.in === 'path');
      assert.equal(idParam.name, 'id');
      assert.equal(idParam.required, true);

      const contact = doc.components.schemas.Contact;
      assert.deepEqual(Object.keys(contact.properties), ['id', 'email', 'subscribed', 'data', 'createdAt', 'updatedAt']);
      assert.ok(doc.components.schemas.Error, 'the error envelope is documented');
      for (const [path, method, status] of [
        ['/contacts', 'post', '201'],
        ['/contacts', 'post', '200'],
        ['/contacts', 'get', '200'],
        ['/contacts/{id}', 'patch', '409'],
        ['/contacts/{id}', 'delete', '204'],
        ['/contacts/{id}', 'get', '404'],
      ]) {
        assert.ok(doc.paths[path!][method!].responses[status!], `${method} ${path} documents ${status}`);
      }
    });

    test('GET /docs → 200 HTML (following a redirect if any) without a key', async () => {
      let response = await t.app.inject({ method: 'GET', url: '/docs' });
      for (let hops = 0; response.statusCode >= 300 && response.statusCode < 400 && hops < 3; hops++) {
        const location = new URL(String(response.headers.location), 'http://localhost/docs');
        response = await t.app.inject({ method: 'GET', url: location.pathname + location.search });
      }
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /<html/i);
    });

    test(
      'a missing /docs asset → 404 NOT_FOUND (not 405: GET is the right method)',
      async () => {
        const response = await t.app.inject({ method: 'GET', url: '/docs/static/no-such-file.js' });
        assertError(response, 404, { code: 'NOT_FOUND' });
        assert.equal(response.headers.allow, undefined);
      },
    );

    test('GET /ready → 503 with the error envelope once the database is gone; /health stays 200', async () => {
      const own = await startApp(kind);
      try {
        await own.store.close();
        const response = await own.app.inject({ method: 'GET', url: '/ready', headers: { 'x-request-id': 'ready-1' } });
        assertError(response, 503, { code: 'SERVICE_UNAVAILABLE' });
        assert.equal(json(response).error.requestId, 'ready-1');
        assert.deepEqual(json(await own.app.inject({ method: 'GET', url: '/health' })), { status: 'ok' });
      } finally {
        // Closes the store a second time, which PostgresStore refuses; the run drops
        // its test databases at the end anyway.
        await own.close().catch(() => undefined);
      }
    });
  });
}
