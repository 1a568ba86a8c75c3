// Helpers for job tests: uploading a CSV as multipart, starting bulk jobs, and
// waiting for a job.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { startApp, type StoreKind, type TestApp } from './app.js';

type Auth = { authorization: string };

const BOUNDARY = '----rolodex-test-boundary-7MA4YWxkTrZu0gW';

export interface Part {
  name: string;
  content: string | Buffer;
  /** Omit for a plain (non-file) field. */
  filename?: string;
  /** The part's declared type; null sends no Content-Type header for the part. */
  contentType?: string | null;
}

/** A multipart/form-data body made of the given parts, in order. */
export function multipartParts(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}

/** A multipart/form-data body with one file part (field `file` unless told). */
export function multipartBody(
  content: string | Buffer,
  options: { field?: string; filename?: string; contentType?: string | null } = {},
): { payload: Buffer; headers: Record<string, string> } {
  return multipartParts([
    {
      name: options.field ?? 'file',
      filename: options.filename ?? 'contacts.csv',
      contentType: options.contentType === undefined ? 'text/csv' : options.contentType,
      content,
    },
  ]);
}

export async function uploadCsv(t: TestApp, auth: Auth, content: string | Buffer): Promise<LightMyRequestResponse> {
  const { payload, headers } = multipartBody(content);
  return t.app.inject({ method: 'POST', url: '/contacts/import', headers: { ...auth, ...headers }, payload });
}

/** Polls a job's status URL until it is completed or failed, and returns the status. */
export async function waitForJob(t: TestApp, auth: Auth, url: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await t.app.inject({ method: 'GET', url, headers: auth });
    assert.equal(response.statusCode, 200, response.body);
    const job = JSON.parse(response.body);
    if (job.state === 'completed' || job.state === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${url} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Uploads a file with import options (multipart fields beside `file`) to `url` (the import, or its preview). */
export function uploadWithOptions(
  t: TestApp,
  auth: Auth,
  content: string | Buffer,
  options: Record<string, string>,
  url = '/contacts/import',
): Promise<LightMyRequestResponse> {
  const parts: Part[] = Object.entries(options).map(([name, value]) => ({ name, content: value }));
  parts.push({ name: 'file', filename: 'contacts.csv', contentType: 'text/csv', content });
  const { payload, headers } = multipartParts(parts);
  return t.app.inject({ method: 'POST', url, headers: { ...auth, ...headers }, payload });
}

/** Imports with options, checks the 202, and waits for the import to end. */
export async function importWithOptions(t: TestApp, auth: Auth, content: string | Buffer, options: Record<string, string>): Promise<any> {
  const response = await uploadWithOptions(t, auth, content, options);
  assert.equal(response.statusCode, 202, response.body);
  return waitForJob(t, auth, response.headers.location as string);
}

/** Uploads a CSV, checks the 202, and waits for the import to end. */
export async function importCsv(t: TestApp, auth: Auth, content: string | Buffer): Promise<any> {
  const response = await uploadCsv(t, auth, content);
  assert.equal(response.statusCode, 202, response.body);
  return waitForJob(t, auth, response.headers.location as string);
}

export type BulkOperation = 'subscribe' | 'unsubscribe' | 'delete';

export function postBulk(t: TestApp, auth: Auth, operation: BulkOperation, body: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: `/contacts/bulk-${operation}`, headers: auth, payload: body as object });
}

/** Starts a bulk job, checks the 202, and waits for it to end. */
export async function runBulk(t: TestApp, auth: Auth, operation: BulkOperation, contactIds: string[]): Promise<any> {
  const response = await postBulk(t, auth, operation, { contactIds });
  assert.equal(response.statusCode, 202, response.body);
  return waitForJob(t, auth, response.headers.location as string);
}

/** A CSV from rows of cells: comma-separated, LF, no quoting (cells must not need it). */
export function csv(rows: (string | number)[][]): string {
  return rows.map((row) => row.join(',')).join('\n') + '\n';
}

/** One count from the store's own tables (SQLite or PostgreSQL); `sql` uses $1 for its one parameter. */
async function storeCount(t: TestApp, sql: string, parameter?: string): Promise<number> {
  const store = t.store as any;
  const values = parameter === undefined ? [] : [parameter];
  if (typeof store.db?.prepare === 'function') return Number(store.db.prepare(sql.replace('$1', '?')).get(...values).n);
  if (typeof store.pool?.query === 'function') return Number((await store.pool.query(sql, values)).rows[0].n);
  throw new Error('storeCount: teach this helper the new store kind');
}

/** How many uploaded files the store still holds (all jobs, or one job's); SQLite keeps a file in parts. */
export function storedFileCount(t: TestApp, jobId?: string): Promise<number> {
  const files = (t.store as any).db ? '(SELECT DISTINCT job_id FROM job_file_parts)' : 'job_files';
  return jobId === undefined
    ? storeCount(t, `SELECT count(*) AS n FROM ${files} AS f`)
    : storeCount(t, `SELECT count(*) AS n FROM ${files} AS f WHERE job_id = $1`, jobId);
}

/** How many jobs the store holds, in every project. */
export function storedJobCount(t: TestApp): Promise<number> {
  return storeCount(t, 'SELECT count(*) AS n FROM jobs');
}

/**
 * The before/after hooks of a job suite: an app whose worker runs its jobs,
 * and an idle one (no worker) whose jobs stay queued, handed to `ready`.
 */
export function jobAppsPerSuite(kind: StoreKind, ready: (working: TestApp, idle: TestApp) => void): void {
  let working: TestApp | undefined;
  let idle: TestApp | undefined;
  before(async () => {
    working = await startApp(kind, { worker: true });
    idle = await startApp(kind);
    ready(working, idle);
  });
  after(async () => {
    await working?.close();
    await idle?.close();
  });
}
