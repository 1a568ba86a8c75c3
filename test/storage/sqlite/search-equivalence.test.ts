// The SQLite search answers exactly what a naive filter over the project's
// contacts answers (CONTRACT.md, GET /contacts `search`: a case-insensitive
// substring of the email, `%` and `_` ordinary): the same pages, in order,
// over whole cursor walks, and the same totals, for searches of 1, 2, 3 and
// 10 characters, common (more than 1,000 matches) and rare, with and
// without `subscribed`, two projects side by side, after updates and deletes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertSearchMatchesNaive, insertContacts, openTempStore, type TempStore } from './search-fixtures.js';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';

/** 2,600 emails: every one holds "example", rarer ones hold the odd characters. */
function projectAEmails(): string[] {
  return Array.from({ length: 2600 }, (_, i) => {
    if (i % 50 === 0) return `a${i}_x%y@example.com`;
    if (i % 70 === 0) return `q"${i}"@example.de`;
    if (i % 90 === 0) return `müller${i}@example.日本`;
    if (i % 130 === 0) return `日本${i}@example.jp`;
    return `person${i}@m${i % 7}.example.com`;
  });
}

const TERMS = [
  // 1 and 2 characters: scans
  'a', '%', '_', '"', 'ü', '日', '7', '_x', '%y', '日本', 'e.', 'zz',
  // 3 characters and more: the index
  'exa', 'm3.', 'x%y', 'q"1', 'ü', 'üll', '日本1', '.日本', 'bigcorp', 'nothing',
  // 10 characters
  'example.co', 'person1234', '"@example.', 'r140@examp',
];

describe('SQLite search equals a naive filter over the project', () => {
  let t: TempStore;
  before(async () => {
    t = await openTempStore();
    await t.store.projects.create({ id: A, name: 'a', createdAt: 0 }, []);
    await t.store.projects.create({ id: B, name: 'b', createdAt: 0 }, []);
    // Interleaved, so that both projects' rows share every range of the index.
    const emailsOfA = projectAEmails();
    for (let i = 0; i < 2600; i += 650) {
      insertContacts(t.store.db, A, emailsOfA.slice(i, i + 650));
      insertContacts(t.store.db, B, Array.from({ length: 700 }, (_, j) => `b${i}-${j}@bigcorp.example.com`));
    }
  });
  after(async () => t.cleanup());

  test('every term, with and without subscribed, in both projects: same pages and totals', async () => {
    for (const project of [A, B]) {
      for (const search of TERMS) {
        for (const subscribed of [undefined, true, false]) await assertSearchMatchesNaive(t.store, project, search, subscribed);
      }
    }
    // Both paths of a search of 3+ characters are taken: common and rare.
    assert.ok((await t.store.contacts.count(A, { search: 'exa' })) > 1000);
    assert.ok((await t.store.contacts.count(A, { search: 'x%y' })) < 1000);
  });

  test('page sizes 1 and 100 walk the same contacts', async () => {
    for (const search of ['exa', 'x%y', 'e']) {
      await assertSearchMatchesNaive(t.store, A, search, undefined, 1);
      await assertSearchMatchesNaive(t.store, A, search, true, 100);
    }
  });

  test('after email changes and deletes, the index follows: old emails no longer match, new ones do', async () => {
    const some = t.store.db.prepare("SELECT id FROM contacts WHERE project_id = ? AND email LIKE 'person1%' LIMIT 200").all(A) as { id: string }[];
    for (const [i, { id }] of some.entries()) {
      if (i % 2 === 0) assert.ok(await t.store.contacts.deleteById(A, id));
      else await t.store.contacts.updateById(A, id, (c) => ({ ...c, email: `renamed${i}@bigcorp.日本` }));
    }
    for (const search of ['person1', 'renamed', 'bigcorp', 'p.日本', 'exa', 're', 'd1']) {
      for (const project of [A, B]) await assertSearchMatchesNaive(t.store, project, search);
    }
    assert.equal(await t.store.contacts.count(A, { search: 'renamed' }), 100);
  });

  test('a search of 254 characters, and one longer than any email', async () => {
    const long = `${'l'.repeat(240)}@example.com`;
    insertContacts(t.store.db, A, [long]);
    await assertSearchMatchesNaive(t.store, A, long);
    await assertSearchMatchesNaive(t.store, A, long.slice(1, 255));
    await assertSearchMatchesNaive(t.store, A, `x${long}`);
  });
});
