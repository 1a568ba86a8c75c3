// Test fixtures: a real store (a fresh SQLite file per app), the real fastify
// app driven in-process, and projects with real keys.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type FastifyTypeBox } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/config.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { RateLimiter } from '../../src/http/rate-limit.js';
import { ProjectService, type CreatedProject } from '../../src/domain/projects.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/domain/store.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { PoolSettings } from '../../src/storage/postgres/database.js';
import pg from 'pg';

export interface StoreKind {
  name: string;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

/** True when the test run provides PostgreSQL (scripts/test.js does, or says why not). */
export const hasPostgres = Boolean(process.env.ROLODEX_TEST_PG_TEMPLATE);

/**
 * A fresh copy of the run's migrated template database (see scripts/test.js),
 * for tests that point real processes at PostgreSQL. `drop()` removes it.
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.ROLODEX_TEST_PG_URL!;
  const template = process.env.ROLODEX_TEST_PG_TEMPLATE!;
  const database = `${template.replace(/_template$/, '')}_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${database}" TEMPLATE "${template}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

/** PostgreSQL on a fresh database, with pool settings of the test's choosing; `opened` hears its URL. */
export function postgresStoreKind(settings?: PoolSettings, opened?: (url: string) => void): StoreKind {
  return {
    name: 'postgres',
    async open() {
      const database = await freshPostgresDatabase();
      opened?.(database.url);
      const store = await PostgresStore.connect(database.url, settings);
      await store.migrate();
      return {
        store,
        async cleanup() {
          await store.close();
          await database.drop();
        },
      };
    },
  };
}

const postgresKind = postgresStoreKind();

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The stores every shared suite runs against: SQLite always, PostgreSQL when
 * the test run has one (scripts/test.js always provides it, or says why not).
 */
export function storeKinds(): StoreKind[] {
  return [
    ...(hasPostgres ? [postgresKind] : []),
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'rolodex-test-'));
        const store = SqliteStore.open(join(dir, 'rolodex.db'));
        await store.migrate();
        return {
          store,
          async cleanup() {
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

export interface TestApp {
  app: FastifyTypeBox;
  store: Store;
  projects: ProjectService;
  /** A new project with its keys, plus an Authorization header for its secret key. */
  project(name?: string): Promise<CreatedProject & { auth: { authorization: string } }>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Run a job worker in the same process, as `rolodex serve` does. */
  worker?: boolean;
  /** Jobs the worker runs at once (default 4). */
  concurrency?: number;
  rateLimiter?: RateLimiter;
  /** Bounds that differ from DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
}

export async function startApp(kind: StoreKind, options: StartOptions = {}): Promise<TestApp> {
  const { store, cleanup } = await kind.open();
  const logger = createLogger('silent');
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const runner = options.worker
    ? new JobRunner({
        store,
        logger,
        pollMs: 50,
        leaseMs: 5000,
        concurrency: options.concurrency,
        runningPerProject: limits.jobsRunningPerProject,
        waitBeforeYieldMs: 0,
      })
    : undefined;
  const app = await buildApp({ store, logger, rateLimiter: options.rateLimiter, limits, onJobQueued: () => runner?.wake() });
  await app.ready();
  runner?.start();
  const projects = new ProjectService(store);
  return {
    app,
    store,
    projects,
    async project(name = 'test') {
      const created = await projects.createProject(name);
      return { ...created, auth: { authorization: `Bearer ${created.secretKey}` } };
    },
    async close() {
      await runner?.stop();
      await app.close();
      await cleanup();
    },
  };
}

export function json<T = any>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/**
 * The before/after hooks of a describe block that works in one project: a
 * fresh app on `kind` and a project in it, handed to `ready` once both exist.
 */
export function appPerSuite(
  kind: StoreKind,
  ready: (t: TestApp, auth: { authorization: string }) => void,
  options: StartOptions = {},
): void {
  let app: TestApp | undefined;
  before(async () => {
    app = await startApp(kind, options);
    ready(app, (await app.project()).auth);
  });
  after(async () => app?.close());
}
