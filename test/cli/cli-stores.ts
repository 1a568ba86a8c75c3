// The stores a CLI test runs `rolodex …` against: a fresh SQLite DATA_DIR, and
// a fresh PostgreSQL database when the test run has one (scripts/test.js).
import { join } from 'node:path';
import { freshPostgresDatabase, hasPostgres } from '../support/app.js';
import { tempDataDir } from '../support/server-process.js';

export interface CliStore {
  /** The child's environment: DATA_DIR, or DATABASE_URL. */
  env: Record<string, string>;
  /** What the one line on stderr must name: the SQLite file's absolute path, or host:port/database. */
  named: string;
  cleanup(): Promise<void>;
}

export interface CliStoreKind {
  name: 'sqlite' | 'postgres';
  prepare(): Promise<CliStore>;
}

const sqlite: CliStoreKind = {
  name: 'sqlite',
  async prepare() {
    const dataDir = tempDataDir();
    return { env: { DATA_DIR: dataDir }, named: join(dataDir, 'rolodex.db'), cleanup: async () => {} };
  },
};

const postgres: CliStoreKind = {
  name: 'postgres',
  async prepare() {
    const database = await freshPostgresDatabase();
    const url = new URL(database.url);
    return {
      env: { DATABASE_URL: database.url },
      named: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      cleanup: database.drop,
    };
  },
};

export function cliStores(): CliStoreKind[] {
  return hasPostgres ? [sqlite, postgres] : [sqlite];
}
