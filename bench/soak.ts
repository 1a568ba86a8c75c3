// `npm run soak [-- --store sqlite|postgres|both] [--minutes N]`: a soak run.
//
// For each store (default both; N defaults to 10) it starts the real server
// (`rolodex serve` as a child process; SQLite in a fresh data directory, or a
// fresh PostgreSQL database), creates two projects, and for N minutes drives
// mixed traffic from CLIENTS concurrent clients, each sending one request at a
// time: creates (new and existing emails, and two at once for one new email),
// reads (existing, missing and malformed ids), lists (limits, filters,
// cursors), searches (terms of 1, 2 and 3+ characters), patches (data merges,
// email changes, an email conflict that must answer 409), deletes, a small CSV
// import every few seconds and a ~1 MB one now and then, and bulk
// subscribe/unsubscribe/delete jobs over random ids (including another
// project's, missing and malformed ones); every job is polled to its end.
// The server's RSS is sampled every 5 s. When the time is up the clients
// finish what they are doing, and then every listing is walked to its end.
//
// The run PASSES (exit code 0) only when, for every store run:
//   1. no response was a 5xx (each one is recorded with its body, and the
//      server's log lines for its request id);
//   2. no request failed outright (connection error, or no answer within
//      REQUEST_TIMEOUT_MS = 30 s);
//   3. the answers the contract fixes whatever the interleaving were as fixed
//      (a new email → 201, a missing or malformed id → 404, an email conflict
//      → 409, two creates of one new email → one 201 and one 200, an accepted
//      job → 202, …); see `expect` at each call;
//   4. consistency held: every job ended `completed` with counts that add up
//      (import: processed = total = success + failures, success = created +
//      updated, failures = the bad rows sent; bulk: requested = distinct ids
//      = success + unchanged + failures), and for each project and for a
//      filtered and a searched listing, the first page's `total` equals the
//      number of distinct contacts counted by walking all pages;
//   5. memory was flat: the RSS once traffic stopped is at most
//      MEMORY_TOLERANCE_MB = 40 MB above the RSS after the first minute of
//      traffic (the warm-up, which includes a ~1 MB import at 20 s). The
//      least-squares slope of the samples after the first minute is reported
//      as well, in MB per minute;
//   6. the server logged nothing at level error or above, and did not exit
//      before it was told to (if it does, the traffic stops at once).
//
// Results: a summary on stdout, bench/results/soak-<store>.json, and the
// server's log at bench/results/soak-<store>.log. The traffic itself is in
// lib/soak-traffic.ts, the client that counts it in lib/soak-client.ts; the
// write-up with the figures of a run is docs/soak.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { residentMb, startBenchServer, type BenchServer } from './lib/processes.js';
import { freshDatabase, postgresAvailable, POSTGRES_SERVER } from './lib/postgres.js';
import { createProjectWithId } from './lib/projects.js';
import { Client, Pool, REQUEST_TIMEOUT_MS, sleep, Tally, type Project, type StoreName } from './lib/soak-client.js';
import { Traffic } from './lib/soak-traffic.js';

const CLIENTS = 16;
const RSS_EVERY_MS = 5_000;
const MEMORY_TOLERANCE_MB = 40;
const WARMUP_MS = 60_000;

// ---------------------------------------------------------------- options

function parseOptions(argv: string[]): { stores: StoreName[]; minutes: number } {
  let store = 'both';
  let minutes = 10;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (flag === '--store' && value && ['sqlite', 'postgres', 'both'].includes(value)) store = value;
    else if (flag === '--minutes' && value && Number(value) > 0) minutes = Number(value);
    else {
      console.error('usage: npm run soak -- [--store sqlite|postgres|both] [--minutes N]');
      process.exit(2);
    }
  }
  return { stores: store === 'both' ? ['sqlite', 'postgres'] : [store as StoreName], minutes };
}

// ---------------------------------------------------------------- the end: walking every listing

interface Walk {
  project: string;
  filter: string;
  total: number | null;
  walked: number;
  pages: number;
  duplicates: number;
  ok: boolean;
}

async function walkAll(client: Client, project: Project, filter: Record<string, string>): Promise<Walk> {
  const query = new URLSearchParams({ limit: '100', ...filter });
  const seen = new Set<string>();
  let total: number | null = null;
  let duplicates = 0;
  let pages = 0;
  for (;;) {
    const answer = await client.call(project, 'final-walk', 'GET', `/contacts?${query}`, { expect: [200] });
    if (answer?.status !== 200) return { project: project.name, filter: String(new URLSearchParams(filter)), total, walked: seen.size, pages, duplicates, ok: false };
    pages++;
    if (pages === 1) total = answer.json.total ?? null;
    for (const contact of answer.json.contacts) {
      if (seen.has(contact.id)) duplicates++;
      seen.add(contact.id);
    }
    if (!answer.json.hasMore) break;
    query.set('cursor', answer.json.cursor);
  }
  return { project: project.name, filter: String(new URLSearchParams(filter)) || '(none)', total, walked: seen.size, pages, duplicates, ok: total === seen.size && duplicates === 0 };
}

