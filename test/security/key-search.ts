// Looking for keys where they must not be: the forms a careless program would
// leave a key in, and everything a database holds, as searchable bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';

export const sha256 = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** The key itself, its hex and base64, and its body without the sk_/pk_ prefix. */
export const clearForms = (key: string): string[] => [key, Buffer.from(key).toString('hex'), Buffer.from(key).toString('base64'), key.slice(3)];

/** Asserts that none of `keys`, in any of its clear forms, occurs in `haystack`. */
export function assertNoKeyIn(haystack: Buffer | string, keys: string[], where: string): void {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack) : haystack;
  for (const key of keys) {
    for (const form of clearForms(key)) {
      const at = bytes.indexOf(form);
      // The context around a hit says where it leaked, without printing the key itself.
      const context = () => bytes.subarray(Math.max(0, at - 120), at).toString('latin1') + '<KEY>';
      assert.equal(at, -1, `${form.slice(0, 6)}… found in ${where}: …${at === -1 ? '' : context()}`);
    }
  }
}

/** The bytes of an SQLite database file and its -wal and -shm files, as they are now. */
export function sqliteFiles(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((path) => readFileSync(path)));
}

export async function postgresQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of every table (ours and pg-boss's) of a PostgreSQL database, as JSON text; bytea comes out as hex. */
export async function postgresRows(url: string): Promise<Buffer> {
  const tables = await postgresQuery<{ name: string }>(
    url,
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  assert.ok(tables.some((table) => table.name === 'public.api_keys'));
  const rows = await Promise.all(tables.map(({ name }) => postgresQuery<{ row: string }>(url, `SELECT row_to_json(t)::text AS row FROM ${name} t`)));
  return Buffer.from(rows.flat().map((r) => r.row).join('\n'));
}
