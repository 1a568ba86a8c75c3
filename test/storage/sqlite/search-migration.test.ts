// Migration 4 moves an existing database (schema version 3, with contacts in
// the old shared trigram index) to the project-scoped search index: the
// index is rebuilt from contacts, searches answer as a naive filter does, and
// writes after the migration keep the index in step.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../../../src/storage/sqlite/migrations.js';
import { openSqliteDatabase, SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import { assertSearchMatchesNaive, insertContacts } from './search-fixtures.js';

const A = '01900000-0000-7000-8000-0000000000c1';
const B = '01900000-0000-7000-8000-0000000000c2';
const NO_PROJECT_ROW = '01900000-0000-7000-8000-0000000000c3';

describe('SQLite migration 4: a version 3 database with contacts', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rolodex-migrate-'));
    const file = join(dir, 'rolodex.db');
    const old = openSqliteDatabase(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const migration of migrations.filter((m) => m.version <= 3)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
    }
    old.prepare('INSERT INTO projects (id, name, created_at) VALUES (?, ?, 0), (?, ?, 0)').run(A, 'a', B, 'b');
    insertContacts(old, A, Array.from({ length: 1500 }, (_, i) => (i % 10 ? `ann${i}@example.com` : `ü${i}_%"日本@example.org`)));
    insertContacts(old, B, Array.from({ length: 500 }, (_, i) => `bob${i}@bigcorp.example.com`));
    insertContacts(old, NO_PROJECT_ROW, ['orphan@example.net']);
    old.close();

    store = SqliteStore.open(file);
    await store.migrate();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migration 4 is applied (and those after it), with a tag for every project that has contacts', () => {
    const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
    assert.deepEqual(versions, migrations.map((m) => m.version));
    const tagged = store.db.prepare('SELECT project_id FROM contacts_search_tags ORDER BY project_id').pluck().all();
    assert.deepEqual(tagged, [A, B, NO_PROJECT_ROW]);
  });

  test('searches over the migrated contacts equal a naive filter', async () => {
    for (const search of ['ann1', 'example', 'ü', '日本', '_%"', 'bigcorp', 'bob4', 'e', 'orphan']) {
      for (const project of [A, B, NO_PROJECT_ROW]) await assertSearchMatchesNaive(store, project, search);
    }
    assert.equal(await store.contacts.count(A, { search: 'example.com' }), 1350);
  });

  test('writes after the migration are indexed: create, rename, delete', async () => {
    await store.contacts.upsertByEmail(A, 'new@bigcorp.io', () => ({
      id: '01900000-0000-7000-8000-0000000000d1', email: 'new@bigcorp.io', subscribed: true, dataJson: '{}', createdAt: 2e12, updatedAt: 2e12,
    }));
    const renamed = store.db.prepare("SELECT id FROM contacts WHERE project_id = ? AND email = 'ann1@example.com'").pluck().get(A) as string;
    await store.contacts.updateById(A, renamed, (c) => ({ ...c, email: 'renamed@bigcorp.io' }));
    const deleted = store.db.prepare("SELECT id FROM contacts WHERE project_id = ? AND email = 'ann2@example.com'").pluck().get(A) as string;
    assert.ok(await store.contacts.deleteById(A, deleted));
    for (const search of ['bigcorp', 'ann1@', 'ann2@', 'renamed', 'example']) await assertSearchMatchesNaive(store, A, search);
    assert.equal(await store.contacts.count(A, { search: 'bigcorp' }), 2);
  });
});
