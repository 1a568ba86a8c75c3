// Fixtures for the SQLite search suites: a store on a throwaway file, contacts
// written straight into it (the schema's triggers index them as any write
// does), and the naive answer a search must equal: every contact of the
// project whose email contains the search, newest first.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { newId } from '../../../src/domain/ids.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import type { ContactRecord } from '../../../src/domain/store.js';

export interface TempStore {
  store: SqliteStore;
  file: string;
  cleanup(): Promise<void>;
}

export async function openTempStore(settings: { searchTimeoutMs?: number } = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'rolodex-search-'));
  const file = join(dir, 'rolodex.db');
  const store = SqliteStore.open(file, settings);
  await store.migrate();
  return {
    store,
    file,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let clock = 1_700_000_000_000;

/** Inserts contacts for `projectId` (ids and times increasing), every third unsubscribed. */
export function insertContacts(db: Db, projectId: string, emails: string[]): void {
  const insert = db.prepare(`INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
                             VALUES (?, ?, ?, ?, '{}', ?, ?)`);
  db.transaction(() => {
    emails.forEach((email, i) => {
      const at = (clock += i % 4 === 0 ? 1 : 0); // some contacts share a createdAt: the id breaks the tie
      insert.run(projectId, newId(), email, i % 3 === 0 ? 0 : 1, at, at);
    });
  })();
}

/** The project's contacts matching the filter, newest first: what every search must answer. */
export function naive(db: Db, projectId: string, search: string, subscribed?: boolean): { id: string; email: string }[] {
  const rows = db
    .prepare('SELECT id, email, subscribed, created_at FROM contacts WHERE project_id = ? ORDER BY created_at DESC, id DESC')
    .all(projectId) as { id: string; email: string; subscribed: number }[];
  return rows
    .filter((r) => r.email.includes(search) && (subscribed === undefined || r.subscribed === (subscribed ? 1 : 0)))
    .map((r) => ({ id: r.id, email: r.email }));
}

/** Walks every page of a search through the store (as the domain does) and checks it and its total against `naive`. */
export async function assertSearchMatchesNaive(store: SqliteStore, projectId: string, search: string, subscribed?: boolean, limit = 37): Promise<number> {
  const expected = naive(store.db, projectId, search, subscribed);
  const label = `search ${JSON.stringify(search)}, subscribed ${subscribed}`;
  assert.equal(await store.contacts.count(projectId, { search, subscribed }), expected.length, `total of ${label}`);
  const walked: ContactRecord[] = [];
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await store.contacts.listPage(projectId, { search, subscribed, limit: limit + 1, after });
    walked.push(...page.slice(0, limit));
    if (page.length <= limit) break;
    const last = page[limit - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
  }
  assert.deepEqual(walked.map((c) => ({ id: c.id, email: c.email })), expected, `pages of ${label}`);
  return expected.length;
}
