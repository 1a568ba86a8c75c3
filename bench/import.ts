// import-embedded and import-postgres: the 80,000-row CSV through the real
// HTTP API (upload to job completed) against the database's own bulk tools
// loading the same file into the same schema with one upsert, in the same run.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { median, startBenchServer, timed } from './lib/processes.js';
import { freshDatabase, postgresAvailable, POSTGRES_SERVER } from './lib/postgres.js';
import { createProject } from './lib/projects.js';
import { IMPORT_ROWS, importCsv, importThroughApi, previewCsv, writeCsv } from './lib/workload.js';
import type { BenchResult } from './index.js';

const RUNS = 3;

/**
 * BENCH_WEBHOOK=1: the import runs with a webhook endpoint registered on its
 * project (every event type), pointing at a receiver in this process, as
 * the issue asks the import ratio to be reported.
 */
const WITH_WEBHOOK = process.env.BENCH_WEBHOOK === '1' || process.env.BENCH_WEBHOOK === 'true';

/** A receiver that answers 204 at once and counts the events it was sent (a batch counts its events). */
async function startCountingReceiver(): Promise<{ url: string; events(): number; close(): Promise<void> }> {
  let events = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; data: { events?: unknown[] } };
      events += message.type === 'contact.batch' ? (message.data.events?.length ?? 0) : 1;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    events: () => events,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function registerWebhook(url: string, key: string, receiverUrl: string): Promise<void> {
  const response = await fetch(`${url}/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: receiverUrl,
      events: ['contact.created', 'contact.updated', 'contact.deleted', 'import.completed', 'bulk.completed'],
    }),
  });
  if (response.status !== 201) throw new Error(`POST /webhooks answered ${response.status}`);
}

function nowMsSql(dialect: 'sqlite' | 'postgres'): string {
  return dialect === 'sqlite'
    ? "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
    : '(extract(epoch from clock_timestamp()) * 1000)::bigint';
}

function sqliteFloor(csvPath: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'rolodex-bench-floor-'));
  const script = [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = NORMAL;',
    ...migrations.map((m) => m.sql),
    "INSERT INTO projects (id, name, created_at) VALUES ('p', 'floor', 0);",
    '.mode csv',
    `.import ${csvPath} staging`,
    `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
     SELECT 'p', lower(hex(randomblob(16))), lower(trim(email)), 1,
            json_object('first_name', first_name, 'last_name', last_name, 'plan', plan, 'score', CAST(score AS INTEGER)),
            ${nowMsSql('sqlite')}, ${nowMsSql('sqlite')}
     FROM staging WHERE true
     ON CONFLICT (project_id, email) DO UPDATE SET data = json_patch(contacts.data, excluded.data), updated_at = excluded.updated_at;`,
  ].join('\n');
  writeFileSync(join(dir, 'floor.sql'), script);
  const start = performance.now();
  const run = spawnSync('sqlite3', [join(dir, 'floor.db')], { input: script, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0 || run.stderr) throw new Error(`sqlite3 failed: ${run.stderr || run.error}`);
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function postgresFloor(csvPath: string): Promise<number> {
  const database = await freshDatabase('floor');
  try {
    const script = `
      INSERT INTO projects (id, name, created_at) VALUES ('00000000-0000-7000-8000-000000000001', 'floor', 0);
      CREATE TEMP TABLE staging (email text, first_name text, last_name text, plan text, score integer);
      \\copy staging FROM '${csvPath}' WITH (FORMAT csv, HEADER true)
      INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
      SELECT '00000000-0000-7000-8000-000000000001', gen_random_uuid(), lower(trim(email)), true,
             json_build_object('first_name', first_name, 'last_name', last_name, 'plan', plan, 'score', score),
             ${nowMsSql('postgres')}, ${nowMsSql('postgres')}
      FROM staging
      ON CONFLICT (project_id, email) DO UPDATE SET data = (contacts.data::jsonb || excluded.data::jsonb)::json,
        updated_at = excluded.updated_at;`;
    const start = performance.now();
    const run = spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '-q', database.url], { input: script, encoding: 'utf8' });
    const ms = performance.now() - start;
    if (run.status !== 0) throw new Error(`psql failed: ${run.stderr || run.error}`);
    return ms;
  } finally {
    await database.drop();
  }
}

/** The preview of the file, then its import, through the API of a fresh server: both in ms. */
async function systemRun(
  env: Record<string, string>,
  target: { dataDir?: string; databaseUrl?: string },
  csv: string,
): Promise<{ importMs: number; previewMs: number; delivered?: number }> {
  const key = await createProject(target, 'bench');
  const receiver = WITH_WEBHOOK ? await startCountingReceiver() : undefined;
  const server = await startBenchServer(receiver ? { ...env, WEBHOOK_ALLOW_PRIVATE: 'true' } : env);
  try {
    if (receiver) await registerWebhook(server.url, key, receiver.url);
    const preview = await timed(() => previewCsv(server.url, key, csv));
    if (preview.value.counts.create !== IMPORT_ROWS) throw new Error('the preview did not plan every row as a create');
    const { ms, value } = await timed(() => importThroughApi(server.url, key, csv));
    if (value.result.createdCount !== value.result.totalRows) throw new Error('the import did not create every row');
    return { importMs: ms, previewMs: preview.ms, delivered: receiver?.events() };
  } finally {
    await server.stop();
    await receiver?.close();
  }
}

/** What the notes say of the webhook, when one was registered. */
function webhookNote(delivered: (number | undefined)[]): string {
  if (!WITH_WEBHOOK) return '';
  return `; with a webhook endpoint on the project (BENCH_WEBHOOK=1): ${delivered.join(', ')} of ${IMPORT_ROWS + 1} events delivered when the import completed`;
}

function previewRow(name: string, previews: number[]): BenchResult {
  const system = median(previews);
  return {
    name,
    metric: `80,000 rows: POST /contacts/import/preview answered (ms, median of ${RUNS})`,
    system,
    target: '< 1000 ms',
    pass: system < 1000,
    notes: 'reads, types and plans every row against the (empty) project, writing nothing',
  };
}

export async function importEmbedded(): Promise<BenchResult[]> {
  const csv = importCsv();
  const csvPath = writeCsv(join(tmpdir(), `rolodex-bench-${process.pid}.csv`), csv);
  const floors: number[] = [];
  const systems: number[] = [];
  const previews: number[] = [];
  const delivered: (number | undefined)[] = [];
  for (let run = 0; run < RUNS; run++) {
    floors.push(sqliteFloor(csvPath));
    const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-'));
    const { importMs, previewMs, delivered: events } = await systemRun({ DATA_DIR: dataDir }, { dataDir }, csv);
    systems.push(importMs);
    previews.push(previewMs);
    delivered.push(events);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const system = median(systems);
  const floor = median(floors);
  return [{
    name: WITH_WEBHOOK ? 'import-embedded (webhook)' : 'import-embedded',
    metric: `80,000 rows, ${(csv.length / 1e6).toFixed(1)} MB: upload to completed (ms, median of ${RUNS})`,
    system,
    floor,
    ratio: system / floor,
    target: 'ratio ≤ 2.0 (stretch 1.3)',
    pass: system / floor <= 2.0,
    notes: `floor: sqlite3 CLI .import + one INSERT … ON CONFLICT into the same schema; ${Math.round((80_000 / system) * 1000)} rows/s${webhookNote(delivered)}`,
  }, previewRow('import-embedded preview', previews)];
}

export async function importPostgres(): Promise<BenchResult[]> {
  if (!(await postgresAvailable())) {
    return [{ name: 'import-postgres', metric: 'skipped', notes: `no PostgreSQL at ${POSTGRES_SERVER}`, pass: false }];
  }
  const csv = importCsv();
  const csvPath = writeCsv(join(tmpdir(), `rolodex-bench-${process.pid}.csv`), csv);
  const floors: number[] = [];
  const systems: number[] = [];
  const previews: number[] = [];
  const delivered: (number | undefined)[] = [];
  for (let run = 0; run < RUNS; run++) {
    floors.push(await postgresFloor(csvPath));
    const database = await freshDatabase('system');
    try {
      const env = { DATABASE_URL: database.url, ...(WITH_WEBHOOK ? { SECRETS_KEY: randomBytes(32).toString('base64') } : {}) };
      const { importMs, previewMs, delivered: events } = await systemRun(env, { databaseUrl: database.url }, csv);
      systems.push(importMs);
      previews.push(previewMs);
      delivered.push(events);
    } finally {
      await database.drop();
    }
  }
  const system = median(systems);
  const floor = median(floors);
  return [{
    name: WITH_WEBHOOK ? 'import-postgres (webhook)' : 'import-postgres',
    metric: `80,000 rows: upload to completed (ms, median of ${RUNS})`,
    system,
    floor,
    ratio: system / floor,
    target: 'ratio ≤ 1.5 (issue 16)',
    pass: system / floor <= 1.5,
    notes: `floor: psql \\copy into a staging table + one INSERT … ON CONFLICT into the same schema; ${Math.round((80_000 / system) * 1000)} rows/s${webhookNote(delivered)}`,
  }, previewRow('import-postgres preview', previews)];
}
