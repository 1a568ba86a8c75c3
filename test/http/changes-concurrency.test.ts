// The change feed under concurrent writers on one project: API requests, an
// import and a bulk job by filter at once, while a client follows the feed.
// What the follower collected, page by page as the writes went on, is what a
// reader after them gets (no change skipped, none twice), and it replays to
// the project as it ends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { storeKinds, type TestApp } from '../support/app.js';
import { allChanges, byId, replay, type ChangeJson } from '../support/changes.js';
import { createContact, deleteContact, listAll, patchContact, type Auth } from '../support/contacts.js';
import { appPerSuite } from '../support/app.js';
import { importCsv, postBulk, waitForJob } from '../support/jobs.js';

/** A small seeded generator: the same writes on every run. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

async function apiWriter(t: TestApp, auth: Auth, ids: string[], seed: number, count: number): Promise<void> {
  const pick = random(seed);
  for (let i = 0; i < count; i++) {
    const id = ids[pick(ids.length)]!;
    switch (pick(4)) {
      case 0:
        ids.push((await createContact(t, auth, { email: `w${seed}-${i}@example.com`, data: { writer: seed } })).id);
        break;
      case 1:
        await deleteContact(t, auth, id); // 404 when another writer got there first
        break;
      default:
        await patchContact(t, auth, id, { subscribed: pick(2) === 0, data: { n: i } });
    }
  }
}

for (const kind of storeKinds()) {
  describe(`change feed under concurrent writers (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    appPerSuite(kind, (app, projectAuth) => {
      t = app;
      auth = projectAuth;
    }, { worker: true });

    test('a follower polling during the writes collects exactly what a later reader gets, and it replays to the project', async () => {
      const rows = Array.from({ length: 300 }, (_, i) => `c${i}@example.com,${i % 3 === 0 ? 'trial' : 'pro'}`);
      await importCsv(t, auth, `email,plan\n${rows.slice(0, 200).join('\n')}\n`);
      const ids = (await listAll(t, auth)).map((contact) => contact.id);

      let writing = true;
      const followed: ChangeJson[] = [];
      const follower = (async () => {
        let cursor: string | undefined;
        // One more full read after the writers are done.
        for (let last = false; !last; ) {
          last = !writing;
          const read = await allChanges(t, auth, cursor, () => 37);
          followed.push(...read.changes);
          cursor = read.cursor;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      const jobs = (async () => {
        const imported = importCsv(t, auth, `email,plan,extra\n${rows.slice(100).map((row) => `${row},x`).join('\n')}\n`);
        const bulk = await postBulk(t, auth, 'unsubscribe', { filter: { data: { plan: 'trial' } } });
        assert.equal(bulk.statusCode, 202);
        await imported;
        await waitForJob(t, auth, bulk.headers.location as string);
      })();
      await Promise.all([jobs, ...[1, 2, 3].map((seed) => apiWriter(t, auth, ids, seed, 40))]);
      writing = false;
      await follower;

      const later = await allChanges(t, auth);
      assert.deepEqual(followed, later.changes);
      assert.deepEqual(replay(later.changes), byId(await listAll(t, auth)));
      assert.ok(later.changes.length > 500, `${later.changes.length} changes`);
    });
  });
}
