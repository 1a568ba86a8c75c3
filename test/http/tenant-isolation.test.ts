// Tenant isolation (CONTRACT.md, "Authentication"): everything belonging to
// another project is invisible. These are "existence leak" tests: a foreign
// contact's id answers exactly like an id that never existed, and stays untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import {
  assertError,
  createContact,
  deleteContact,
  errorWithoutRequestId,
  getContact,
  listAll,
  listPage,
  NEVER_ID,
  patchContact,
} from '../support/contacts.js';

for (const kind of storeKinds()) {
  describe(`tenant isolation (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    /** Two projects; `theirs` is a contact of project B, `mine` the same email in project A. */
    async function twoProjects() {
      const a = await t.project('a');
      const b = await t.project('b');
      const theirs = await createContact(t, b.auth, { email: 'shared@example.com', subscribed: true, data: { owner: 'b' } });
      return { a, b, theirs };
    }

    test('GET of another project’s contact answers exactly like a never-existing id (404 NOT_FOUND)', async () => {
      const { a, theirs } = await twoProjects();
      const foreign = await getContact(t, a.auth, theirs.id);
      const missing = await getContact(t, a.auth, NEVER_ID);
      assertError(foreign, 404, { code: 'NOT_FOUND', message: 'Contact not found' });
      assert.deepEqual(errorWithoutRequestId(foreign), errorWithoutRequestId(missing));
    });

    test('PATCH of another project’s contact answers like a never-existing id and changes nothing', async () => {
      const { a, b, theirs } = await twoProjects();
      const change = { email: 'stolen@example.com', subscribed: false, data: { owner: 'a' } };
      const foreign = await patchContact(t, a.auth, theirs.id, change);
      const missing = await patchContact(t, a.auth, NEVER_ID, change);
      assertError(foreign, 404, { code: 'NOT_FOUND', message: 'Contact not found' });
      assert.deepEqual(errorWithoutRequestId(foreign), errorWithoutRequestId(missing));
      // Also with data: null (clears) and with an email the caller's project already uses.
      await createContact(t, a.auth, { email: 'taken@example.com' });
      for (const body of [{ data: null }, { email: 'taken@example.com' }]) {
        const foreignAgain = await patchContact(t, a.auth, theirs.id, body);
        assert.deepEqual(errorWithoutRequestId(foreignAgain), errorWithoutRequestId(await patchContact(t, a.auth, NEVER_ID, body)));
      }
      assert.deepEqual(json(await getContact(t, b.auth, theirs.id)), theirs, 'untouched, updatedAt included');
    });

    test('DELETE of another project’s contact answers like a never-existing id and deletes nothing', async () => {
      const { a, b, theirs } = await twoProjects();
      const foreign = await deleteContact(t, a.auth, theirs.id);
      const missing = await deleteContact(t, a.auth, NEVER_ID);
      assertError(foreign, 404, { code: 'NOT_FOUND', message: 'Contact not found' });
      assert.deepEqual(errorWithoutRequestId(foreign), errorWithoutRequestId(missing));
      assert.deepEqual(json(await getContact(t, b.auth, theirs.id)), theirs);
      assert.equal((await listPage(t, b.auth)).total, 1);
    });

    test('listing and search never show another project’s contacts, and total counts only one’s own', async () => {
      const { a, theirs } = await twoProjects();
      const mine = await createContact(t, a.auth, { email: 'mine@example.com' });
      const first = await listPage(t, a.auth);
      assert.deepEqual(first.contacts, [mine]);
      assert.equal(first.total, 1);
      for (const query of [{ search: 'shared' }, { search: 'sh' }, { search: theirs.email }, { subscribed: 'true' }] as Record<string, string>[]) {
        const page = await listPage(t, a.auth, query);
        assert.ok(!page.contacts.some((c) => c.id === theirs.id), JSON.stringify(query));
        assert.equal(page.total, query.subscribed ? 1 : 0);
      }
    });

    test('POST of the same email in two projects makes two separate contacts', async () => {
      const a = await t.project('a');
      const b = await t.project('b');
      const inA = await createContact(t, a.auth, { email: 'same@example.com', data: { in: 'a' } });
      const inB = await createContact(t, b.auth, { email: 'SAME@example.com', subscribed: false, data: { in: 'b' } });
      assert.notEqual(inA.id, inB.id);
      assert.deepEqual(json(await getContact(t, a.auth, inA.id)), inA);
      assert.deepEqual(json(await getContact(t, b.auth, inB.id)), inB);
      assert.deepEqual(inA.data, { in: 'a' });
      assert.equal(inA.subscribed, true);
    });

    test('PATCH to an email another project uses is not a conflict', async () => {
      const { a } = await twoProjects();
      const mine = await createContact(t, a.auth, { email: 'mine@example.com' });
      const response = await patchContact(t, a.auth, mine.id, { email: 'shared@example.com' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json(response).email, 'shared@example.com');
    });

    test('a cursor issued by another project’s listing → 400 INVALID_CURSOR', async () => {
      const { a, b } = await twoProjects();
      await createContact(t, b.auth, { email: 'second@example.com' });
      await createContact(t, a.auth, { email: 'a1@example.com' });
      await createContact(t, a.auth, { email: 'a2@example.com' });
      const theirPage = await listPage(t, b.auth, { limit: 1 });
      assert.ok(theirPage.cursor);
      const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: a.auth, query: { limit: '1', cursor: theirPage.cursor } });
      assertError(response, 400, { code: 'INVALID_CURSOR' });
      assert.equal((await listAll(t, b.auth, { limit: 1 })).length, 2, 'the cursor still works for its own project');
    });
  });
}
