// The scale-out store: PostgreSQL through pg. Any number of API and worker
// processes share it; nothing one process needs is held by another. Writes
// that decide from the current state lock the row first (SELECT … FOR UPDATE),
// so concurrent merges each apply to what the previous one left.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { needsScan } from '../../domain/filter.js';
import {
  EmailTakenError,
  type AdminStore,
  type ApiKeyRecord,
  type ContactFilter,
  type ContactPageQuery,
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
import { createPool, guarded, timedSearch, transaction, type PoolSettings } from './database.js';
import { JobDelivery } from './delivery.js';
import { KeyListener } from './key-listener.js';
import { migrations } from './migrations.js';
import { PostgresJobStore } from './postgres-jobs.js';
import { PostgresAdminStore } from './postgres-admins.js';
import { PostgresImportDraftStore } from './postgres-import-drafts.js';
import { PostgresEventStore } from './postgres-events.js';
import { PostgresWebhookStore } from './postgres-webhooks.js';
import { GroupInsert } from './group-insert.js';
import { ProjectGate } from './project-gate.js';
import { contactsCountMatchingSql, contactsDataKeysSql, contactsScanEndSql, contactsListPageSql, contactsWhere, queries as q } from './queries.js';
import { COPY_OPTIONS, ContactLines, LINE_COLUMNS } from '../contact-lines.js';
import { contactJson } from '../../domain/contact-json.js';
import { countOf, toContact, toKey, toProject, type ContactRow, type KeyRow, type ProjectRow } from '../rows.js';

const MIGRATION_LOCK = 0x526f6c6f; // "Rolo"

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

/** Connections of the auth pool: key checks and /ready, each one short indexed lookup. */
const AUTH_POOL_SIZE = 2;

export class PostgresStore implements Store {
  readonly dialect = 'postgres';
  readonly projects: ProjectStore;
  readonly admins: AdminStore;
  readonly keys: KeyStore;
  readonly contacts: ContactStore;
  readonly jobs: PostgresJobStore;
  readonly importDrafts: PostgresImportDraftStore;
  readonly events: PostgresEventStore;
  readonly webhooks: PostgresWebhookStore;
  private readonly searchTimeoutMs: number;
  private readonly creates: GroupInsert;
  private analyzing = false;
  private closed = false;

  constructor(
    readonly pool: pg.Pool,
    /** Key checks only: they run on every request, so they never queue behind any project's work. */
    private readonly authPool: pg.Pool,
    private readonly delivery: JobDelivery,
    private readonly gate: ProjectGate,
    settings: Pick<PoolSettings, 'searchTimeoutMs'> = {},
    private readonly keyListener?: KeyListener,
  ) {
    this.searchTimeoutMs = settings.searchTimeoutMs ?? 2000;
    this.creates = new GroupInsert(pool, gate);
    const query = <R extends pg.QueryResultRow>(name: keyof typeof q, values: unknown[]) =>
      guarded(() => pool.query<R>({ name, text: q[name], values }));
    // Every piece of work for one project goes through its share of the pool.
    const inProject = <T>(projectId: string, work: () => Promise<T>) => gate.run(projectId, work);

    this.projects = {
      create: (project, keys) =>
        inProject(project.id, () =>
          transaction(pool, async (client) => {
            await client.query({ name: 'projects_insert', text: q.projects_insert, values: [project.id, project.name, project.createdAt] });
            for (const key of keys) await client.query({ name: 'keys_insert', text: q.keys_insert, values: keyValues(key) });
          }),
        ),
      rename: async (projectId, name) =>
        (await inProject(projectId, () => query('projects_rename', [projectId, name]))).rowCount === 1,
      get: async (projectId) => {
        const { rows } = await inProject(projectId, () => query<ProjectRow>('projects_get', [projectId]));
        return rows[0] && toProject(rows[0]);
      },
      // Across projects, from the CLI: no project to charge it to.
      list: async () => (await query<ProjectRow>('projects_list', [])).rows.map(toProject),
    };
    this.keys = {
      insert: async (key) => void (await inProject(key.projectId, () => query('keys_insert', keyValues(key)))),
      list: async (projectId) => (await inProject(projectId, () => query<KeyRow>('keys_list', [projectId]))).rows.map(toKey),
      // By key id, from the CLI: no project to charge it to. The statement
      // notifies every listening process (key-listener.ts) when it commits.
      revoke: async (keyId, at) => {
        const revoked = (await query('keys_revoke', [at, keyId])).rowCount === 1;
        if (revoked) keyListener?.bump();
        return revoked;
      },
      findByHash: async (hash) => {
        const { rows } = await guarded(() =>
          authPool.query<KeyRow>({ name: 'keys_find_by_hash', text: q.keys_find_by_hash, values: [hash] }),
        );
        return rows[0] && toKey(rows[0]);
      },
      revocationMark: () => keyListener?.mark(),
    };
    this.contacts = {
      // The insert takes a slot of the project's share per batch (group-insert.ts), a merge one of its own.
      upsertByEmail: (projectId, email, decide) => this.upsertByEmail(projectId, email, decide),
      updateById: (projectId, id, decide) => inProject(projectId, () => this.updateById(projectId, id, decide)),
      getById: async (projectId, id) => {
        const row = (await inProject(projectId, () => query<ContactRow>('contacts_get_by_id', [projectId, id]))).rows[0];
        return row && toContact(row);
      },
      deleteById: async (projectId, id) =>
        (await inProject(projectId, () => query('contacts_delete', [projectId, id, Date.now()]))).rowCount === 1,
      listPage: (projectId, pageQuery, bound) => inProject(projectId, () => this.listPage(projectId, pageQuery, bound)),
      count: (projectId, filter, bound) => inProject(projectId, () => this.count(projectId, filter, bound)),
      scan: (projectId, filter, after, limit, scanLimit) => inProject(projectId, () => this.scan(projectId, filter, after, limit, scanLimit)),
      dataKeys: (projectId, filter, max) => inProject(projectId, () => this.dataKeys(projectId, filter, max)),
      stream: (projectId, filter) => this.stream(gate, projectId, filter),
      streamJson: (projectId, filter) => this.streamJson(gate, projectId, filter),
      getByEmails: async (projectId, emails) => {
        if (emails.length === 0) return [];
        return (await inProject(projectId, () => query<ContactRow>('contacts_select_by_emails', [projectId, emails]))).rows.map(toContact);
      },
    };
    this.jobs = new PostgresJobStore(pool, delivery, gate);
    this.events = new PostgresEventStore(pool, gate);
    this.admins = new PostgresAdminStore(pool);
    this.importDrafts = new PostgresImportDraftStore(pool);
    this.webhooks = new PostgresWebhookStore(pool, gate);
  }

  /**
   * Connections per process: the main pool (`max`, DATABASE_POOL_SIZE, 10 by
   * default) + the auth pool (2) + pg-boss's own pool (2, delivery.ts) = 14
   * by default, and in a process that checks keys the connection that
   * listens for their revocation (key-listener.ts): 15. One project holds at
   * most `perProject` (4) of the main pool.
   */
  static async connect(connectionString: string, settings: PoolSettings = {}): Promise<PostgresStore> {
    const max = settings.max ?? 10;
    const perProject = settings.perProject ?? Math.max(1, Math.min(4, max - 1));
    const pool = createPool(connectionString, settings);
    const authPool = createPool(connectionString, { ...settings, max: AUTH_POOL_SIZE }, 'rolodex-auth');
    const gate = new ProjectGate(perProject, settings.connectTimeoutMs ?? 5000);
    const keyListener = new KeyListener(connectionString, settings.connectTimeoutMs ?? 5000);
    return new PostgresStore(pool, authPool, new JobDelivery(connectionString), gate, settings, keyListener);
  }

  async migrate(): Promise<void> {
    await guarded(async () => {
      const client = await this.pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
        );
        const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
        for (const migration of migrations) {
          if (migration.version <= (rows[0]?.version ?? 0)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.sql);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              migration.version, migration.name, Date.now(),
            ]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
        await this.delivery.migrate();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        client.release();
      }
    });
  }

  /** On the auth pool: /ready answers whether the database does, not whether a project has left room. */
  /**
   * ANALYZE, by autovacuum's own rule (more than 50 + 10% of the rows
   * changed since the last one, or never analyzed), one at a time per process.
   */
  async refreshStatistics(): Promise<void> {
    if (this.analyzing) return;
    this.analyzing = true;
    try {
      const { rows } = await guarded(() =>
        this.pool.query<{ changed: number; estimate: number }>(q.contacts_changed_since_analyze),
      );
      const stats = rows[0];
      if (stats && (stats.estimate < 0 || stats.changed > 50 + 0.1 * stats.estimate)) {
        await guarded(() => this.pool.query('ANALYZE contacts'));
      }
    } finally {
      this.analyzing = false;
    }
  }

  async ping(): Promise<void> {
    await guarded(() => this.authPool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.keyListener?.close();
    await this.delivery.close();
    await Promise.all([this.pool.end(), this.authPool.end()]);
  }

  private async upsertByEmail(projectId: string, email: string, decide: DecideContact) {
    for (;;) {
      // The common case, a new email, is one statement, shared with the
      // project's other creates of the moment; a conflict means the contact
      // exists (or was just created) and is merged under its row lock.
      const fresh = decide(undefined);
      if (await this.creates.insert(projectId, fresh)) return { contact: fresh, created: true };
      // Undefined when the contact was deleted in between: try the insert again.
      const updated = await this.gate.run(projectId, () =>
        transaction(this.pool, (client) => this.reviseLocked(client, projectId, 'contacts_lock_by_email', [projectId, email], decide)),
      );
      if (updated) return { contact: updated, created: false };
    }
  }

  private async updateById(projectId: string, id: string, decide: DecideExistingContact) {
    try {
      return await transaction(this.pool, (client) =>
        this.reviseLocked(client, projectId, 'contacts_lock_by_id', [projectId, id], decide),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  /** Locks one contact, decides its next state, and writes it if it changed; undefined when there is none. */
  private async reviseLocked(
    client: pg.PoolClient,
    projectId: string,
    lock: 'contacts_lock_by_email' | 'contacts_lock_by_id',
    values: unknown[],
    decide: DecideExistingContact,
  ): Promise<ContactRecord | undefined> {
    const row = (await client.query<ContactRow>({ name: lock, text: q[lock], values })).rows[0];
    if (!row) return undefined;
    const current = toContact(row);
    const next = decide(current);
    // The update appends its event in the same statement, the transaction's last.
    if (next !== current) {
      await client.query({
        name: 'contacts_update',
        text: q.contacts_update,
        values: [projectId, next.id, next.email, next.subscribed, next.dataJson, next.updatedAt, contactJson(next)],
      });
    }
    return next;
  }

  private async listPage(projectId: string, query: ContactPageQuery, bound: QueryBound = 'request'): Promise<ContactRecord[]> {
    const { limit, after, ...filter } = query;
    const { where, params } = contactsWhere(projectId, filter, after);
    const text = contactsListPageSql(where, params.length + 1);
    const { rows } = await this.filtered(filter, bound, (client) => client.query<ContactRow>(text, [...params, limit]));
    return rows.map(toContact);
  }

  private async count(projectId: string, filter: ContactFilter, bound: QueryBound = 'request'): Promise<number> {
    if (!needsScan(filter)) {
      const { rows } = await guarded(() =>
        this.pool.query<{ total: number; subscribed: number }>({ name: 'contacts_counts', text: q.contacts_counts, values: [projectId] }),
      );
      return countOf(rows[0], filter.subscribed);
    }
    const { where, params } = contactsWhere(projectId, filter);
    const { rows } = await this.filtered(filter, bound, (client) => client.query<{ n: number }>(contactsCountMatchingSql(where), params));
    return rows[0]?.n ?? 0;
  }

  /** A slice of at most scanLimit rows of the page index (by state and creation time), then the matches in it. */
  private async scan(projectId: string, filter: ContactFilter, after: ContactPosition | undefined, limit: number, scanLimit: number) {
    const { subscribed, createdAfter, createdBefore } = filter;
    const walk = contactsWhere(projectId, { subscribed, createdAfter, createdBefore }, after);
    const ends = await guarded(() =>
      this.pool.query<{ created_at: number; id: string }>(contactsScanEndSql(walk.where, walk.params.length + 1), [...walk.params, scanLimit - 1]),
    );
    const end = ends.rows[0] && { createdAt: ends.rows[0].created_at, id: ends.rows[0].id };
    const { where, params } = contactsWhere(projectId, filter, after, end);
    const rows = (await guarded(() => this.pool.query<ContactRow>(contactsListPageSql(where, params.length + 1), [...params, limit]))).rows;
    const contacts = rows.map(toContact);
    const last = contacts[contacts.length - 1];
    // A full page may stop before the slice's end: the next slice starts after its last row.
    if (contacts.length === limit && last) return { contacts, next: { createdAt: last.createdAt, id: last.id } };
    return { contacts, next: end ?? null };
  }

  private async dataKeys(projectId: string, filter: ContactFilter, max: number): Promise<string[]> {
    const { where, params } = contactsWhere(projectId, filter);
    const { rows } = await guarded(() => this.pool.query<{ key: string }>(contactsDataKeysSql(where, params.length + 1), [...params, max + 1]));
    return rows.map((row) => row.key);
  }

  /** The matching contacts, split from the COPY's lines (copyContacts). */
  private async *stream(gate: ProjectGate, projectId: string, filter: ContactFilter): AsyncGenerator<ContactRecord[]> {
    const lines = new ContactLines();
    for await (const chunk of this.copyContacts(gate, projectId, filter)) {
      const contacts = lines.push(chunk);
      if (contacts.length > 0) yield contacts;
    }
    lines.end();
  }

  /** The same COPY, written as NDJSON straight from its lines. */
  private async *streamJson(gate: ProjectGate, projectId: string, filter: ContactFilter): AsyncGenerator<{ lines: string; count: number }> {
    const lines = new ContactLines();
    for await (const chunk of this.copyContacts(gate, projectId, filter)) {
      const written = lines.pushJson(chunk);
      if (written.count > 0) yield written;
    }
    lines.end();
  }

  /**
   * The matching contacts through `COPY (SELECT …) TO STDOUT` on a connection
   * of the project's share: the server writes the rows at its own pace on its
   * own core, and the socket's flow control holds it back when the reader
   * slows, so memory stays flat. COPY takes no parameters, so the filter's
   * values are written into the statement as escaped literals. The export
   * runs for as long as its reader takes, so without the statement timeout;
   * a reader that stops early gets the connection destroyed, which ends the
   * COPY on the server.
   */
  private async *copyContacts(gate: ProjectGate, projectId: string, filter: ContactFilter): AsyncGenerator<Buffer> {
    const release = await gate.hold(projectId);
    let client: pg.PoolClient | undefined;
    let finished = false;
    try {
      client = await guarded(() => this.pool.connect());
      const { where, params } = contactsWhere(projectId, filter);
      const select = `SELECT ${LINE_COLUMNS} FROM contacts WHERE ${inlineParams(where, params, client)} ORDER BY created_at DESC, id DESC`;
      await client.query('BEGIN READ ONLY');
      await client.query('SET LOCAL statement_timeout = 0');
      yield* client.query(copyTo(`COPY (${select}) TO STDOUT ${COPY_OPTIONS}`)) as AsyncIterable<Buffer>;
      await client.query('COMMIT');
      finished = true;
    } finally {
      // Unfinished (the reader stopped, or a failure): the connection goes, and the COPY with it.
      client?.release(!finished);
      release();
    }
  }

  /**
   * A filtered query: a request's under the search time bound (in its own
   * transaction), an export's or a job's under the general statement timeout
   * only. A listing by state alone is a read of the page index and needs neither.
   */
  private filtered<T>(filter: ContactFilter, bound: QueryBound, work: (client: pg.PoolClient | pg.Pool) => Promise<T>): Promise<T> {
    if (bound === 'request' && needsScan(filter)) {
      return timedSearch(this.pool, this.searchTimeoutMs, work, { textSearch: filter.search !== undefined });
    }
    return guarded(() => work(this.pool));
  }
}

/** The statement with its `$n` parameters written in as literals (for COPY, which takes none). */
function inlineParams(sql: string, params: unknown[], client: pg.PoolClient): string {
  const literal = (value: unknown): string => {
    if (typeof value === 'string') return client.escapeLiteral(value);
    if (typeof value === 'boolean') return String(value);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(',')}]`;
    throw new Error(`No literal for a parameter of type ${typeof value}`);
  };
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
}

function keyValues(key: ApiKeyRecord): unknown[] {
  return [key.id, key.projectId, key.kind, key.hash, key.prefix, key.createdAt, key.revokedAt];
}
