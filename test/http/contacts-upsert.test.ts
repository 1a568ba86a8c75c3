// POST /contacts: upsert by email within the project (CONTRACT.md).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';

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
  });
}
