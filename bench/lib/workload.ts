// What the benchmarks send: the 80,000-row CSV (email and four columns, about
// 4.8 MB), and the calls a client makes to import it and wait.
import { writeFileSync } from 'node:fs';

export const IMPORT_ROWS = 80_000;

/** An 80,000-row CSV: email plus first_name, last_name, plan, score. */
export function importCsv(prefix = 'user', rows = IMPORT_ROWS): string {
  const plans = ['free', 'starter', 'pro', 'enterprise'];
  const lines = ['email,first_name,last_name,plan,score'];
  for (let i = 0; i < rows; i++) {
    lines.push(`${prefix}${i}@m${i % 997}.example.com,First${i},Last${i % 5000},${plans[i % 4]},${(i * 31) % 1000}`);
  }
  return lines.join('\n') + '\n';
}

export function writeCsv(path: string, content: string): string {
  writeFileSync(path, content);
  return path;
}

export async function uploadCsv(url: string, key: string, csv: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
  const response = await fetch(`${url}/contacts/import`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 202) throw new Error(`import refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { jobId: string }).jobId;
}

/** The import's preview of the file: what it would do, answered at once. */
export async function previewCsv(url: string, key: string, csv: string): Promise<{ counts: { create: number } }> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
  const response = await fetch(`${url}/contacts/import/preview`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`preview refused: ${response.status} ${await response.text()}`);
  return (await response.json()) as { counts: { create: number } };
}

export async function waitForImport(url: string, key: string, jobId: string): Promise<any> {
  for (;;) {
    const response = await fetch(`${url}/contacts/import/${jobId}`, { headers: { authorization: `Bearer ${key}` } });
    const job = (await response.json()) as any;
    if (job.state === 'completed') return job;
    if (job.state === 'failed') throw new Error(`import failed: ${job.failedReason}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Upload to completion, as a client sees it. */
export async function importThroughApi(url: string, key: string, csv: string): Promise<any> {
  return waitForImport(url, key, await uploadCsv(url, key, csv));
}
