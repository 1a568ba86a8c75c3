// The change feed (GET /contacts/changes): every committed change of the
// project's contacts exactly once, in commit order, from a cursor; whatever
// made it (the API, an import, a bulk job); a cursor past the retention
// refused with 410, an undecodable one with 400.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { allChanges, byId, changesPage, getChanges, replay } from '../support/changes.js';
import { assertError, createContact, deleteContact, listAll, listPage, patchContact } from '../support/contacts.js';
import { importCsv, jobAppsPerSuite, postBulk, runBulk, waitForJob } from '../support/jobs.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/logger.js';

/** Moves the project's events `ms` into the past, in the store's own table. */
async function ageEvents(t: TestApp, projectId: string, ms: number): Promise<void> {
  const store = t.store as any;
  if (store.db) store.db.prepare('UPDATE events SET at = at - ? WHERE project_id = ?').run(ms, projectId);
  else await store.pool.query('UPDATE events SET at = at - $1 WHERE project_id = $2', [ms, projectId]);
}

const DAY = 24 * 60 * 60 * 1000;

for (const kind of storeKinds()) {
  describe(`GET /contacts/changes (${kind.name})`, () => {
    let t: TestApp;
    jobAppsPerSuite(kind, (working) => {
      t = working;
    });

    test('a create, an update and a delete: each contact as GET showed it after the change, a delete only its id and email', async () => {
      const { auth } = await t.project();
      const created = await createContact(t, auth, { email: 'Ada@Example.com', data: { plan: 'pro' } });
      const updated = json(await patchContact(t, auth, created.id, { subscribed: false, data: { seats: 5 } }));
      assert.equal((await deleteContact(t, auth, created.id)).statusCode, 204);

      const page = await changesPage(t, auth);
      assert.deepEqual(page.changes.map((change) => change.type), ['contact.created', 'contact.updated', 'contact.deleted']);
      assert.deepEqual(page.changes[0]!.contact, created);
      assert.deepEqual(page.changes[1]!.contact, updated);
      assert.deepEqual(page.changes[2]!.contact, { id: created.id, email: 'ada@example.com' });
      assert.match(page.changes[2]!.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Date.parse(page.changes[2]!.at) >= Date.parse(updated.updatedAt));
      assert.equal(page.hasMore, false);
    });

    test('a delete carries the email exactly, whatever characters it holds', async () => {
      const { auth } = await t.project();
      const email = '"we\\ird\'q"+ü@exämple.de';
      const contact = await createContact(t, auth, { email });
      assert.equal(contact.email, email);
      assert.equal((await deleteContact(t, auth, contact.id)).statusCode, 204);
      const { changes } = await allChanges(t, auth);
      assert.deepEqual(changes[1], { type: 'contact.deleted', at: changes[1]!.at, contact: { id: contact.id, email } });
    });

    test('a write that changes nothing records nothing: a PATCH or an upsert of the same state, a delete of no contact', async () => {
      const { auth } = await t.project();
      const contact = await createContact(t, auth, { email: 'same@example.com', subscribed: true, data: { plan: 'pro' } });
      assert.equal((await patchContact(t, auth, contact.id, { subscribed: true, data: { plan: 'pro' } })).statusCode, 200);
      await createContact(t, auth, { email: 'same@example.com', data: { plan: 'pro' } }, 200);
      assert.equal((await patchContact(t, auth, contact.id, { email: 'SAME@example.com' })).statusCode, 200);
      assert.equal((await deleteContact(t, auth, '00000000-0000-7000-8000-000000000000')).statusCode, 404);
      const { changes } = await allChanges(t, auth);
      assert.deepEqual(changes.map((change) => change.type), ['contact.created']);
    });

    test('a PATCH refused (409) records nothing', async () => {
      const { auth } = await t.project();
      const first = await createContact(t, auth, { email: 'one@example.com' });
      await createContact(t, auth, { email: 'two@example.com' });
      assert.equal((await patchContact(t, auth, first.id, { email: 'two@example.com', subscribed: false })).statusCode, 409);
      assert.equal((await allChanges(t, auth)).changes.length, 2);
    });

    test('pages follow the cursor with hasMore; the last cursor polls: nothing, the same cursor, then only what came after', async () => {
      const { auth } = await t.project();
      const emails = ['p0', 'p1', 'p2', 'p3', 'p4'].map((local) => `${local}@example.com`);
      for (const email of emails) await createContact(t, auth, { email });
      const pages = [];
      let page = await changesPage(t, auth, { limit: 2 });
      pages.push(page);
      while (page.hasMore) {
        page = await changesPage(t, auth, { since: page.cursor, limit: 2 });
        pages.push(page);
      }
      assert.deepEqual(pages.map((p) => [p.changes.length, p.hasMore]), [[2, true], [2, true], [1, false]]);
      assert.deepEqual(pages.flatMap((p) => p.changes.map((change) => change.contact.email)), emails);

      const idle = await changesPage(t, auth, { since: page.cursor });
      assert.deepEqual(idle, { changes: [], cursor: page.cursor, hasMore: false });
      await createContact(t, auth, { email: 'p5@example.com' });
      const next = await changesPage(t, auth, { since: page.cursor });
      assert.deepEqual(next.changes.map((change) => change.contact.email), ['p5@example.com']);
      assert.notEqual(next.cursor, page.cursor);

      const everything = await changesPage(t, auth, { limit: 1000 });
      assert.equal(everything.changes.length, 6);
    });

    test('an empty project: no changes, a cursor to poll with', async () => {
      const { auth } = await t.project();
      const page = await changesPage(t, auth);
      assert.deepEqual(page.changes, []);
      assert.equal(page.hasMore, false);
      await createContact(t, auth, { email: 'first@example.com' });
      assert.equal((await changesPage(t, auth, { since: page.cursor })).changes.length, 1);
    });

    test('limit must be a whole number from 1 to 1,000 (400 VALIDATION_ERROR); other parameters are refused', async () => {
      const { auth } = await t.project();
      for (const limit of ['0', '1001', 'abc', '1.5', '-1']) {
        const response = await getChanges(t, auth, { limit });
        assert.equal(response.statusCode, 400, limit);
        assert.equal(json(response).error.code, 'VALIDATION_ERROR', limit);
        assert.equal(json(response).error.errors[0].field, 'limit', limit);
      }
      assert.equal((await getChanges(t, auth, { cursor: 'x' })).statusCode, 400);
      assert.equal((await getChanges(t, auth, { limit: 1000 })).statusCode, 200);
      assert.equal((await getChanges(t, auth, { limit: 1 })).statusCode, 200);
    });

    test('a cursor that does not decode, a listing cursor, or another project\'s cursor: 400 INVALID_CURSOR', async () => {
      const mine = await t.project();
      const theirs = await t.project();
      await createContact(t, mine.auth, { email: 'a@example.com' });
      await createContact(t, mine.auth, { email: 'b@example.com' });
      const listing = await listPage(t, mine.auth, { limit: 1 });
      const theirCursor = (await changesPage(t, theirs.auth)).cursor;
      for (const since of ['not a cursor', '!!!', 'AAAA', listing.cursor!, theirCursor, 'x'.repeat(201)]) {
        const response = await getChanges(t, mine.auth, { since });
        assertError(response, 400, { code: 'INVALID_CURSOR', message: 'The cursor is invalid; start again without one (from the oldest change kept)' });
      }
    });

    test("another project's changes are invisible", async () => {
      const mine = await t.project();
      const theirs = await t.project();
      await createContact(t, theirs.auth, { email: 'theirs@example.com' });
      await createContact(t, mine.auth, { email: 'mine@example.com' });
      await createContact(t, theirs.auth, { email: 'mine@example.com' });
      const { changes } = await allChanges(t, mine.auth);
      assert.deepEqual(changes.map((change) => change.contact.email), ['mine@example.com']);
    });

    test('the secret key is needed; other methods are 405', async () => {
      const { auth, publicKey } = await t.project();
      assert.equal((await t.app.inject({ method: 'GET', url: '/contacts/changes' })).statusCode, 401);
      const withPublic = await getChanges(t, { authorization: `Bearer ${publicKey}` });
      assert.equal(withPublic.statusCode, 403);
      const post = await t.app.inject({ method: 'DELETE', url: '/contacts/changes', headers: auth });
      assert.equal(post.statusCode, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
    });

    test('past the retention: an older cursor is 410 CURSOR_EXPIRED; without one the feed starts after what was deleted', async () => {
      const { auth, project } = await t.project();
      const start = (await changesPage(t, auth)).cursor;
      await createContact(t, auth, { email: 'old1@example.com' });
      const afterFirst = (await changesPage(t, auth, { limit: 1 })).cursor;
      await createContact(t, auth, { email: 'old2@example.com' });
      const caughtUp = (await allChanges(t, auth)).cursor;

      assert.ok((await t.store.events.deleteBefore(Date.now() + DAY)) >= 2);
      assert.equal(await t.store.events.lastSeq(project.id), await t.store.events.purgedThrough(project.id));
      for (const since of [start, afterFirst]) {
        assertError(await getChanges(t, auth, { since }), 410, {
          code: 'CURSOR_EXPIRED',
          message: 'The cursor is older than the changes kept (CHANGE_RETENTION_DAYS); read the contacts again, then follow the feed from a new cursor',
        });
      }
      // A reader that had read everything missed nothing.
      assert.deepEqual(await changesPage(t, auth, { since: caughtUp }), { changes: [], cursor: caughtUp, hasMore: false });
      const fresh = await changesPage(t, auth);
      assert.deepEqual(fresh.changes, []);
      await createContact(t, auth, { email: 'new@example.com' });
      assert.deepEqual((await allChanges(t, auth, fresh.cursor)).changes.map((change) => change.contact.email), ['new@example.com']);
      assert.deepEqual((await allChanges(t, auth)).changes.map((change) => change.contact.email), ['new@example.com']);
    });

    test("the worker's maintenance deletes changes older than CHANGE_RETENTION_DAYS, and only those", async () => {
      const { auth, project } = await t.project();
      await createContact(t, auth, { email: 'aged@example.com' });
      await ageEvents(t, project.id, 8 * DAY);
      await createContact(t, auth, { email: 'recent@example.com' });
      const runner = new JobRunner({ store: t.store, logger: createLogger('silent'), changeRetentionDays: 7 });
      runner.start();
      try {
        for (let polls = 0; (await t.store.events.purgedThrough(project.id)) === 0; polls++) {
          assert.ok(polls < 250, 'the maintenance ran');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await runner.stop();
      }
      assert.deepEqual((await allChanges(t, auth)).changes.map((change) => change.contact.email), ['recent@example.com']);
    });

    test('imports and bulk jobs record each change they make; their job events stay out of the feed', async () => {
      const { auth, project } = await t.project();
      const kept = await createContact(t, auth, { email: 'kept@example.com', data: { plan: 'free' } });
      const imported = await importCsv(t, auth, 'email,plan\nkept@example.com,pro\nnew1@example.com,pro\nnew2@example.com,free\nbad,pro\n');
      assert.equal(imported.result.successCount, 3);
      const byEmail = new Map((await listAll(t, auth)).map((contact) => [contact.email, contact]));
      const unsubscribed = await runBulk(t, auth, 'unsubscribe', [byEmail.get('new1@example.com')!.id, kept.id]);
      assert.equal(unsubscribed.result.successCount, 2);
      const response = await postBulk(t, auth, 'delete', { filter: { data: { plan: 'free' } } });
      const deleted = await waitForJob(t, auth, response.headers.location as string);
      assert.equal(deleted.result.successCount, 1);

      // A job step records its updates, then its inserts, each in the order the job met them.
      const { changes } = await allChanges(t, auth);
      assert.deepEqual(changes.map((change) => `${change.type} ${change.contact.email}`), [
        'contact.created kept@example.com',
        'contact.updated kept@example.com',
        'contact.created new1@example.com',
        'contact.created new2@example.com',
        'contact.updated new1@example.com',
        'contact.updated kept@example.com',
        'contact.deleted new2@example.com',
      ]);
      assert.deepEqual(replay(changes), byId(await listAll(t, auth)));

      // The jobs' own events, for webhooks: each job as its status endpoint shows it.
      const jobEvents = await t.store.events.after(project.id, 0, 100, ['import.completed', 'bulk.completed']);
      assert.deepEqual(jobEvents.map((event) => event.type), ['import.completed', 'bulk.completed', 'bulk.completed']);
      assert.deepEqual(jobEvents.map((event) => JSON.parse(event.dataJson)), [imported, unsubscribed, deleted]);
      assert.equal(await t.store.events.lastSeq(project.id), jobEvents[2]!.seq);
    });
  });
}

