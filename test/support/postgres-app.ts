// The real app on a fresh PostgreSQL database with chosen pool settings (a
// small pool, a short search bound), for the suites that pin those bounds.
import pg from 'pg';
import type { PoolSettings } from '../../src/storage/postgres/database.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresStoreKind, startApp, type TestApp } from './app.js';

export interface PostgresTestApp extends TestApp {
  store: PostgresStore;
  databaseUrl: string;
  /** A connection of the test's own, outside the app's pools, to look at pg_stat_activity. */
  observer: pg.Client;
}

export async function startPostgresApp(settings: PoolSettings): Promise<PostgresTestApp> {
  let databaseUrl = '';
  const kind = postgresStoreKind(settings, (url) => (databaseUrl = url));
  const t = await startApp(kind);
  const observer = new pg.Client({ connectionString: databaseUrl, application_name: 'rolodex-test' });
  await observer.connect();
  return {
    ...t,
    store: t.store as PostgresStore,
    databaseUrl,
    observer,
    async close() {
      await observer.end();
      await t.close();
    },
  };
}
