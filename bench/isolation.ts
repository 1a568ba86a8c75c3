// isolation: does a big tenant slow a small one? A 10,000-contact project's
// first page with its total, a search matching one of its contacts and a
// search matching ~10% of them, measured on a server holding only that
// project, then again after a 1,000,000-contact project has been imported
// beside it (through the API, as a real neighbour arrives). The ratio is
// "beside the neighbour" over "alone".
//
// The same run then measures the neighbour's own broad search (~10% of the
// million, first page with its exact total) against the fastest exact count
// of those matches that the database's CLI tool can run on the same database:
// on SQLite the count of the project's index phrase in the search index
// (`sqlite3`), on PostgreSQL the planner's own plan for the count (`psql`).
//
// ISOLATION_STORE=sqlite|postgres runs one store (default: both, PostgreSQL
// when it answers).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, startBenchServer, type BenchServer } from './lib/processes.js';
import { loadTenant, medianGet, SAMPLES, tenantEmail } from './lib/tenants.js';
import { createProjectWithId } from './lib/projects.js';
import { freshDatabase, postgresAvailable } from './lib/postgres.js';
import type { BenchResult } from './index.js';

const BIG = 1_000_000;
const SMALL = 10_000;
const CLI_SAMPLES = 9;

/** Median ms of an API GET, and the total of its last answer. */
async function latency(server: BenchServer, key: string, path: string): Promise<{ ms: number; total: number }> {
  const { ms, body } = await medianGet(server, path, { authorization: `Bearer ${key}` });
  return { ms, total: (JSON.parse(body) as { total?: number }).total ?? NaN };
}

const QUERIES = {
  firstPage: { label: 'first page with its total', path: () => '/contacts?limit=20' },
  searchOne: { label: 'search matching one contact', path: (project: string, rows: number) => `/contacts?search=${encodeURIComponent(tenantEmail(project, rows / 2))}` },
  searchTenth: { label: 'search matching ~10% (page + total)', path: () => '/contacts?search=%40tenth' },
} as const;
type QueryName = keyof typeof QUERIES;

async function measure(server: BenchServer, key: string, project: string, rows: number) {
  const times = {} as Record<QueryName, { ms: number; total: number }>;
  for (const name of Object.keys(QUERIES) as QueryName[]) times[name] = await latency(server, key, QUERIES[name].path(project, rows));
  return times;
}

/**
 * Median ms and the answer of a CLI count, CLI_SAMPLES runs after one that
 * warms the cache. The time is the tool's own timing of the statement
 * (sqlite3's `.timer`, psql's `\\timing`), so starting the tool is not part of it.
 */
function cliCount(command: 'sqlite3' | 'psql', target: string, sql: string): { ms: number; count: number } {
  const args = command === 'sqlite3' ? [target] : ['-X', '-q', '-At', target, '-c', '\\timing on', '-c', sql];
  const input = command === 'sqlite3' ? `.timer on\n${sql};\n` : undefined;
  const times: number[] = [];
  let count = NaN;
  for (let i = 0; i < CLI_SAMPLES + 1; i++) {
    const run = spawnSync(command, args, { encoding: 'utf8', input });
    if (run.status !== 0 || run.stderr) throw new Error(`${command} failed: ${run.stderr || run.error}`);
    const [answer, timing] = run.stdout.trim().split('\n');
    const ms = command === 'sqlite3' ? Number(/real ([\d.]+)/.exec(timing ?? '')?.[1]) * 1000 : Number(/Time: ([\d.]+) ms/.exec(timing ?? '')?.[1]);
    if (!Number.isFinite(ms)) throw new Error(`${command} printed no timing: ${run.stdout}`);
    count = Number(answer);
    if (i > 0) times.push(ms);
  }
  return { ms: median(times), count };
}

