// The projects that scale and isolation load side by side, and how they time
// a request. Emails: every tenth at a `tenth…` domain, so `search=@tenth`
// matches ~10% of a project; loaded through the import API in files of
// FILE_ROWS rows, as a real project arrives.
import { median, timed, type BenchServer } from './processes.js';
import { importThroughApi } from './workload.js';

export const FILE_ROWS = 80_000;
export const SAMPLES = 30;

/** The i-th contact's email in a project whose emails start with `project`. */
export function tenantEmail(project: string, i: number): string {
  return `${project}${i}.${(i * 7919) % 100003}@${i % 10 === 0 ? 'tenth' : 'other'}${i % 89}.example.com`;
}

function csvRows(project: string, from: number, to: number): string {
  const lines = ['email,name,plan,score'];
  for (let i = from; i < to; i++) lines.push(`${tenantEmail(project, i)},Name ${i},${i % 3 ? 'pro' : 'free'},${i % 1000}`);
  return lines.join('\n') + '\n';
}

/** Imports `rows` contacts into the project, FILE_ROWS to a file; the ms it took. */
export async function loadTenant(server: BenchServer, key: string, project: string, rows: number): Promise<number> {
  const { ms } = await timed(async () => {
    for (let from = 0; from < rows; from += FILE_ROWS) {
      await importThroughApi(server.url, key, csvRows(project, from, Math.min(rows, from + FILE_ROWS)));
    }
  });
  return ms;
}

/**
 * Median ms of SAMPLES GETs of `path` (after three that warm the caches),
 * each read to its end, and the last answer's body. Anything but a 200 throws.
 */
export async function medianGet(server: BenchServer, path: string, headers: Record<string, string>): Promise<{ ms: number; body: string }> {
  const times: number[] = [];
  let body = '';
  for (let i = 0; i < SAMPLES + 3; i++) {
    const { ms, value: status } = await timed(async () => {
      const response = await fetch(server.url + path, { headers, redirect: 'manual' });
      body = await response.text();
      return response.status;
    });
    if (status !== 200) throw new Error(`${path} answered ${status}`);
    if (i >= 3) times.push(ms);
  }
  return { ms: median(times), body };
}
