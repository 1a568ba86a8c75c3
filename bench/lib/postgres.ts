// A PostgreSQL for benchmarks: BENCH_DATABASE_URL, else the server at
// 127.0.0.1:5432. Each run gets a fresh, migrated database.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

export const POSTGRES_SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function postgresAvailable(): Promise<boolean> {
  try {
    await admin('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

export async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `rolodex_bench_${name}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${database}"`);
  const url = new URL(POSTGRES_SERVER);
  url.pathname = `/${database}`;
  const migrated = spawnSync(process.execPath, ['bin/rolodex.js', 'migrate'], {
    env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  if (migrated.status !== 0) throw new Error('migration failed');
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`) };
}
