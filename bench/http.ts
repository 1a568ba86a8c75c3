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
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  stop(): Promise<void> | void;
}

/** A child process that prints "ready" once it listens on `port`. */
async function startFloor(args: string[], port: number, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', () => reject(new Error(`the floor server ${args.join(' ')} exited`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => void child.kill('SIGKILL') };
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

type Route = 'get' | 'post';
const SERVERS = ['bare', 'rolodex', 'service', 'storage'] as const;
type ServerName = (typeof SERVERS)[number];

/**
 * Loads bare, Rolodex, the service floor and the storage floor in turn, each
 * with GET and then POST, for ROUNDS rounds; returns the req/s of every load.
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
    const samples = Object.fromEntries(SERVERS.map((name) => [name, { get: [] as number[], post: [] as number[] }])) as Record<ServerName, Record<Route, number[]>>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of SERVERS) {
        const { url } = servers[name];
        samples[name].get.push(await load({ url: name === 'bare' ? url : `${url}/contacts/${id}`, headers }));
        // The bare server gets the same client work (a fresh body per request),
        // so the load generator costs every side the same.
        samples[name].post.push(await load({ url: name === 'bare' ? url : `${url}/contacts`, method: 'POST', headers, requests: [newContactRequest(`${name}-${round}-${id}`)] }));
      }
    }
    return samples;
  } finally {
    for (const server of started) await server.stop();
  }
}

function rows(store: string, samples: Record<ServerName, Record<Route, number[]>>, targets?: Record<Route, number>): BenchResult[] {
  const row = (system: ServerName, route: Route, name: string, metric: string): BenchResult => {
    const ratio = median(samples[system][route].map((rps, round) => rps / samples.bare[route][round]!));
    const target = system === 'rolodex' ? targets?.[route] : undefined;
    return {
      name,
      metric,
      system: median(samples[system][route]),
      floor: median(samples.bare[route]),
      ratio,
      target: target === undefined ? 'reported' : `≥ ${target.toFixed(2)} of bare`,
      pass: target === undefined || ratio >= target,
    };
  };
  return [
    row('rolodex', 'get', `http GET (${store})`, 'GET /contacts/:id req/s'),
    row('rolodex', 'post', `http POST (${store})`, 'POST /contacts (new emails) req/s'),
    row('service', 'get', `http GET service floor (${store})`, 'bare node:http + key check, get, log line, req/s'),
    row('service', 'post', `http POST service floor (${store})`, 'bare node:http + key check, upsert, log line, req/s'),
    row('storage', 'get', `http GET storage floor (${store})`, 'bare node:http + getById, req/s'),
    row('storage', 'post', `http POST storage floor (${store})`, 'bare node:http + upsertByEmail, req/s'),
  ];
}

export async function httpThroughput(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-http-'));
  const results: BenchResult[] = [];
  try {
    results.push(...rows('sqlite', await measureStore({ DATA_DIR: dataDir }, { dataDir }), { get: 0.5, post: 0.3 }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (await postgresAvailable()) {
    const database = await freshDatabase('http');
    try {
      results.push(...rows('postgres', await measureStore({ DATABASE_URL: database.url }, { databaseUrl: database.url })));
    } finally {
      await database.drop();
    }
  }
  results[0]!.notes =
    `autocannon in the same machine, ${CONNECTIONS} connections; bare, Rolodex and the two floors loaded in turn, ` +
    `${SECONDS} s each, ${ROUNDS} rounds per store; req/s are medians, each ratio the median of per-round ratios; ` +
    `Rolodex logs at info; the storage floor is the bare server plus the route's one store call; the service floor ` +
    `adds the request id, key check, domain rules and log line, everything but the HTTP framework (bench/lib/floor-server.ts)`;
  return results;
}
