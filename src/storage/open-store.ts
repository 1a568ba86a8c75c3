// Chooses the store from the configuration: PostgreSQL when DATABASE_URL is
// set, otherwise the SQLite file in DATA_DIR. For a process that is starting,
// also says which store that is, and turns a database that is missing or
// cannot be reached into one StoreStartError naming it.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type Config } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from '../domain/store.js';

type StoreConfig = Pick<Config, 'dataDir' | 'databaseUrl'> & Partial<Pick<Config, 'limits'>>;

export async function openStore(config: StoreConfig): Promise<Store> {
  const limits = config.limits ?? DEFAULT_LIMITS;
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.connect(config.databaseUrl, {
      max: limits.databasePoolSize,
      perProject: limits.databaseConnectionsPerProject,
      searchTimeoutMs: limits.searchTimeoutMs,
    });
  }
  return SqliteStore.open(sqliteFile(config.dataDir), { searchTimeoutMs: limits.searchTimeoutMs });
}

function sqliteFile(dataDir: string): string {
  return join(dataDir, 'rolodex.db');
}

/**
 * The configured database is missing or cannot be reached. The message is one
 * line naming it (the SQLite file, or PostgreSQL's host, port and database;
 * never a user or password) and saying why.
 */
export class StoreStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreStartError';
  }
}

export interface StartedStore {
  store: Store;
  /** Which store this is, for one line on stderr: `SQLite database /abs/rolodex.db`, `PostgreSQL host:5432/rolodex`. */
  description: string;
}

/** Opens the configured store and makes sure the database answers, before anything is migrated or served. */
export async function startStore(config: StoreConfig): Promise<StartedStore> {
  return config.databaseUrl ? startPostgres({ ...config, databaseUrl: config.databaseUrl }) : startSqlite(config);
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR') return 'part of the path is a file, not a folder';
  if (code === 'EEXIST') return 'a file of this name is in the way';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim();
}

async function startSqlite(config: StoreConfig): Promise<StartedStore> {
  const file = sqliteFile(config.dataDir);
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (error) {
    throw new StoreStartError(`the data folder ${config.dataDir} (DATA_DIR) cannot be created: ${reason(error)}`);
  }
  const existed = existsSync(file);
  try {
    const store = SqliteStore.open(file, { searchTimeoutMs: (config.limits ?? DEFAULT_LIMITS).searchTimeoutMs });
    // A user who ran a command without DATA_DIR, or with another one than the
    // server's, gets a database of their own without noticing: say so.
    const description = existed ? `SQLite database ${file}` : `SQLite database ${file} (created just now; DATA_DIR chooses the folder)`;
    return { store, description };
  } catch (error) {
    throw new StoreStartError(`the SQLite database ${file} cannot be opened: ${reason(error)}`);
  }
}

async function startPostgres(config: StoreConfig & { databaseUrl: string }): Promise<StartedStore> {
  const { connectionFailure, formatServer, serverAddress } = await import('./postgres/database.js');
  const address = serverAddress(config.databaseUrl);
  const store = await openStore(config);
  try {
    await store.ping();
  } catch (error) {
    await store.close().catch(() => {});
    const database = address.database ? `database "${address.database}"` : 'the default database';
    throw new StoreStartError(`cannot use PostgreSQL ${formatServer(address)}, ${database}: ${connectionFailure(error)}`);
  }
  return { store, description: `PostgreSQL ${formatServer(address)}/${address.database}` };
}
