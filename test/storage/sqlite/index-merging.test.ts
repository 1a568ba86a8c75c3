// The search index's segments are merged by the maintenance thread, never
// inside a request's commit (maintenance-thread.ts): with FTS5's automatic
// merging, some commits on a database of a million contacts took 100-800 ms.
// Shown without timing anything: commits leave one new segment each, and the
// thread brings them back to a few.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertContacts, openTempStore, type TempStore } from './search-fixtures.js';

const A = '01900000-0000-7000-8000-0000000000a1';

describe('SQLite search index upkeep', () => {
  let t: TempStore;
  before(async () => {
    t = await openTempStore();
    await t.store.projects.create({ id: A, name: 'a', createdAt: 0 }, []);
  });
  after(async () => t.cleanup());

  const segments = () => t.store.db.prepare('SELECT count(DISTINCT segid) AS n FROM contacts_search_idx').pluck().get() as number;

  test('commits do not merge (automerge 0; crisismerge 64 as the bound if the thread is not running)', () => {
    const config = Object.fromEntries(
      (t.store.db.prepare('SELECT k, v FROM contacts_search_config').all() as { k: string; v: number }[]).map(({ k, v }) => [k, v]),
    );
    assert.equal(config.automerge, 0);
    assert.equal(config.crisismerge, 64);
  });

  test('120 commits of one contact each: the thread merges their segments down to a few', async () => {
    for (let i = 0; i < 120; i++) insertContacts(t.store.db, A, [`c${i}@example.com`]);
    let count = segments();
    for (const deadline = Date.now() + 20_000; count > 12 && Date.now() < deadline; count = segments()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(count <= 12, `${count} segments left`);
    const found = t.store.db.prepare("SELECT count(*) FROM contacts WHERE email LIKE 'c%@example.com'").pluck().get();
    assert.equal(found, 120);
  });
});
