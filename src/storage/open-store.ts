// Chooses the store from the configuration: PostgreSQL when DATABASE_URL is
// set, otherwise the SQLite file in DATA_DIR.
import { join } from 'node:path';
import { DEFAULT_LIMITS, type Config } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from '../domain/store.js';

export async function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'> & Partial<Pick<Config, 'limits'>>): Promise<Store> {
  const limits = config.limits ?? DEFAULT_LIMITS;
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.connect(config.databaseUrl, {
      max: limits.databasePoolSize,
      perProject: limits.databaseConnectionsPerProject,
      searchTimeoutMs: limits.searchTimeoutMs,
    });
  }
  return SqliteStore.open(join(config.dataDir, 'rolodex.db'), { searchTimeoutMs: limits.searchTimeoutMs });
}
