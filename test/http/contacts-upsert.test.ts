// POST /contacts: upsert by email within the project (CONTRACT.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError, listPage } from '../support/contacts.js';

for (const kind of storeKinds()) {
  describe(`POST /contacts (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    test('201 with the new contact, email trimmed and lower-cased, subscribed defaulting to true', async () => {
      const { auth } = await t.project();
      const response = await t.app.inject({
        method: 'POST',
        url: '/contacts',
        headers: auth,
        payload: { email: '  Ada@Example.COM ', data: { plan: 'pro' } },
      });
      assert.equal(response.statusCode, 201);
      assert.match(response.headers['content-type'] as string, /^application\/json; charset=utf-8$/);
      const contact = json(response);
      assert.equal(contact.email, 'ada@example.com');
      assert.equal(contact.subscribed, true);
      assert.deepEqual(contact.data, { plan: 'pro' });
      assert.match(contact.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(contact.createdAt, contact.updatedAt);
      assert.match(contact.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    test('200 for an existing email: data merged, subscribed changed only when given', async () => {
      const { auth } = await t.project();
      const first = json(
        await t.app.inject({
          method: 'POST',
          url: '/contacts',
          headers: auth,
          payload: { email: 'bo@example.com', subscribed: false, data: { a: 1, b: 2 } },
        }),
      );
      const response = await t.app.inject({
        method: 'POST',
        url: '/contacts',
        headers: auth,
        payload: { email: 'BO@example.com', data: { b: null, c: 3 } },
      });
      assert.equal(response.statusCode, 200);
      const contact = json(response);
      assert.equal(contact.id, first.id);
      assert.equal(contact.subscribed, false);
      assert.deepEqual(contact.data, { a: 1, c: 3 });
      assert.ok(contact.updatedAt > first.updatedAt);
      assert.equal(contact.createdAt, first.createdAt);
    });

    test('concurrent creates of one new email make exactly one contact: one 201, the rest 200', async () => {
      const { auth } = await t.project();
      const responses = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: { email: 'race@example.com', data: { [`k${i}`]: i } } }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode).sort((a, b) => a - b);
      assert.deepEqual(statuses, [...Array(24).fill(200), 201]);
      const list = json(await t.app.inject({ method: 'GET', url: '/contacts', headers: auth }));
      assert.equal(list.total, 1);
      assert.equal(Object.keys(list.contacts[0].data).length, 25, 'every merge applied to what the previous left');
    });

    const post = (auth: { authorization: string }, payload: unknown) =>
      t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

    test('400 VALIDATION_ERROR naming each unknown field, nothing created', async () => {
      const { auth } = await t.project();
      const response = await post(auth, { email: 'u@example.com', name: 'Ada', id: 'x' });
      assertError(response, 400, {
        code: 'VALIDATION_ERROR',
        message: 'name: Unknown field: custom fields go under "data"; id: Read-only: the server sets it',
        errors: [{ field: 'name', message: 'Unknown field: custom fields go under "data"' }, { field: 'id', message: 'Read-only: the server sets it' }],
      });
      assert.equal((await listPage(t, auth)).total, 0);
    });

    test('400 VALIDATION_ERROR for data: null, for a non-boolean subscribed and for a non-string email', async () => {
      const { auth } = await t.project();
      const cases: [object, string][] = [
        [{ email: 'n@example.com', data: null }, 'data'],
        [{ email: 'n@example.com', subscribed: 'true' }, 'subscribed'],
        [{ email: 'n@example.com', subscribed: 1 }, 'subscribed'],
        [{ email: 'n@example.com', subscribed: null }, 'subscribed'],
        [{ email: 42 }, 'email'],
        [{ email: ['n@example.com'] }, 'email'],
        [{ email: null }, 'email'],
      ];
      for (const [body, field] of cases) {
        assertError(await post(auth, body), 400, { code: 'VALIDATION_ERROR', errors: [{ field, message: /^Must be / }] });
      }
      assert.equal((await listPage(t, auth)).total, 0);
    });

    test('400 VALIDATION_ERROR when email is missing', async () => {
      const { auth } = await t.project();
      for (const body of [{}, { subscribed: true, data: { a: 1 } }]) {
        assertError(await post(auth, body), 400, {
          code: 'VALIDATION_ERROR',
          message: 'email: Required',
          errors: [{ field: 'email', message: 'Required' }],
        });
      }
    });

    test('400 VALIDATION_ERROR when the body is not an object (array, string, number, boolean, null)', async () => {
      const { auth } = await t.project();
      for (const body of [[{ email: 'a@example.com' }], [], 'a@example.com', 42, true, null]) {
        assertError(await post(auth, body), 400, {
          code: 'VALIDATION_ERROR',
          message: 'body: Must be a JSON object',
          errors: [{ field: 'body', message: 'Must be a JSON object' }],
        });
      }
      assert.equal((await listPage(t, auth)).total, 0);
    });

    test('400 INVALID_JSON for an empty body declared as JSON', async () => {
      const { auth } = await t.project();
      const response = await t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
      assertError(response, 400, { code: 'INVALID_JSON' });
    });

    test('an existing email given subscribed: true changes it back, and a new one can be created unsubscribed', async () => {
      const { auth } = await t.project();
      const created = json(await post(auth, { email: 's@example.com', subscribed: false }));
      assert.equal(created.subscribed, false);
      const again = await post(auth, { email: 's@example.com', subscribed: true });
      assert.equal(again.statusCode, 200);
      assert.equal(json(again).subscribed, true);
      assert.deepEqual((await listPage(t, auth, { subscribed: 'true' })).contacts.map((c) => c.id), [created.id]);
    });
  });
}
