// Chooses the store from the configuration: PostgreSQL when DATABASE_URL is
// set, otherwise the SQLite file in DATA_DIR.
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export async function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  if (config.databaseUrl) {
    // The PostgreSQL store is the scale-out mode's (issue 4); until it lands,
    // say so plainly rather than fall back to SQLite behind the user's back.
    throw new ConfigError('DATABASE_URL', 'is set, but this version of Rolodex runs on SQLite only; unset it');
  }
  return SqliteStore.open(join(config.dataDir, 'rolodex.db'));
}
