// http: requests per second under load (autocannon, 32 connections) for
// GET /contacts/:id and POST /contacts with fresh emails, against a bare
// node:http server answering a fixed contact. Two floors in between are
// reported beside Rolodex (lib/floor-server.ts): the bare server plus the
// route's one store call (storage), and plus everything the contract asks of
// a request but the HTTP framework (service).
//
// This machine's speed drifts by half within minutes, so the four servers
// run side by side and are loaded in turn, a few seconds each, for several
// rounds: each ratio is the median of ratios taken seconds apart.
//
// Then the server's CPU per request (issue 16): each server is loaded by wrk
// (a C load generator, lighter than autocannon) while its utime + stime is
// read from /proc before and after; CPU time over the requests wrk counted
// leaves the load generator out of the figure, which the machine's two
// shared cores put into every req/s. wrk's req/s from the same loads give a
// second set of throughput ratios.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../test/support/server-process.js';
import { median, startBenchServer } from './lib/processes.js';
import { freshDatabase, postgresAvailable } from './lib/postgres.js';
import { createProjectWithId } from './lib/projects.js';
import type { BenchResult } from './index.js';

const CONNECTIONS = 32;
const SECONDS = 3;
const ROUNDS = 5;

const FIXED_CONTACT = JSON.stringify({
  id: '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11',
  email: 'ada@example.com',
  subscribed: true,
  data: { plan: 'pro', seats: 5 },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-10T08:00:00.000Z',
});

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void> | void;
}

/** A child process that prints "ready" once it listens on `port`. */
async function startFloor(args: string[], port: number, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', () => reject(new Error(`the floor server ${args.join(' ')} exited`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => void child.kill('SIGKILL') };
}

