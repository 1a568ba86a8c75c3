// The embedded store: one SQLite file in WAL mode through better-sqlite3.
// Calls are synchronous underneath; each write is one IMMEDIATE transaction
// (contact writes of one event-loop turn share one, see group-commit.ts), which
// serialises writers across processes as well as within this one.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  EmailTakenError,
  type ApiKeyRecord,
  type ContactFilter,
  type ContactPosition,
  type ContactRecord,
  type ContactStore,
  type DecideContact,
  type DecideExistingContact,
  type KeyStore,
  type ProjectRecord,
  type ProjectStore,
  type QueryBound,
  type Store,
} from '../../domain/store.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { migrations } from './migrations.js';
import { countOf, toContact, toKey, toProject, type ContactRow, type KeyRow, type ProjectRow } from '../rows.js';
import { SqliteJobStore } from './sqlite-jobs.js';
import { SqliteAdminStore } from './sqlite-admins.js';
import { SqliteImportDraftStore } from './sqlite-import-drafts.js';
import { SqliteEventStore } from './sqlite-events.js';
import { SqliteWebhookStore } from './sqlite-webhooks.js';
import { writeTransaction } from './write-transaction.js';
import { RevocationCounter, RevocationFile } from './revocation-file.js';
import { queries } from './queries.js';
import { SqliteFilter, type JsonPageRow } from './sqlite-filter.js';
import { isoTime } from '../../domain/contact-json.js';
import { needsScan } from '../../domain/filter.js';
import { contactEvent, deletedContactJson } from '../../domain/events.js';
import { DEFAULT_LIMITS } from '../../config.js';

/** Contacts a stream (an export) reads at a time. */
const STREAM_PAGE = 1000;

