// scale: one project with 1,000,000 contacts and one with 10,000 on the same
// server. Median latency of the first page with its total, a search matching
// one contact, a search matching ~10%, and a page deep in the list; the
// 1M figure over the 10k one. Also how long loading the million took, and
// whether the million makes the server's idle memory grow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCursor } from '../src/domain/cursor.js';
import { residentMb, startBenchServer, type BenchServer } from './lib/processes.js';
import { FILE_ROWS, loadTenant, medianGet, tenantEmail } from './lib/tenants.js';
import { createProjectWithId } from './lib/projects.js';
import { AdminService } from '../src/domain/admins.js';
import { openStore } from '../src/storage/open-store.js';
import type { BenchResult } from './index.js';

const BIG = 1_000_000;
const SMALL = 10_000;

/** Median ms of an API GET. */
async function latency(server: BenchServer, key: string, path: string): Promise<number> {
  return (await medianGet(server, path, { authorization: `Bearer ${key}` })).ms;
}

/** An operator's session cookie on the server's dashboard (the operator made through the store). */
async function dashboardCookie(server: BenchServer, dataDir: string): Promise<string> {
  const store = await openStore({ dataDir, databaseUrl: undefined });
  try {
    await new AdminService(store).create('bench@example.com', 'a bench password').catch(() => undefined);
  } finally {
    await store.close();
  }
  const response = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'email=bench%40example.com&password=a+bench+password',
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 303 || !cookie) throw new Error(`dashboard login answered ${response.status}`);
  return cookie;
}

/** Median ms of the dashboard's contacts page (its first page with the total, as an operator opens it). */
async function pageLatency(server: BenchServer, cookie: string, path: string): Promise<number> {
  return (await medianGet(server, path, { cookie })).ms;
}

async function queries(server: BenchServer, key: string, projectId: string, project: string, rows: number) {
  const headers = { authorization: `Bearer ${key}` };
  // A contact 10% from the oldest end: its cursor opens a page deep in the list.
  const deepEmail = tenantEmail(project, Math.floor(rows / 10));
  const found = (await (await fetch(`${server.url}/contacts?search=${encodeURIComponent(deepEmail)}`, { headers })).json()) as any;
  const deep = found.contacts[0];
  const cursor = encodeCursor(projectId, { createdAt: Date.parse(deep.createdAt), id: deep.id });
  return {
    firstPage: await latency(server, key, '/contacts?limit=20'),
    searchOne: await latency(server, key, `/contacts?search=${encodeURIComponent(tenantEmail(project, Math.floor(rows / 2)))}`),
    searchTenth: await latency(server, key, '/contacts?search=%40tenth'),
    deepPage: await latency(server, key, `/contacts?limit=20&cursor=${cursor}`),
  };
}

export async function scale(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-scale-'));
  const emptyDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-empty-'));
  try {
    const big = await createProjectWithId({ dataDir }, 'big');
    const small = await createProjectWithId({ dataDir }, 'small');
    let server = await startBenchServer({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const loadMs = await loadTenant(server, big.key, 'b', BIG);
    await loadTenant(server, small.key, 's', SMALL);
    const bigTimes = await queries(server, big.key, big.projectId, 'b', BIG);
    const smallTimes = await queries(server, small.key, small.projectId, 's', SMALL);
    const cookie = await dashboardCookie(server, dataDir);
    const dashboard = {
      big: await pageLatency(server, cookie, `/projects/${big.projectId}/contacts`),
      small: await pageLatency(server, cookie, `/projects/${small.projectId}/contacts`),
      bigUnsubscribed: await pageLatency(server, cookie, `/projects/${big.projectId}/contacts?subscribed=false`),
    };
    await server.stop();

    // Idle memory: a restarted server that has served the million, against an empty one.
    server = await startBenchServer({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    await queries(server, big.key, big.projectId, 'b', BIG);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleBig = residentMb(server.pid);
    await server.stop();
    await createProjectWithId({ dataDir: emptyDir }, 'empty');
    const empty = await startBenchServer({ DATA_DIR: emptyDir, LOG_LEVEL: 'warn' });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleEmpty = residentMb(empty.pid);
    await empty.stop();

    const row = (name: string, metric: string, key: keyof typeof bigTimes, target: number | undefined): BenchResult => ({
      name: `scale ${name}`,
      metric: `${metric}: median ms, 1M vs 10k`,
      system: bigTimes[key],
      floor: smallTimes[key],
      ratio: bigTimes[key] / smallTimes[key],
      target: target ? `ratio ≤ ${target} (stretch 1.5)` : 'reported',
      pass: target ? bigTimes[key] / smallTimes[key] <= target : true,
    });
    return [
      row('(a) first page', 'first page with total', 'firstPage', 3),
      row('(b) search one', 'search matching one contact', 'searchOne', 3),
      row('(c) search 10%', 'search matching ~10% (page + total)', 'searchTenth', undefined),
      row('(d) deep page', 'page by cursor 90% down the list', 'deepPage', 3),
      {
        name: 'scale (e) dashboard contacts page',
        metric: 'the dashboard\'s contacts page (50 rows, "1–50 of N"), median ms of 30, 1M project',
        system: dashboard.big,
        floor: dashboard.small,
        ratio: dashboard.big / dashboard.small,
        target: '< 300 ms at 1M',
        pass: dashboard.big < 300,
        notes: `10k project: ${dashboard.small.toFixed(1)} ms; 1M with subscribed=false: ${dashboard.bigUnsubscribed.toFixed(1)} ms (fetch from the bench process, so server time plus a local round trip)`,
      },
      {
        name: 'scale load',
        metric: 'loading 1,000,000 contacts through the import API (s)',
        system: loadMs / 1000,
        pass: true,
        target: 'reported',
        notes: `${Math.round(BIG / (loadMs / 1000))} rows/s in ${Math.ceil(BIG / FILE_ROWS)} imports of ${FILE_ROWS} rows`,
      },
      {
        name: 'scale idle memory',
        metric: 'idle RSS (MB) after serving the 1M project vs an empty server',
        system: idleBig,
        floor: idleEmpty,
        ratio: idleBig / idleEmpty,
        target: 'no growth with the data (≤ +50 MB)',
        pass: idleBig - idleEmpty <= 50,
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
}
