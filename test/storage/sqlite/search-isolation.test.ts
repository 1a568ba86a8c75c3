// A project's search reads only its own part of the search index (issue 10,
// item 4): what a search costs must not depend on, and so cannot measure,
// what other projects hold. Shown without timing anything, by reading the
// index itself through FTS5's fts5vocab table (which rows each term's doclist
// holds), and by counting the rows a search checks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertContacts, openTempStore, type TempStore } from './search-fixtures.js';

const A = '01900000-0000-7000-8000-0000000000a1';
const B = '01900000-0000-7000-8000-0000000000b2';

describe('SQLite search index: one project never reads another project\'s entries', () => {
  let t: TempStore;
  before(async () => {
    t = await openTempStore();
    await t.store.projects.create({ id: A, name: 'a', createdAt: 0 }, []);
    await t.store.projects.create({ id: B, name: 'b', createdAt: 0 }, []);
    insertContacts(t.store.db, A, Array.from({ length: 300 }, (_, i) => `ann${i}@example.com`));
    insertContacts(t.store.db, B, Array.from({ length: 3000 }, (_, i) => `bob${i}@bigcorp.example.com`));
    insertContacts(t.store.db, A, Array.from({ length: 300 }, (_, i) => `amy${i}@example.org`));
    // Every (term, row) entry of the index; fts5vocab reads the index, whatever it is called.
    t.store.db.exec("CREATE VIRTUAL TABLE temp.search_entries USING fts5vocab(main, 'contacts_search', 'instance')");
  });
  after(async () => t.cleanup());

  test('no term of the index has rows of two projects in its doclist', () => {
    const shared = t.store.db
      .prepare(`SELECT e.term, count(DISTINCT c.project_id) AS projects FROM temp.search_entries AS e
                JOIN contacts AS c ON c.seq = e.doc GROUP BY e.term HAVING projects > 1 LIMIT 5`)
      .all();
    assert.deepEqual(shared, []);
  });

  test('the index entries of A\'s search for a term only B holds: none', () => {
    const entriesOf = (projectId: string, search: string) => {
      const phrase = t.store.db
        .prepare(`SELECT group_concat(term, ' ') FROM (
                    SELECT t.tag || 'x' || hex(substr(@search, p.i, 3)) AS term
                    FROM contacts_search_tags AS t, contacts_search_positions AS p
                    WHERE t.project_id = @projectId AND p.i <= length(@search) - 2 ORDER BY p.i)`)
        .pluck()
        .get({ projectId, search }) as string;
      const terms = phrase.split(' ');
      return t.store.db
        .prepare(`SELECT c.project_id AS project, count(*) AS n FROM temp.search_entries AS e JOIN contacts AS c ON c.seq = e.doc
                  WHERE e.term IN (SELECT value FROM json_each(?)) GROUP BY c.project_id`)
        .all(JSON.stringify(terms.map((term) => term.toLowerCase())));
    };
    assert.deepEqual(entriesOf(A, 'bigcorp'), []);
    // A term both hold: A's entries are A's rows only, B's are B's.
    assert.deepEqual(entriesOf(A, 'example'), [{ project: A, n: 600 * 5 }]);
    assert.deepEqual(entriesOf(B, 'example'), [{ project: B, n: 3000 * 5 }]);
  });

  test('A\'s searches check the email of A\'s rows only, and none for a term only B holds', async () => {
    // instr() is how every search checks an email; counting its calls counts the rows a search examines.
    const checked: string[] = [];
    t.store.db.function('instr', { deterministic: true }, (email: unknown, search: unknown) => {
      checked.push(String(email));
      return String(email).indexOf(String(search)) + 1;
    });
    const listAndCount = async (projectId: string, search: string) => {
      const page = await t.store.contacts.listPage(projectId, { search, limit: 21 });
      const total = await t.store.contacts.count(projectId, { search });
      return { page: page.length, total };
    };
    try {
      assert.deepEqual(await listAndCount(A, 'bigcorp'), { page: 0, total: 0 });
      assert.deepEqual(checked, []);
      for (const search of ['example', 'ex', 'b', 'bob1', 'orp']) await listAndCount(A, search);
      assert.ok(checked.length > 0);
      assert.deepEqual(checked.filter((email) => !/^a(nn|my)\d+@example\.(com|org)$/.test(email)), []);
    } finally {
      t.store.db.function('instr', { deterministic: true }, (email: unknown, search: unknown) => String(email).indexOf(String(search)) + 1);
    }
  });
});
