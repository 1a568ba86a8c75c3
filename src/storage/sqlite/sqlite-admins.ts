// The dashboard's operators, sessions and failed logins in the SQLite file.
import type { Database as Db, Statement } from 'better-sqlite3';
import type { AdminRecord, AdminStore, SessionRecord } from '../../domain/store.js';
import { writeTransaction } from './write-transaction.js';

interface AdminRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

interface SessionRow {
  token_hash: Buffer;
  admin_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

const q = {
  insert: 'INSERT INTO admins (id, email, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING',
  byEmail: 'SELECT id, email, password_hash, created_at FROM admins WHERE email = ?',
  list: 'SELECT id, email, password_hash, created_at FROM admins ORDER BY created_at, id',
  delete: 'DELETE FROM admins WHERE email = ?',
  sessionInsert: 'INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  sessionFind: `SELECT s.token_hash, s.admin_id, s.csrf_token, s.created_at, s.expires_at,
                       a.id, a.email, a.password_hash, a.created_at AS admin_created_at
                FROM admin_sessions AS s JOIN admins AS a ON a.id = s.admin_id
                WHERE s.token_hash = ? AND s.expires_at > ?`,
  sessionsDelete: 'DELETE FROM admin_sessions WHERE admin_id = ?',
  sessionsExpire: 'DELETE FROM admin_sessions WHERE expires_at <= ?',
  failureInsert: 'INSERT INTO login_failures (key, at) VALUES (?, ?)',
  failureCount: 'SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?',
  failureClear: 'DELETE FROM login_failures WHERE key = ? OR at < ?',
} as const;

function toAdmin(row: AdminRow): AdminRecord {
  return { id: row.id, email: row.email, passwordHash: row.password_hash, createdAt: row.created_at };
}

export class SqliteAdminStore implements AdminStore {
  constructor(
    private readonly db: Db,
    private readonly statement: (sql: string) => Statement,
  ) {}

  async create(admin: AdminRecord): Promise<boolean> {
    return writeTransaction(this.db, () =>
      this.statement(q.insert).run(admin.id, admin.email, admin.passwordHash, admin.createdAt).changes === 1,
    );
  }

  async findByEmail(email: string): Promise<AdminRecord | undefined> {
    const row = this.statement(q.byEmail).get(email) as AdminRow | undefined;
    return row && toAdmin(row);
  }

  async list(): Promise<AdminRecord[]> {
    return (this.statement(q.list).all() as AdminRow[]).map(toAdmin);
  }

  async delete(email: string): Promise<boolean> {
    // Sessions go with the operator (ON DELETE CASCADE).
    return writeTransaction(this.db, () => this.statement(q.delete).run(email).changes === 1);
  }

  async createSession(s: SessionRecord): Promise<void> {
    writeTransaction(this.db, () => {
      this.statement(q.sessionsExpire).run(s.createdAt);
      this.statement(q.sessionInsert).run(s.tokenHash, s.adminId, s.csrfToken, s.createdAt, s.expiresAt);
    });
  }

  async findSession(tokenHash: Buffer, now: number) {
    const row = this.statement(q.sessionFind).get(tokenHash, now) as (SessionRow & AdminRow & { admin_created_at: number }) | undefined;
    if (!row) return undefined;
    return {
      session: { tokenHash: row.token_hash, adminId: row.admin_id, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt: row.expires_at },
      admin: { id: row.id, email: row.email, passwordHash: row.password_hash, createdAt: row.admin_created_at },
    };
  }

  async deleteSessions(adminId: string): Promise<void> {
    writeTransaction(this.db, () => this.statement(q.sessionsDelete).run(adminId));
  }

  async recordLoginFailure(keys: string[], at: number): Promise<void> {
    writeTransaction(this.db, () => {
      for (const key of keys) this.statement(q.failureInsert).run(key, at);
    });
  }

  async countLoginFailures(key: string, since: number): Promise<number> {
    return this.statement(q.failureCount).pluck().get(key, since) as number;
  }

  async clearLoginFailures(key: string, before: number): Promise<void> {
    writeTransaction(this.db, () => this.statement(q.failureClear).run(key, before));
  }
}
