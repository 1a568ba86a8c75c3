// How a key revocation reaches every process on PostgreSQL: the revoking
// statement sends NOTIFY rolodex_keys (delivered on its commit), and each
// process that checks keys LISTENs on a connection of its own. The revocation
// mark is a count of notifications; while the listening connection is down
// (or not yet up) there is no mark, so every key check reads the database,
// and once it listens again the count moves on, dropping whatever was
// remembered before. A connection that dies without a word (a network cut)
// is found by a heartbeat query every HEARTBEAT_MS that must answer within
// as long. The connection is opened on the first key check, so a
// command-line run that never checks a key opens none.
import pg from 'pg';
import type { RevocationMark } from '../../domain/store.js';

export const KEYS_CHANNEL = 'rolodex_keys';
/** How the listening connection shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'rolodex-keys';
const RECONNECT_MS = 1000;
const HEARTBEAT_MS = 5000;

export class KeyListener {
  private client: pg.Client | undefined;
  private generation = 0;
  private listening = false;
  private started = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly connectTimeoutMs: number,
  ) {}

  mark(): RevocationMark | undefined {
    if (!this.started) {
      this.started = true;
      void this.connect();
    }
    return this.listening ? this.generation : undefined;
  }

  /** A revocation this process committed: counts here before its notification comes back. */
  bump(): void {
    this.generation++;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    this.client = client;
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.generation++);
    try {
      await client.connect();
      await client.query(`LISTEN ${KEYS_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.client !== client) return;
    // Revocations made while nobody listened were not heard: start afresh.
    this.generation++;
    this.listening = true;
    this.heartbeat = setInterval(() => this.beat(client), HEARTBEAT_MS).unref();
  }

  private beat(client: pg.Client): void {
    const silent = setTimeout(() => this.lost(client), HEARTBEAT_MS).unref();
    client.query('SELECT 1').then(
      () => clearTimeout(silent),
      () => this.lost(client),
    );
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.heartbeat);
    client.end().catch(() => {});
    if (!this.closed) this.retry = setTimeout(() => void this.connect(), RECONNECT_MS).unref();
  }
}