// ---------------------------------------------------------------- one store

interface Sample {
  at: number; // seconds since traffic started
  mb: number;
}

function slopeMbPerMinute(samples: Sample[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const meanX = samples.reduce((s, p) => s + p.at, 0) / n;
  const meanY = samples.reduce((s, p) => s + p.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.at - meanX) * (p.mb - meanY);
    den += (p.at - meanX) ** 2;
  }
  return den === 0 ? null : (num / den) * 60;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The code the server runs: the commit, and whether src/ or bin/ differ from it. */
function codeVersion(): string {
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  return git('status', '--porcelain', '--', 'src', 'bin') ? `${commit} + uncommitted changes in src/ or bin/` : commit;
}

function alive(pid: number): boolean {
  try {
    residentMb(pid);
    return true;
  } catch {
    return false;
  }
}

function serverLog(path: string): { records: any[]; lines: number } {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { records: [], lines: 0 };
  }
  const records: any[] = [];
  let lines = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    lines++;
    try {
      records.push(JSON.parse(line));
    } catch {
      records.push({ level: 60, msg: `(not JSON) ${line.slice(0, 500)}` });
    }
  }
  return { records, lines };
}

async function soakStore(store: StoreName, minutes: number): Promise<{ summary: any; pass: boolean }> {
  let target: { dataDir?: string; databaseUrl?: string };
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  if (store === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-soak-'));
    target = { dataDir };
    env = { DATA_DIR: dataDir, DATABASE_URL: '' };
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
  } else {
    const database = await freshDatabase('soak');
    target = { databaseUrl: database.url };
    env = { DATABASE_URL: database.url };
    cleanup = () => database.drop();
  }
  env.RATE_LIMIT_PER_SECOND = '';
  env.RATE_LIMIT_BURST = '';
  const logFile = `bench/results/soak-${store}.log`;
  let server: BenchServer | undefined;
  try {
    const projects = [] as unknown as [Project, Project];
    for (const name of ['soak-a', 'soak-b']) {
      const { key } = await createProjectWithId(target, name);
      projects.push({ name, key, pool: new Pool(), emails: [], importJobs: [], bulkJobs: [] });
    }
    // Its own title: other people's `pkill -f "rolodex.js serve"` on a shared machine must not end the run.
    const code = codeVersion();
    server = await startBenchServer(env, { logFile, title: `rolodex-soak-${store}-${process.pid}` });
    const pid = server.pid;
    let serverExit: { code: number | null; signal: string | null; atSeconds: number } | undefined;
    let stopping = false;
    let traffic: Traffic | undefined;
    let started = Date.now(); // traffic's start, reset below
    void server.exited.then(({ code, signal }) => {
      serverExit = { code, signal, atSeconds: round((Date.now() - started) / 1000) };
      if (stopping) return;
      console.error(`#   ${store}: the server (pid ${pid}) exited on its own: code ${code}, signal ${signal}; stopping the traffic`);
      if (traffic) traffic.halted = true;
    });
    await sleep(1000);
    const startMb = residentMb(pid);
    started = Date.now();
    const until = started + minutes * 60_000;
    const tally = new Tally();
    const client = new Client(store, server.url, tally, started);
    const samples: Sample[] = [{ at: 0, mb: startMb }];
    let died = false;
    const sampler = setInterval(() => {
      try {
        samples.push({ at: (Date.now() - started) / 1000, mb: residentMb(pid) });
      } catch {
        died = true;
      }
    }, RSS_EVERY_MS);
    const progress = setInterval(() => {
      const at = (Date.now() - started) / 1000;
      const last = samples[samples.length - 1]!;
      console.error(
        `#   ${store} ${at.toFixed(0)} s: ${tally.requests} requests (${(tally.requests / at).toFixed(0)}/s), ` +
          `5xx ${tally.serverErrors.length}, errors ${tally.requestErrors.length}, unexpected ${tally.unexpectedCount}, ` +
          `jobs ${tally.jobs.length}, RSS ${last.mb.toFixed(0)} MB`,
      );
    }, 30_000);

    traffic = new Traffic(store, client, projects, until);
    if (serverExit) traffic.halted = true;
    await Promise.all(Array.from({ length: CLIENTS }, () => traffic!.run()));
    const trafficSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(progress);
    died ||= !alive(pid) || serverExit !== undefined;
    const endAt = (Date.now() - started) / 1000;
    const endMb = died ? NaN : residentMb(pid);
    samples.push({ at: endAt, mb: endMb });
    const requestsDuringTraffic = tally.requests;

    // Consistency: every listing walked to its end, with nothing else running.
    const walks: Walk[] = [];
    if (!died) {
      for (const project of projects) {
        for (const filter of [{}, { subscribed: 'false' }, { search: '@d1' }] as Record<string, string>[]) walks.push(await walkAll(client, project, filter));
      }
    }
    const failedJobs = tally.jobs.filter((job) => job.problems.length > 0);

    // The server's side: its log lines for each failed request, and anything it logged at error level.
    stopping = true;
    if (!serverExit) await server.stop().catch(() => undefined);
    server = undefined;
    const log = serverLog(logFile);
    const byRequest = new Map<string, string[]>();
    for (const record of log.records) {
      if (typeof record.requestId !== 'string') continue;
      const lines = byRequest.get(record.requestId) ?? [];
      if (lines.length < 5) lines.push(JSON.stringify(record).slice(0, 3000));
      byRequest.set(record.requestId, lines);
    }
    for (const failure of [...tally.serverErrors, ...tally.requestErrors, ...tally.unexpected]) {
      failure.serverLog = byRequest.get(failure.requestId) ?? [];
    }
    const logErrors = log.records.filter((record) => typeof record.level === 'number' && record.level >= 50);
    const logWarnings = log.records.filter((record) => record.level === 40);

    // Memory: warm-up is the first minute of traffic (or the whole of a shorter run).
    const during = samples.filter((sample) => Number.isFinite(sample.mb));
    const oneMinute = during.find((sample) => sample.at >= WARMUP_MS / 1000) ?? during[during.length - 1]!;
    const afterWarmup = during.filter((sample) => sample.at >= oneMinute.at);
    const maxMb = Math.max(...during.map((sample) => sample.mb));
    const slope = slopeMbPerMinute(afterWarmup);
    const memoryFlat = !died && endMb - oneMinute.mb <= MEMORY_TOLERANCE_MB;

    const jobStates: Record<string, number> = {};
    for (const job of tally.jobs) jobStates[`${job.kind} ${job.state}`] = (jobStates[`${job.kind} ${job.state}`] ?? 0) + 1;
    const consistency = walks.length === 6 && walks.every((walk) => walk.ok) && failedJobs.length === 0;
    const checks = {
      no5xx: tally.serverErrors.length === 0,
      noRequestErrors: tally.requestErrors.length === 0,
      noUnexpectedStatuses: tally.unexpectedCount === 0,
      consistency,
      memoryFlat,
      noServerLogErrors: logErrors.length === 0,
      serverAlive: !died,
    };
    const lastLogLines = log.records.slice(-5).map((record) => JSON.stringify(record).slice(0, 1000));
    const pass = Object.values(checks).every(Boolean);
    const latency: Record<string, { n: number; p50: number; p99: number }> = {};
    for (const [op, values] of Object.entries(tally.latencies)) {
      latency[op] = { n: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) };
    }
    const summary = {
      store,
      at: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      minutes,
      clients: CLIENTS,
      pass,
      checks,
      code,
      serverPid: pid,
      serverExit: died ? { ...serverExit, lastLogLines } : null,
      requests: requestsDuringTraffic,
      requestsIncludingFinalWalk: tally.requests,
      trafficSeconds: round(trafficSeconds),
      requestsPerSecond: round(requestsDuringTraffic / trafficSeconds),
      statuses: Object.fromEntries(Object.entries(tally.byStatus).sort()),
      serverErrorCount: tally.serverErrors.length,
      requestErrorCount: tally.requestErrors.length,
      unexpectedStatusCount: tally.unexpectedCount,
      rssMb: {
        start: round(startMb),
        oneMinute: round(oneMinute.mb),
        oneMinuteAt: round(oneMinute.at),
        end: round(endMb),
        max: round(maxMb),
        slopeAfterFirstMinuteMbPerMin: slope === null ? null : round(slope, 2),
        toleranceMb: MEMORY_TOLERANCE_MB,
      },
      jobs: { total: tally.jobs.length, states: jobStates, withProblems: failedJobs, slowestSeconds: round(Math.max(0, ...tally.jobs.map((job) => job.seconds))) },
      walks,
      contactsCreatedThroughPost: projects.map((project) => ({ project: project.name, stillKnown: project.pool.size })),
      byOperation: tally.byOp,
      latencyMs: latency,
      serverLog: { file: logFile, lines: log.lines, warnings: logWarnings.length, errors: logErrors.length, errorLines: logErrors.slice(0, 20), warningLines: logWarnings.slice(0, 20) },
      serverErrors: tally.serverErrors,
      requestErrors: tally.requestErrors,
      unexpectedStatuses: tally.unexpected,
      rssSamples: samples.map((sample) => ({ at: round(sample.at), mb: round(sample.mb) })),
    };
    return { summary, pass };
  } finally {
    // A server that already exited would never report its exit again.
    if (server && alive(server.pid)) await server.stop().catch(() => undefined);
    await cleanup();
  }
}

