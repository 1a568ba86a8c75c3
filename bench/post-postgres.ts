// post-postgres: POST /contacts with new emails on PostgreSQL, loaded by wrk
// (32 connections, as the ratio is taken), against a bare node:http
// server given the same requests. The two run side by side and are loaded in
// turn, a few seconds each, for several rounds; the ratio is the median of
// the per-round ratios (the machine's speed drifts within minutes).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/server-process.js';
import { median, startBenchServer } from './lib/processes.js';
import { freshDatabase, postgresAvailable, POSTGRES_SERVER } from './lib/postgres.js';
import { createProject } from './lib/projects.js';
import type { BenchResult } from './index.js';

const CONNECTIONS = 32;
const SECONDS = 3;
const ROUNDS = 5;
const SCRIPT = fileURLToPath(new URL('./lib/new-contact.lua', import.meta.url));

async function startBareServer(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const code = `require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }); res.end('{"id":"01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11","email":"ada@example.com","subscribed":true,"data":{"plan":"pro"}}'); });
  }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return { url: `http://127.0.0.1:${port}`, stop: () => void child.kill('SIGKILL') };
}

/** Requests per second of one wrk run; any non-2xx answer or socket error fails the run. */
function wrk(url: string, key: string, tag: string): number {
  const run = spawnSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '-s', SCRIPT, url, '--', key, tag], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const failed = /Non-2xx or 3xx responses: (\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(run.stdout);
  if (failed && failed.slice(1).some((n) => n !== undefined && Number(n) > 0)) throw new Error(`failed requests: ${run.stdout}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)![1]);
}

export async function postPostgres(): Promise<BenchResult[]> {
  if (!(await postgresAvailable())) {
    return [{ name: 'post-postgres', metric: 'skipped', notes: `no PostgreSQL at ${POSTGRES_SERVER}`, pass: false }];
  }
  const database = await freshDatabase('post');
  const bare = await startBareServer();
  const rolodex = await startBenchServer({ DATABASE_URL: database.url });
  try {
    const key = await createProject({ databaseUrl: database.url }, 'post');
    const samples = { bare: [] as number[], rolodex: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      samples.bare.push(wrk(`${bare.url}/contacts`, key, `bare-${round}`));
      samples.rolodex.push(wrk(`${rolodex.url}/contacts`, key, `rolodex-${round}`));
    }
    return [{
      name: 'post-postgres',
      metric: 'POST /contacts (new emails) req/s, wrk',
      system: median(samples.rolodex),
      floor: median(samples.bare),
      ratio: median(samples.rolodex.map((rps, round) => rps / samples.bare[round]!)),
      target: '≥ 0.16 of bare (4× 0.04)',
      pass: median(samples.rolodex.map((rps, round) => rps / samples.bare[round]!)) >= 0.16,
      notes: `wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} rounds, bare and Rolodex in turn; ` +
        `Rolodex req/s per round ${samples.rolodex.map((n) => n.toFixed(0)).join(', ')}; bare ${samples.bare.map((n) => n.toFixed(0)).join(', ')}`,
    }];
  } finally {
    await rolodex.stop();
    bare.stop();
    await database.drop();
  }
}
