// GET, PATCH and DELETE /contacts/:id (CONTRACT.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appPerSuite, json, storeKinds, type TestApp } from '../support/app.js';
import {
  assertContact,
  assertError,
  createContact,
  deleteContact,
  getContact,
  listPage,
  NEVER_ID,
  patchContact,
  type Auth,
} from '../support/contacts.js';

const NOT_FOUND = { code: 'NOT_FOUND', message: 'Contact not found' };

for (const kind of storeKinds()) {
  describe(`GET/PATCH/DELETE /contacts/:id (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    appPerSuite(kind, (app, key) => ((t = app), (auth = key)));

    let n = 0;
    const email = () => `gpd${n++}@example.com`;

    test('GET: 200 with the contact, JSON with charset; 404 NOT_FOUND for an id that never existed', async () => {
      const contact = await createContact(t, auth, { email: email(), subscribed: false, data: { plan: 'pro', seats: 5 } });
      const response = await getContact(t, auth, contact.id);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(assertContact(json(response)), contact);
      assertError(await getContact(t, auth, NEVER_ID), 404, NOT_FOUND);
    });

    test('PATCH changes the email (trimmed, lower-cased); the old email is free, search finds the new one', async () => {
      const contact = await createContact(t, auth, { email: 'before.change@example.com', data: { a: 1 } });
      const response = await patchContact(t, auth, contact.id, { email: '  After.Change@Example.com ' });
      assert.equal(response.statusCode, 200);
      const changed = assertContact(json(response));
      assert.deepEqual({ ...changed, updatedAt: contact.updatedAt }, { ...contact, email: 'after.change@example.com' });
      assert.ok(changed.updatedAt > contact.updatedAt);
      assert.deepEqual(json(await getContact(t, auth, contact.id)), changed);
      assert.deepEqual((await listPage(t, auth, { search: 'after.change' })).contacts, [changed]);
      assert.deepEqual((await listPage(t, auth, { search: 'before.change' })).contacts, []);
      const reused = await createContact(t, auth, { email: 'before.change@example.com' });
      assert.notEqual(reused.id, contact.id);
    });

    test('PATCH to an email another contact of the project has → 409 CONFLICT, nothing changed', async () => {
      const taken = await createContact(t, auth, { email: email() });
      const contact = await createContact(t, auth, { email: email(), data: { a: 1 } });
      for (const body of [{ email: taken.email }, { email: taken.email.toUpperCase(), subscribed: false, data: { a: 2 } }]) {
        assertError(await patchContact(t, auth, contact.id, body), 409, { code: 'CONFLICT', message: /email/ });
      }
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact);
      assert.deepEqual(json(await getContact(t, auth, taken.id)), taken);
    });

    test('PATCH to its own email in another case → 200 with no change (same updatedAt)', async () => {
      const contact = await createContact(t, auth, { email: email() });
      const response = await patchContact(t, auth, contact.id, { email: contact.email.toUpperCase() });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(response), contact);
    });

    test('PATCH subscribed and data: merged as the data rules say, data: null clears all data', async () => {
      const contact = await createContact(t, auth, { email: email(), data: { a: 1, b: 2 } });
      const merged = json(await patchContact(t, auth, contact.id, { subscribed: false, data: { b: null, c: 3 } }));
      assert.deepEqual([merged.subscribed, merged.data], [false, { a: 1, c: 3 }]);
      const cleared = json(await patchContact(t, auth, contact.id, { data: null }));
      assert.deepEqual(cleared.data, {});
      assert.ok(cleared.updatedAt > merged.updatedAt);
      assert.deepEqual(json(await getContact(t, auth, contact.id)), cleared);
      const both = json(await patchContact(t, auth, contact.id, { subscribed: true, email: email(), data: { d: [1] } }));
      assert.deepEqual([both.subscribed, both.data], [true, { d: [1] }]);
    });

    test('PATCH: 400 VALIDATION_ERROR for unknown fields and wrong types, nothing changed', async () => {
      const contact = await createContact(t, auth, { email: email() });
      const cases: [unknown, string, string | RegExp][] = [
        [{ name: 'x' }, 'name', 'Unknown field: custom fields go under "data"'],
        [{ subscribed: false, id: NEVER_ID }, 'id', 'Read-only: the server sets it'],
        [{ createdAt: '2020-01-01T00:00:00.000Z' }, 'createdAt', 'Read-only: the server sets it'],
        [{ subscribed: 'false' }, 'subscribed', /^Must be/],
        [{ subscribed: null }, 'subscribed', /^Must be/],
        [{ email: null }, 'email', /^Must be/],
        [{ email: 7 }, 'email', /^Must be/],
        [{ data: 'x' }, 'data', /./],
        [[{ subscribed: false }], 'body', 'Must be a JSON object'],
        ['text', 'body', 'Must be a JSON object'],
        [3, 'body', 'Must be a JSON object'],
      ];
      for (const [body, field, message] of cases) {
        const response = await t.app.inject({
          method: 'PATCH',
          url: `/contacts/${contact.id}`,
          headers: { ...auth, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field, message }] });
      }
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact);
    });

    test('PATCH: 404 NOT_FOUND when the contact is missing (never created, or deleted)', async () => {
      assertError(await patchContact(t, auth, NEVER_ID, { subscribed: false }), 404, NOT_FOUND);
      const contact = await createContact(t, auth, { email: email() });
      await deleteContact(t, auth, contact.id);
      assertError(await patchContact(t, auth, contact.id, { data: { a: 1 } }), 404, NOT_FOUND);
      assertError(await patchContact(t, auth, contact.id, {}), 404, NOT_FOUND);
      assert.equal((await listPage(t, auth, { search: contact.email })).total, 0, 'not brought back');
    });

    test('DELETE: 204 with an empty body; then GET → 404 and a second DELETE → 404', async () => {
      const contact = await createContact(t, auth, { email: email() });
      const { total } = await listPage(t, auth);
      const response = await deleteContact(t, auth, contact.id);
      assert.equal(response.statusCode, 204);
      assert.equal(response.body, '');
      assert.equal(response.headers['content-type'], undefined);
      assert.equal(typeof response.headers['x-request-id'], 'string');
      assertError(await getContact(t, auth, contact.id), 404, NOT_FOUND);
      assertError(await deleteContact(t, auth, contact.id), 404, NOT_FOUND);
      assert.equal((await listPage(t, auth)).total, total! - 1);
    });

    test('DELETE is for good: the email can be created again as a new contact with fresh data', async () => {
      const contact = await createContact(t, auth, { email: email(), subscribed: false, data: { old: true } });
      await deleteContact(t, auth, contact.id);
      const again = await createContact(t, auth, { email: contact.email });
      assert.notEqual(again.id, contact.id);
      assert.deepEqual([again.subscribed, again.data], [true, {}]);
      assert.ok(!(await listPage(t, auth, { limit: 100 })).contacts.some((c) => c.id === contact.id));
    });

    test('DELETE and GET accept a declared JSON content type with an empty body', async () => {
      const contact = await createContact(t, auth, { email: email() });
      const headers = { ...auth, 'content-type': 'application/json' };
      assert.equal((await t.app.inject({ method: 'GET', url: `/contacts/${contact.id}`, headers })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/contacts/${contact.id}`, headers })).statusCode, 204);
    });
  });
}
