// http: requests per second under load (autocannon, 32 connections) for
// GET /contacts/:id and POST /contacts with fresh emails, against a bare
// node:http server answering a fixed contact, measured in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/server-process.js';
import { startBenchServer } from './lib/processes.js';
import { freshDatabase, postgresAvailable } from './lib/postgres.js';
import { createProject } from './lib/projects.js';
import type { BenchResult } from './index.js';

const CONNECTIONS = 32;
const SECONDS = 8;

const FIXED_CONTACT = JSON.stringify({
  id: '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11',
  email: 'ada@example.com',
  subscribed: true,
  data: { plan: 'pro', seats: 5 },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-10T08:00:00.000Z',
});

async function startBareServer(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const code = `require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); res.end(${JSON.stringify(FIXED_CONTACT)}); });
  }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
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

async function measureStore(env: Record<string, string>, target: { dataDir?: string; databaseUrl?: string }) {
  const key = await createProject(target, 'http');
  const server = await startBenchServer(env);
  try {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${server.url}/contacts`, { method: 'POST', headers, body: FIXED_CONTACT.replace(/"id":"[^"]+",/, '').replace(/,"createdAt".*$/, '}') });
    const { id } = (await created.json()) as { id: string };
    const get = await load({ url: `${server.url}/contacts/${id}`, headers });
    const post = await load({ url: `${server.url}/contacts`, method: 'POST', headers, requests: [newContactRequest(id)] });
    return { get, post };
  } finally {
    await server.stop();
  }
}

export async function httpThroughput(): Promise<BenchResult[]> {
  const bare = await startBareServer();
  let bareGet: number;
  let barePost: number;
  try {
    bareGet = await load({ url: bare.url });
    // The same client work as against Rolodex (a fresh body per request), so
    // the load generator costs both sides the same.
    barePost = await load({ url: bare.url, method: 'POST', requests: [newContactRequest('bare')] });
  } finally {
    bare.stop();
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-http-'));
  const sqlite = await measureStore({ DATA_DIR: dataDir }, { dataDir });
  rmSync(dataDir, { recursive: true, force: true });
  const rows: BenchResult[] = [
    { name: 'http GET (sqlite)', metric: 'GET /contacts/:id req/s', system: sqlite.get, floor: bareGet, ratio: sqlite.get / bareGet, target: '≥ 0.50 of bare', pass: sqlite.get / bareGet >= 0.5 },
    { name: 'http POST (sqlite)', metric: 'POST /contacts (new emails) req/s', system: sqlite.post, floor: barePost, ratio: sqlite.post / barePost, target: '≥ 0.30 of bare', pass: sqlite.post / barePost >= 0.3 },
  ];
  if (await postgresAvailable()) {
    const database = await freshDatabase('http');
    try {
      const postgres = await measureStore({ DATABASE_URL: database.url }, { databaseUrl: database.url });
      rows.push(
        { name: 'http GET (postgres)', metric: 'GET /contacts/:id req/s', system: postgres.get, floor: bareGet, ratio: postgres.get / bareGet, target: 'reported', pass: true },
        { name: 'http POST (postgres)', metric: 'POST /contacts (new emails) req/s', system: postgres.post, floor: barePost, ratio: postgres.post / barePost, target: 'reported', pass: true },
      );
    } finally {
      await database.drop();
    }
  }
  for (const row of rows) row.notes = `${CONNECTIONS} connections, ${SECONDS} s each, autocannon in the same machine; server logs at info`;
  return rows;
}
