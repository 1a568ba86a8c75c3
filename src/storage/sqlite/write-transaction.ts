// Every SQLite write is one IMMEDIATE transaction, which takes the database's
// single write lock at once. A lock another process holds past busy_timeout
// (or any other SQLITE_BUSY variant) means the store cannot answer in time: a
// StoreUnavailableError (503), as on PostgreSQL, never a bare driver error.
import type { Database as Db } from 'better-sqlite3';
import { StoreUnavailableError } from '../../domain/store.js';

export function writeTransaction<T>(db: Db, work: () => T): T {
  try {
    return db.transaction(work).immediate();
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw new StoreUnavailableError(error);
    throw error;
  }
}
