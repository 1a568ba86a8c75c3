// The PostgreSQL connection pool, transactions, and the line between a fault
// of the database's availability (a 503 for the client, retried by workers)
// and everything else; and, for start-up, where a connection string points
// and why a first connection failed.
import pg from 'pg';
import { QueryTimeoutError, StoreUnavailableError } from '../../domain/store.js';
import { queries as q } from './queries.js';

export interface PoolSettings {
  max?: number;
  /** Longest a statement may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
  /** Longest a request waits for a free connection, and (separately) for its project's share of them. */
  connectTimeoutMs?: number;
  /** Connections one project's requests may use at once (DATABASE_CONNECTIONS_PER_PROJECT); see project-gate.ts. */
  perProject?: number;
  /** Longest a search query may run (SEARCH_TIMEOUT_MS). */
  searchTimeoutMs?: number;
}

// bigint columns hold milliseconds and counts, all well inside 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** `applicationName` tells the pools apart in pg_stat_activity. */
export function createPool(connectionString: string, settings: PoolSettings = {}, applicationName = 'rolodex'): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.max ?? 10,
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: settings.statementTimeoutMs ?? 30_000,
    application_name: applicationName,
    types,
  });
  // An idle connection dropped by the server must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', () => {});
  return pool;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57014', // query_canceled: the general statement timeout (a search's own bound is told apart in timedSearch)
  '53300', // too_many_connections
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
]);

function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(message);
}

/** Runs a query or transaction, turning availability faults into StoreUnavailableError. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUnavailable(error)) throw new StoreUnavailableError(error);
    throw error;
  }
}

function ignoreError(): void {}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock

/** BEGIN … COMMIT on one connection; retried a few times on deadlock. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return guarded(async () => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      // A connection that drops between two statements emits 'error' on the
      // client, which would crash the process with no listener; the next
      // statement fails with it instead, and that is handled below.
      client.on('error', ignoreError);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        const code = (error as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= 5) throw error;
      } finally {
        client.off('error', ignoreError);
        client.release(broken);
      }
    }
  });
}

const QUERY_CANCELED = '57014';

/**
 * A search under its own time bound. SET LOCAL (set_config(…, true)) ends
 * with the transaction, so the connection goes back to the pool with the
 * general statement timeout; a search cut off by it is a QueryTimeoutError
 * (narrow the search), not an unavailable database. A text search is also
 * planned with its own page cost (see queries.ts, search_text_limit).
 */
export function timedSearch<T>(
  pool: pg.Pool,
  timeoutMs: number,
  work: (client: pg.PoolClient) => Promise<T>,
  { textSearch = false }: { textSearch?: boolean } = {},
): Promise<T> {
  return transaction(pool, async (client) => {
    const name = textSearch ? 'search_text_limit' : 'search_time_limit';
    await client.query({ name, text: q[name], values: [`${timeoutMs}ms`] });
    try {
      return await work(client);
    } catch (error) {
      // Within this transaction the shorter, local timeout is the one that fires.
      if ((error as { code?: string }).code === QUERY_CANCELED) throw new QueryTimeoutError(timeoutMs);
      throw error;
    }
  });
}

/** Where a connection string points, as pg itself reads it (PGHOST and the like included); never the user or password. */
export interface ServerAddress {
  host: string;
  port: number;
  database: string;
}

export function serverAddress(connectionString: string): ServerAddress {
  // A Client that is never connected: the parsing pg does before it connects, and nothing more.
  const client = new pg.Client({ connectionString });
  return { host: client.host, port: client.port, database: client.database ?? '' };
}

/** `host:port`, or the socket file for a host that is a directory (`?host=/var/run/postgresql`). */
export function formatServer({ host, port }: ServerAddress): string {
  if (host.startsWith('/')) return `${host}/.s.PGSQL.${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Why the first connection to the database failed, in words for an operator.
 * The server's own text is left out where it names the user (a failed login).
 */
export function connectionFailure(error: unknown): string {
  const fault = error instanceof StoreUnavailableError && error.cause ? error.cause : error;
  const code = (fault as { code?: string }).code;
  const message = fault instanceof Error ? fault.message : String(fault);
  switch (code) {
    case '3D000':
      return 'the database does not exist (create it, or correct DATABASE_URL)';
    case '28000':
    case '28P01':
      return 'the server refused the login (check the user and password in DATABASE_URL)';
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running, and on this port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host cannot be reached';
    case '57P03':
      return 'the server is starting up or shutting down';
    case '53300':
      return 'the server has no connection slots left';
  }
  if (/timeout exceeded when trying to connect/i.test(message)) return 'no answer within the connection timeout';
  if (code === 'ENOENT' || code === 'EACCES') return 'the socket cannot be opened';
  // Anything else (TLS, a protocol error): the driver's message, on one line.
  return message.replace(/\s+/g, ' ').trim() || 'the connection failed';
}