/** Where the walk goes on after this contact of a JSON page: its head starts `{"id":"<id>"`. */
function positionOfJsonRow([head, createdAt]: JsonPageRow): ContactPosition {
  return { createdAt, id: head.slice(7, head.indexOf('"', 7)) };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function openSqliteDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  return db;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  readonly projects: ProjectStore;
  readonly admins: SqliteAdminStore;
  readonly keys: KeyStore;
  readonly contacts: ContactStore;
  readonly jobs: SqliteJobStore;
  readonly importDrafts: SqliteImportDraftStore;
  readonly events: SqliteEventStore;
  readonly webhooks: SqliteWebhookStore;
  private readonly statements = new Map<string, Statement>();
  private readonly writes: GroupCommit;
  readonly filtered: SqliteFilter;

  constructor(
    readonly db: Db,
    private readonly checkpointer?: Checkpointer,
    searchTimeoutMs = DEFAULT_LIMITS.searchTimeoutMs,
    revocations: RevocationFile | RevocationCounter = new RevocationCounter(),
  ) {
    this.writes = new GroupCommit(db);
    this.filtered = new SqliteFilter((sql) => this.statement(sql), (sql) => this.db.prepare(sql), searchTimeoutMs);
    this.projects = {
      create: async (project, keys) => this.createProject(project, keys),
      rename: async (projectId, name) =>
        writeTransaction(this.db, () => this.statement(queries.projects_rename).run(name, projectId).changes === 1),
      get: async (projectId) => this.getProject(projectId),
      list: async () => (this.statement(queries.projects_list).all() as ProjectRow[]).map(toProject),
    };
    this.keys = {
      insert: async (key) => void writeTransaction(this.db, () => this.statement(queries.keys_insert).run(key)),
      list: async (projectId) => (this.statement(queries.keys_list).all(projectId) as KeyRow[]).map(toKey),
      revoke: async (keyId, at) => {
        const revoked = writeTransaction(this.db, () => this.statement(queries.keys_revoke).run(at, keyId).changes === 1);
        if (revoked) revocations.bump();
        return revoked;
      },
      findByHash: async (hash) => {
        const row = this.statement(queries.keys_find_by_hash).get(hash) as KeyRow | undefined;
        return row && toKey(row);
      },
      revocationMark: () => revocations.mark(),
    };
    this.contacts = {
      upsertByEmail: (projectId, email, decide) => this.writes.run(() => this.upsertByEmail(projectId, email, decide)),
      updateById: (projectId, id, decide) => this.writes.run(() => this.updateById(projectId, id, decide)),
      getById: async (projectId, id) => this.getContact(projectId, id),
      deleteById: (projectId, id) => this.writes.run(() => this.deleteById(projectId, id)),
      listPage: async (projectId, query, bound) => (await this.filtered.page(projectId, query, bound)).map(toContact),
      count: (projectId, filter, bound) => this.count(projectId, filter, bound),
      scan: async (projectId, filter, after, limit, scanLimit) => {
        const { rows, next } = this.filtered.scan(projectId, filter, after, limit, scanLimit);
        return { contacts: rows.map(toContact), next };
      },
      dataKeys: (projectId, filter, max) => this.filtered.dataKeys(projectId, filter, max),
      stream: (projectId, filter) => this.stream(projectId, filter),
      streamJson: (projectId, filter) => this.streamJson(projectId, filter),
      getByEmails: async (projectId, emails) => this.jobs.selectByEmails(projectId, emails),
    };
    this.events = new SqliteEventStore(db, (sql) => this.statement(sql));
    this.jobs = new SqliteJobStore(db, (sql) => this.statement(sql), this.events);
    this.admins = new SqliteAdminStore(db, (sql) => this.statement(sql));
    this.importDrafts = new SqliteImportDraftStore(db, (sql) => this.statement(sql));
    this.webhooks = new SqliteWebhookStore(db, (sql) => this.statement(sql));
  }

  static open(file: string, settings: { searchTimeoutMs?: number } = {}): SqliteStore {
    const db = openSqliteDatabase(file);
    if (file === ':memory:') return new SqliteStore(db, undefined, settings.searchTimeoutMs);
    db.pragma('wal_autocheckpoint = 0');
    return new SqliteStore(db, new Checkpointer(file), settings.searchTimeoutMs, new RevocationFile(`${file}-revoked-keys`));
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    writeTransaction(this.db, () => {
      const row = this.db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null };
      for (const migration of migrations) {
        if (migration.version <= (row.version ?? 0)) continue;
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now());
      }
    });
  }

  async refreshStatistics(): Promise<void> {}

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private createProject(project: ProjectRecord, keys: ApiKeyRecord[]): void {
    writeTransaction(this.db, () => {
      this.statement(queries.projects_insert).run(project.id, project.name, project.createdAt);
      for (const key of keys) this.statement(queries.keys_insert).run(key);
    });
  }

  private getProject(projectId: string): ProjectRecord | undefined {
    const row = this.statement(queries.projects_get).get(projectId) as ProjectRow | undefined;
    return row && toProject(row);
  }

  private getContact(projectId: string, id: string): ContactRecord | undefined {
    const row = this.statement(queries.contacts_get_by_id).get(projectId, id) as ContactRow | undefined;
    return row && toContact(row);
  }

  private insertContact(projectId: string, c: ContactRecord): void {
    this.statement(queries.contacts_insert).run(
      projectId, c.id, c.email, c.subscribed ? 1 : 0, c.dataJson, c.createdAt, c.updatedAt,
    );
  }

  private updateContact(projectId: string, c: ContactRecord): void {
    this.statement(queries.contacts_update).run(
      c.email, c.subscribed ? 1 : 0, c.dataJson, c.updatedAt, projectId, c.id,
    );
  }

  /** Runs inside a group commit (see group-commit.ts). */
  private upsertByEmail(projectId: string, email: string, decide: DecideContact) {
    const row = this.statement(queries.contacts_get_by_email).get(projectId, email) as ContactRow | undefined;
    const current = row && toContact(row);
    const next = decide(current);
    if (!current) {
      this.insertContact(projectId, next);
      this.events.append(projectId, [contactEvent('contact.created', next)]);
    } else if (next !== current) {
      this.updateContact(projectId, next);
      this.events.append(projectId, [contactEvent('contact.updated', next)]);
    }
    return { contact: next, created: !current };
  }

  /** Runs inside a group commit (see group-commit.ts). */
  private updateById(projectId: string, id: string, decide: DecideExistingContact) {
    const current = this.getContact(projectId, id);
    if (!current) return undefined;
    const next = decide(current);
    if (next !== current) {
      try {
        this.updateContact(projectId, next);
      } catch (error) {
        if (isUniqueViolation(error)) throw new EmailTakenError();
        throw error;
      }
      this.events.append(projectId, [contactEvent('contact.updated', next)]);
    }
    return next;
  }

  /** Page after page of the walk, each read in slices on the event loop like any listing. */
  private async *stream(projectId: string, filter: ContactFilter): AsyncGenerator<ContactRecord[]> {
    let after: ContactPosition | undefined;
    do {
      const page = (await this.filtered.page(projectId, { ...filter, limit: STREAM_PAGE, after }, 'unbounded')).map(toContact);
      if (page.length > 0) yield page;
      const last = page[page.length - 1];
      after = page.length === STREAM_PAGE && last ? { createdAt: last.createdAt, id: last.id } : undefined;
    } while (after);
  }

  /**
   * NDJSON written mostly by SQLite itself (filter-sql.ts, JSON_HEAD), for
   * the filters that are a plain read of a page index; a page is one bounded
   * statement, so the event loop gets a turn between pages.
   */
  private streamJson(projectId: string, filter: ContactFilter): AsyncGenerator<{ lines: string; count: number }> | undefined {
    if (!this.filtered.readsPageIndex(projectId, filter)) return undefined;
    const filtered = this.filtered;
    return (async function* () {
      let after: ContactPosition | undefined;
      do {
        const page = filtered.jsonPage(projectId, filter, after, STREAM_PAGE)!;
        const last = page[page.length - 1];
        after = page.length === STREAM_PAGE && last ? positionOfJsonRow(last) : undefined;
        let lines = '';
        for (const [head, createdAt, updatedAt] of page) lines += `${head}${isoTime(createdAt)}","updatedAt":"${isoTime(updatedAt)}"}\n`;
        if (page.length > 0) yield { lines, count: page.length };
        await new Promise((resolve) => setImmediate(resolve));
      } while (after);
    })();
  }

  /** Runs inside a group commit (see group-commit.ts). */
  private deleteById(projectId: string, id: string): boolean {
    const row = this.statement(queries.contacts_delete).get(projectId, id) as { email: string } | undefined;
    if (!row) return false;
    this.events.append(projectId, [{ type: 'contact.deleted', at: Date.now(), dataJson: deletedContactJson(id, row.email) }]);
    return true;
  }

  private async count(projectId: string, filter: ContactFilter, bound?: QueryBound): Promise<number> {
    if (needsScan(filter)) return this.filtered.count(projectId, filter, bound);
    const counts = this.statement(queries.contacts_counts).get(projectId) as
      | { total: number; subscribed: number }
      | undefined;
    return countOf(counts, filter.subscribed);
  }
}
