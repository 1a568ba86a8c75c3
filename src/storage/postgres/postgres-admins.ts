// The dashboard's operators, sessions and failed logins in PostgreSQL: any
// API process finds a session another one made.
import type pg from 'pg';
import type { AdminRecord, AdminStore, SessionRecord } from '../../domain/store.js';
import { guarded, transaction } from './database.js';

interface AdminRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

const q = {
  insert: 'INSERT INTO admins (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING',
  byEmail: 'SELECT id, email, password_hash, created_at FROM admins WHERE email = $1',
  list: 'SELECT id, email, password_hash, created_at FROM admins ORDER BY created_at, id',
  delete: 'DELETE FROM admins WHERE email = $1',
  sessionInsert: 'INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
  sessionFind: `SELECT s.token_hash, s.admin_id, s.csrf_token, s.created_at, s.expires_at,
                       a.id, a.email, a.password_hash, a.created_at AS admin_created_at
                FROM admin_sessions AS s JOIN admins AS a ON a.id = s.admin_id
                WHERE s.token_hash = $1 AND s.expires_at > $2`,
  sessionsDelete: 'DELETE FROM admin_sessions WHERE admin_id = $1',
  sessionsExpire: 'DELETE FROM admin_sessions WHERE expires_at <= $1',
  failureInsert: 'INSERT INTO login_failures (key, at) SELECT unnest($1::text[]), $2',
  failureCount: 'SELECT count(*)::bigint AS n FROM login_failures WHERE key = $1 AND at >= $2',
  failureClear: 'DELETE FROM login_failures WHERE key = $1 OR at < $2',
} as const;

function toAdmin(row: AdminRow): AdminRecord {
  return { id: row.id, email: row.email, passwordHash: row.password_hash, createdAt: row.created_at };
}

export class PostgresAdminStore implements AdminStore {
  constructor(private readonly pool: pg.Pool) {}

  private query<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
    return guarded(() => this.pool.query<R>(text, values));
  }

  async create(admin: AdminRecord): Promise<boolean> {
    return (await this.query(q.insert, [admin.id, admin.email, admin.passwordHash, admin.createdAt])).rowCount === 1;
  }

  async findByEmail(email: string): Promise<AdminRecord | undefined> {
    const row = (await this.query<AdminRow>(q.byEmail, [email])).rows[0];
    return row && toAdmin(row);
  }

  async list(): Promise<AdminRecord[]> {
    return (await this.query<AdminRow>(q.list, [])).rows.map(toAdmin);
  }

  async delete(email: string): Promise<boolean> {
    return (await this.query(q.delete, [email])).rowCount === 1;
  }

  async createSession(s: SessionRecord): Promise<void> {
    await transaction(this.pool, async (client) => {
      await client.query(q.sessionsExpire, [s.createdAt]);
      await client.query(q.sessionInsert, [s.tokenHash, s.adminId, s.csrfToken, s.createdAt, s.expiresAt]);
    });
  }

  async findSession(tokenHash: Buffer, now: number) {
    const row = (await this.query<AdminRow & { token_hash: Buffer; admin_id: string; csrf_token: string; expires_at: number; admin_created_at: number }>(
      q.sessionFind, [tokenHash, now],
    )).rows[0];
    if (!row) return undefined;
    const session: SessionRecord = {
      tokenHash: row.token_hash, adminId: row.admin_id, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt: row.expires_at,
    };
    return { session, admin: { id: row.id, email: row.email, passwordHash: row.password_hash, createdAt: row.admin_created_at } };
  }

  async deleteSessions(adminId: string): Promise<void> {
    await this.query(q.sessionsDelete, [adminId]);
  }

  async recordLoginFailure(keys: string[], at: number): Promise<void> {
    await this.query(q.failureInsert, [keys, at]);
  }

  async countLoginFailures(key: string, since: number): Promise<number> {
    return Number((await this.query<{ n: number }>(q.failureCount, [key, since])).rows[0]?.n ?? 0);
  }

  async clearLoginFailures(key: string, before: number): Promise<void> {
    await this.query(q.failureClear, [key, before]);
  }
}