function print(summary: any): void {
  const r = summary.rssMb;
  const lines = [
    ``,
    `Rolodex soak — ${summary.store} — ${summary.minutes} min, ${summary.clients} clients — ${summary.pass ? 'PASS' : 'FAIL'} (code ${summary.code})`,
    `  requests        ${summary.requests} in ${summary.trafficSeconds} s = ${summary.requestsPerSecond} req/s (+ ${summary.requestsIncludingFinalWalk - summary.requests} for the final walks)`,
    `  statuses        ${Object.entries(summary.statuses).map(([status, n]) => `${status}: ${n}`).join(', ')}`,
    `  5xx             ${summary.serverErrorCount}`,
    `  request errors  ${summary.requestErrorCount} (connection errors and ${REQUEST_TIMEOUT_MS / 1000} s timeouts)`,
    `  unexpected      ${summary.unexpectedStatusCount} answers other than the contract fixes`,
    `  jobs            ${summary.jobs.total}: ${Object.entries(summary.jobs.states).map(([state, n]) => `${state} ${n}`).join(', ')}; ${summary.jobs.withProblems.length} with problems; slowest ${summary.jobs.slowestSeconds} s`,
    `  walks           ${summary.walks.map((w: Walk) => `${w.project} ${w.filter}: total ${w.total} / walked ${w.walked}${w.duplicates ? ` (${w.duplicates} dup)` : ''} ${w.ok ? 'ok' : 'MISMATCH'}`).join('; ')}`,
    `  RSS (MB)        start ${r.start}, after 1 min ${r.oneMinute} (at ${r.oneMinuteAt} s), end ${r.end}, max ${r.max}; slope after 1 min ${r.slopeAfterFirstMinuteMbPerMin} MB/min (end − 1 min = ${round(r.end - r.oneMinute)}, limit +${r.toleranceMb})`,
    `  server log      ${summary.serverLog.lines} lines, ${summary.serverLog.warnings} warnings, ${summary.serverLog.errors} errors (${summary.serverLog.file})`,
    `  checks          ${Object.entries(summary.checks).map(([name, ok]) => `${name} ${ok ? 'ok' : 'FAILED'}`).join(', ')}`,
  ];
  if (summary.serverExit) lines.push(`  SERVER EXITED   ${JSON.stringify(summary.serverExit)}`);
  for (const failure of summary.serverErrors.slice(0, 5)) lines.push(`  5xx: ${JSON.stringify(failure)}`);
  for (const failure of summary.requestErrors.slice(0, 5)) lines.push(`  error: ${JSON.stringify(failure)}`);
  for (const failure of summary.unexpectedStatuses.slice(0, 5)) lines.push(`  unexpected: ${JSON.stringify(failure)}`);
  for (const job of summary.jobs.withProblems.slice(0, 5)) lines.push(`  job: ${job.kind} ${job.id} ${job.state}: ${job.problems.join('; ')}`);
  for (const line of summary.serverLog.errorLines.slice(0, 5)) lines.push(`  log: ${JSON.stringify(line).slice(0, 1500)}`);
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------- main

const { stores, minutes } = parseOptions(process.argv.slice(2));
mkdirSync('bench/results', { recursive: true });
let allPass = true;
for (const store of stores) {
  if (store === 'postgres' && !(await postgresAvailable())) {
    console.log(`\nRolodex soak — postgres — NOT RUN: no PostgreSQL at ${POSTGRES_SERVER}`);
    allPass = false;
    continue;
  }
  console.error(`# soak ${store}: ${minutes} min, ${CLIENTS} clients…`);
  try {
    const { summary, pass } = await soakStore(store, minutes);
    writeFileSync(`bench/results/soak-${store}.json`, JSON.stringify(summary, null, 2) + '\n');
    print(summary);
    allPass &&= pass;
  } catch (error) {
    console.log(`\nRolodex soak — ${store} — FAIL: ${(error as Error).stack ?? error}`);
    allPass = false;
  }
}
process.exit(allPass ? 0 : 1);