/** The fastest exact count of the project's `@tenth` matches that the CLI tool runs, and what it is. */
function floorCount(store: 'sqlite' | 'postgres', where: string, projectId: string): { ms: number; count: number; how: string } {
  if (store === 'sqlite') {
    // The index phrase of the project's tag and the search's trigrams, as the
    // store builds it: the index alone answers the count.
    const phrase = `(SELECT '"' || group_concat(term, ' ') || '"' FROM (
        SELECT t.tag || 'x' || hex(substr('@tenth', p.i, 3)) AS term
        FROM contacts_search_tags AS t, contacts_search_positions AS p
        WHERE t.project_id = '${projectId}' AND p.i <= length('@tenth') - 2 ORDER BY p.i))`;
    const index = cliCount('sqlite3', where, `SELECT count(*) FROM contacts_search WHERE contacts_search MATCH ${phrase}`);
    const scan = cliCount('sqlite3', where, `SELECT count(*) FROM contacts WHERE project_id = '${projectId}' AND instr(email, '@tenth') > 0`);
    return index.ms <= scan.ms
      ? { ...index, how: `sqlite3, the search index's phrase count (a scan of the project's rows: ${scan.ms.toFixed(1)} ms)` }
      : { ...scan, how: `sqlite3, a scan of the project's rows (the index's phrase count: ${index.ms.toFixed(1)} ms)` };
  }
  const sql = `SELECT count(*) FROM contacts WHERE project_id = '${projectId}' AND lower(email) LIKE '%@tenth%'`;
  return { ...cliCount('psql', where, sql), how: "psql, the planner's plan" };
}

/**
 * On PostgreSQL, VACUUM ANALYZE before each measurement: the GIN index's
 * pending entries are merged and the planner has statistics, as autovacuum
 * would leave them, so "alone" and "beside" are measured in the same state.
 */
function settle(databaseUrl: string | undefined): void {
  if (databaseUrl === undefined) return;
  const run = spawnSync('psql', ['-X', '-q', databaseUrl, '-c', 'VACUUM ANALYZE contacts'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`VACUUM failed: ${run.stderr}`);
}

async function runStore(store: 'sqlite' | 'postgres'): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-isolation-'));
  const database = store === 'postgres' ? await freshDatabase('isolation') : undefined;
  const target = database ? { databaseUrl: database.url } : { dataDir };
  const env: Record<string, string> = database ? { DATABASE_URL: database.url, LOG_LEVEL: 'warn' } : { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  let server: BenchServer | undefined;
  try {
    const small = await createProjectWithId(target, 'small');
    const big = await createProjectWithId(target, 'big');
    server = await startBenchServer(env);
    await loadTenant(server, small.key, 's', SMALL);
    settle(database?.url);
    console.error(`#   ${store}: the small project alone…`);
    const alone = await measure(server, small.key, 's', SMALL);
    console.error(`#   ${store}: importing the 1,000,000-contact neighbour…`);
    const loadMs = await loadTenant(server, big.key, 'b', BIG);
    settle(database?.url);
    const beside = await measure(server, small.key, 's', SMALL);
    const bigTenth = await latency(server, big.key, QUERIES.searchTenth.path());
    await server.stop();
    server = undefined;
    const floor = floorCount(store, database ? database.url : join(dataDir, 'rolodex.db'), big.projectId);

    const rows: BenchResult[] = (Object.keys(QUERIES) as QueryName[]).map((name) => ({
      name: `isolation ${store} ${name}`,
      metric: `10k project: ${QUERIES[name].label}, median ms of ${SAMPLES}, beside a 1M project vs alone`,
      system: beside[name].ms,
      floor: alone[name].ms,
      ratio: beside[name].ms / alone[name].ms,
      target: 'ratio ≤ 1.5',
      pass: beside[name].ms / alone[name].ms <= 1.5 && beside[name].total === alone[name].total,
      notes: `totals ${alone[name].total} alone, ${beside[name].total} beside`,
    }));
    rows.push({
      name: `isolation ${store} broad search at 1M`,
      metric: `1M project: search matching ~10% (page + exact total), median ms of ${SAMPLES}, vs the fastest CLI count (median of ${CLI_SAMPLES})`,
      system: bigTenth.ms,
      floor: floor.ms,
      ratio: bigTenth.ms / floor.ms,
      target: 'ratio ≤ 1.5',
      pass: bigTenth.ms / floor.ms <= 1.5 && bigTenth.total === floor.count,
      notes: `total ${bigTenth.total}, CLI count ${floor.count}${bigTenth.total === floor.count ? '' : ' (MISMATCH)'}; floor: ${floor.how}; the neighbour's import took ${(loadMs / 1000).toFixed(1)} s`,
    });
    return rows;
  } finally {
    await server?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function isolation(): Promise<BenchResult[]> {
  const only = process.env.ISOLATION_STORE;
  const rows: BenchResult[] = [];
  if (only !== 'postgres') rows.push(...(await runStore('sqlite')));
  if (only !== 'sqlite') {
    if (await postgresAvailable()) rows.push(...(await runStore('postgres')));
    else rows.push({ name: 'isolation postgres', metric: 'not run: no PostgreSQL answered', pass: false });
  }
  return rows;
}
