// Many creates at once, as a busy POST /contacts sees them: on PostgreSQL the
// creates of one project that arrive together commit as one batch
// (group-insert.ts), on SQLite in one transaction (group-commit.ts). Each
// request still gets its own answer: one 201 per new email, 200 for every
// other create of it, and the change feed records each change once, in an
// order that replays to the project as it is.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appPerSuite, json, storeKinds, type TestApp } from '../support/app.js';
import { allChanges, byId, replay } from '../support/changes.js';
import { listAll, type Auth } from '../support/contacts.js';

for (const kind of storeKinds()) {
  describe(`POST /contacts, many at once (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    appPerSuite(kind, (app, projectAuth) => {
      t = app;
      auth = projectAuth;
    });

    test('200 concurrent creates, 20 of them of one email: a 201 per new email, 200 for the other 19, one contact.created each', async () => {
      const bodies = Array.from({ length: 200 }, (_, i) =>
        i % 10 === 3 ? { email: 'shared@example.com', data: { [`k${i}`]: i } } : { email: `new${i}@example.com`, data: { i } },
      );
      const responses = await Promise.all(
        bodies.map((payload) => t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload })),
      );
      bodies.forEach((body, i) => {
        if (body.email !== 'shared@example.com') assert.equal(responses[i]!.statusCode, 201, body.email);
      });
      const shared = responses.filter((_, i) => bodies[i]!.email === 'shared@example.com').map((r) => r.statusCode).sort();
      assert.deepEqual(shared, [...Array(19).fill(200), 201]);
      // Every create of the shared email answered with the contact as its write left it: one id for all.
      assert.equal(new Set(responses.filter((_, i) => bodies[i]!.email === 'shared@example.com').map((r) => json(r).id)).size, 1);

      const contacts = await listAll(t, auth);
      assert.equal(contacts.length, 181);
      const sharedContact = contacts.find((contact) => contact.email === 'shared@example.com')!;
      assert.equal(Object.keys(sharedContact.data).length, 20, 'every merge applied to what the previous left');

      const { changes } = await allChanges(t, auth);
      const created = changes.filter((change) => change.type === 'contact.created').map((change) => change.contact.id);
      assert.equal(created.length, 181);
      assert.deepEqual(new Set(created), new Set(contacts.map((contact) => contact.id)));
      assert.equal(changes.filter((change) => change.type === 'contact.updated').length, 19);
      // Each contact's created comes before its updates: the feed replays to the project.
      assert.deepEqual(replay(changes), byId(contacts));
    });
  });
}