async function startBareServer(): Promise<Server> {
  const port = await freePort();
  const code = `require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); res.end(${JSON.stringify(FIXED_CONTACT)}); });
  }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  return startFloor(['-e', code], port);
}

async function startFloorServer(floor: 'storage' | 'service', env: Record<string, string>, projectId: string): Promise<Server> {
  const port = await freePort();
  const server = fileURLToPath(new URL('./lib/floor-server.ts', import.meta.url));
  return startFloor(['--import', 'tsx', server], port, { ...env, FLOOR: floor, PROJECT_ID: projectId, PORT: String(port) });
}

/** A request that posts a new contact each time (a fresh email). */
function newContactRequest(tag: string): autocannon.Request {
  let n = 0;
  return {
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ email: `load-${tag}-${n++}@bench.example.com`, data: { plan: 'pro', seats: n % 50 } }),
    }),
  };
}

async function load(options: autocannon.Options): Promise<number> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) throw new Error(`${failures} failed requests during ${options.method ?? 'GET'} ${options.url}`);
  return result.requests.average;
}

const CPU_SECONDS = 4;
const CPU_ROUNDS = 3;
const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** The process's CPU time so far (user + system), in µs, from /proc. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND; // utime, stime
}

/**
 * A wrk script: the given headers, and for POST a fresh email per request
 * (each wrk thread numbers its own, under its own id).
 */
function wrkScript(route: Route, headers: Record<string, string>, tag: string): string {
  const lines = Object.entries(headers).map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
  if (route === 'post') {
    lines.push(
      'wrk.method = "POST"',
      'local threads = 0',
      'function setup(thread) threads = threads + 1; thread:set("id", threads) end',
      'local n = 0',
      `function request() n = n + 1; return wrk.format(nil, nil, nil, '{"email":"wrk-${tag}-' .. id .. '-' .. n .. '@bench.example.com","data":{"plan":"pro","seats":' .. (n % 50) .. '}}') end`,
    );
  }
  return lines.join('\n') + '\n';
}

function runWrk(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('wrk', args, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

/** Loads `url` with wrk for CPU_SECONDS: the server's CPU µs per request, and wrk's req/s. */
async function cpuLoad(server: Server, url: string, script: string): Promise<{ cpuPerRequest: number; rps: number }> {
  const before = cpuMicros(server.pid);
  const out = await runWrk(['-t', '2', '-c', String(CONNECTIONS), '-d', `${CPU_SECONDS}s`, '-s', script, url]);
  const cpu = cpuMicros(server.pid) - before;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const failed = /Non-2xx or 3xx responses: (\d+)/.exec(out) ?? /Socket errors: (.*)/.exec(out);
  if (failed || !requests) throw new Error(`wrk against ${url} failed:\n${out}`);
  return { cpuPerRequest: cpu / requests, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]) };
}

type Route = 'get' | 'post';
const SERVERS = ['bare', 'rolodex', 'service', 'storage'] as const;
type ServerName = (typeof SERVERS)[number];

type Samples = Record<ServerName, Record<Route, number[]>>;

function emptySamples(): Samples {
  return Object.fromEntries(SERVERS.map((name) => [name, { get: [], post: [] }])) as unknown as Samples;
}

/**
 * Loads bare, Rolodex, the service floor and the storage floor in turn, each
 * with GET and then POST, for ROUNDS rounds (autocannon, req/s), then for
 * CPU_ROUNDS rounds (wrk: CPU µs per request and req/s).
 */
async function measureStore(env: Record<string, string>, target: { dataDir?: string; databaseUrl?: string }) {
  const { key, projectId } = await createProjectWithId(target, 'http');
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const started: Server[] = [];
  const start = async (server: Promise<Server>) => started[started.push(await server) - 1]!;
  try {
    const servers: Record<ServerName, Server> = {
      bare: await start(startBareServer()),
      rolodex: await start(startBenchServer(env)),
      service: await start(startFloorServer('service', env, projectId)),
      storage: await start(startFloorServer('storage', env, projectId)),
    };
    const created = await fetch(`${servers.rolodex.url}/contacts`, { method: 'POST', headers, body: FIXED_CONTACT.replace(/"id":"[^"]+",/, '').replace(/,"createdAt".*$/, '}') });
    const { id } = (await created.json()) as { id: string };
    const samples = emptySamples();
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of SERVERS) {
        const { url } = servers[name];
        samples[name].get.push(await load({ url: name === 'bare' ? url : `${url}/contacts/${id}`, headers }));
        // The bare server gets the same client work (a fresh body per request),
        // so the load generator costs every side the same.
        samples[name].post.push(await load({ url: name === 'bare' ? url : `${url}/contacts`, method: 'POST', headers, requests: [newContactRequest(`${name}-${round}-${id}`)] }));
      }
    }
    const cpu = emptySamples();
    const wrkRps = emptySamples();
    const scripts = mkdtempSync(join(tmpdir(), 'rolodex-bench-wrk-'));
    try {
      for (let round = 0; round < CPU_ROUNDS; round++) {
        for (const name of SERVERS) {
          for (const route of ['get', 'post'] as const) {
            const script = join(scripts, `${name}-${route}-${round}.lua`);
            writeFileSync(script, wrkScript(route, headers, `${name}-${round}-${id.slice(0, 8)}`));
            const { url } = servers[name];
            const target = name === 'bare' ? url : route === 'get' ? `${url}/contacts/${id}` : `${url}/contacts`;
            const measured = await cpuLoad(servers[name], target, script);
            cpu[name][route].push(measured.cpuPerRequest);
            wrkRps[name][route].push(measured.rps);
          }
        }
      }
    } finally {
      rmSync(scripts, { recursive: true, force: true });
    }
    return { autocannon: samples, cpu, wrk: wrkRps };
  } finally {
    for (const server of started) await server.stop();
  }
}

/** The median of per-round ratios of `system` to `base` (bare unless said): higher is better for req/s, lower for CPU. */
function ratioTo(samples: Samples, system: ServerName, route: Route, base: ServerName = 'bare'): number {
  return median(samples[system][route].map((value, round) => value / samples[base][route][round]!));
}

/**
 * Issue 16's PostgreSQL targets, both from the wrk rounds: Rolodex's GET
 * against the storage floor (plain node:http + pg, the route's one
 * statement), and POST's ratio to bare against the 0.04 of the first round.
 */
function postgresTargets(measured: { wrk: Samples }): BenchResult[] {
  const getRatio = ratioTo(measured.wrk, 'rolodex', 'get', 'storage');
  const postRatio = ratioTo(measured.wrk, 'rolodex', 'post');
  return [
    {
      name: 'http GET vs storage floor (postgres)',
      metric: 'GET /contacts/:id req/s (wrk), Rolodex vs bare node:http + getById',
      system: median(measured.wrk.rolodex.get),
      floor: median(measured.wrk.storage.get),
      ratio: getRatio,
      target: '≥ 0.80 of the storage floor',
      pass: getRatio >= 0.8,
    },
    {
      name: 'http POST vs bare (postgres)',
      metric: 'POST /contacts (new emails) req/s (wrk), ratio to bare; the first round measured 0.04',
      system: median(measured.wrk.rolodex.post),
      floor: median(measured.wrk.bare.post),
      ratio: postRatio,
      target: '≥ 0.16 of bare (4× 0.04)',
      pass: postRatio >= 0.16,
    },
  ];
}

const DESCRIPTIONS: Record<Exclude<ServerName, 'bare'>, Record<Route, string>> = {
  rolodex: { get: 'GET /contacts/:id', post: 'POST /contacts (new emails)' },
  service: { get: 'bare node:http + key check, get, log line,', post: 'bare node:http + key check, upsert, log line,' },
  storage: { get: 'bare node:http + getById,', post: 'bare node:http + upsertByEmail,' },
};
const LABELS: Record<Exclude<ServerName, 'bare'>, string> = { rolodex: '', service: ' service floor', storage: ' storage floor' };

function rows(
  store: string,
  measured: { autocannon: Samples; cpu: Samples; wrk: Samples },
  targets?: { rps: Record<Route, number>; cpu: Record<Route, number> },
): BenchResult[] {
  const results: BenchResult[] = [];
  for (const system of ['rolodex', 'service', 'storage'] as const) {
    for (const route of ['get', 'post'] as const) {
      const label = `http ${route.toUpperCase()}${LABELS[system]}`;
      const rpsTarget = system === 'rolodex' ? targets?.rps[route] : undefined;
      const rpsRatio = ratioTo(measured.autocannon, system, route);
      results.push({
        name: `${label} (${store})`,
        metric: `${DESCRIPTIONS[system][route]} req/s`,
        system: median(measured.autocannon[system][route]),
        floor: median(measured.autocannon.bare[route]),
        ratio: rpsRatio,
        target: rpsTarget === undefined ? 'reported' : `≥ ${rpsTarget.toFixed(2)} of bare`,
        pass: rpsTarget === undefined || rpsRatio >= rpsTarget,
      });
      const cpuTarget = system === 'rolodex' ? targets?.cpu[route] : undefined;
      const cpuRatio = ratioTo(measured.cpu, system, route);
      results.push({
        name: `${label} server CPU (${store})`,
        metric: `${DESCRIPTIONS[system][route]} server CPU µs per request (wrk)`,
        system: median(measured.cpu[system][route]),
        floor: median(measured.cpu.bare[route]),
        ratio: cpuRatio,
        target: cpuTarget === undefined ? 'reported' : `≤ ${cpuTarget.toFixed(1)}× bare`,
        pass: cpuTarget === undefined || cpuRatio <= cpuTarget,
      });
      results.push({
        name: `${label} wrk (${store})`,
        metric: `${DESCRIPTIONS[system][route]} req/s (wrk, in the CPU rounds)`,
        system: median(measured.wrk[system][route]),
        floor: median(measured.wrk.bare[route]),
        ratio: ratioTo(measured.wrk, system, route),
        target: 'reported',
        pass: true,
      });
    }
  }
  return results;
}

export async function httpThroughput(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-http-'));
  const results: BenchResult[] = [];
  try {
    results.push(...rows('sqlite', await measureStore({ DATA_DIR: dataDir }, { dataDir }), { rps: { get: 0.5, post: 0.3 }, cpu: { get: 2.0, post: 4.0 } }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (await postgresAvailable()) {
    const database = await freshDatabase('http');
    try {
      const measured = await measureStore({ DATABASE_URL: database.url }, { databaseUrl: database.url });
      results.push(...postgresTargets(measured), ...rows('postgres', measured));
    } finally {
      await database.drop();
    }
  }
  results[0]!.notes =
    `autocannon in the same machine, ${CONNECTIONS} connections; bare, Rolodex and the two floors loaded in turn, ` +
    `${SECONDS} s each, ${ROUNDS} rounds per store; req/s are medians, each ratio the median of per-round ratios; ` +
    `Rolodex logs at info; the storage floor is the bare server plus the route's one store call; the service floor ` +
    `adds the request id, key check, domain rules and log line, everything but the HTTP framework (bench/lib/floor-server.ts); ` +
    `server CPU: utime + stime of the server process from /proc over ${CPU_SECONDS} s of wrk (2 threads, ${CONNECTIONS} connections) ` +
    `divided by the requests wrk counted, ${CPU_ROUNDS} rounds, medians; each CPU ratio the median of per-round ratios to bare`;
  return results;
}
