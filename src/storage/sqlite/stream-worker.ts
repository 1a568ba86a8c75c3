// The reading side of a SQLite stream (an export), in a worker thread of its
// own: it walks the filter's pages on its own read-only connection to the
// database file and posts each page as contact lines (../contact-lines.ts),
// at most AHEAD pages before the main thread has taken them. Reading rows is
// most of an export's cost; here it runs on the other core, beside the main
// thread's writing of the response, and never blocks the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { ContactFilter, ContactPosition } from '../../domain/store.js';
import { contactLine } from '../contact-lines.js';
import { SqliteFilter } from './sqlite-filter.js';

export interface StreamTask {
  file: string;
  projectId: string;
  filter: ContactFilter;
  after: ContactPosition;
  pageSize: number;
}

/** A page posted to the main thread: its lines, or `null` once the walk is over. */
export type StreamMessage = string | null;

/** Pages posted and not yet taken, at most: enough to keep both threads busy. */
const AHEAD = 2;

const task = workerData as StreamTask;
const port = parentPort!;
const db = new Database(task.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
const statements = new Map<string, Statement>();
const statement = (sql: string) => {
  let prepared = statements.get(sql);
  if (!prepared) statements.set(sql, (prepared = db.prepare(sql)));
  return prepared;
};
const filtered = new SqliteFilter(statement, (sql) => db.prepare(sql), 0);

let credits = AHEAD;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

let after: ContactPosition | undefined = task.after;
while (after) {
  const rows = await filtered.page(task.projectId, { ...task.filter, limit: task.pageSize, after }, 'unbounded');
  let lines = '';
  for (const row of rows) lines += contactLine(row.id, row.email, row.subscribed, row.data, row.created_at, row.updated_at);
  const last = rows[rows.length - 1];
  after = rows.length === task.pageSize && last ? { createdAt: last.created_at, id: last.id } : undefined;
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  if (lines !== '') port.postMessage(lines satisfies StreamMessage);
}
port.postMessage(null satisfies StreamMessage);
db.close();
port.close();
