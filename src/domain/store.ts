// The Store port: the records the domain works with, and everything it may
// ask of a database. It belongs to the domain; both stores (storage/sqlite,
// storage/postgres) implement it and pass the same test suite.
// Every tenant method takes the projectId first: a query without it cannot be
// written by accident.
import type { KeyKind } from './keys.js';

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  projectId: string;
  kind: KeyKind;
  hash: Buffer;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface ContactRecord {
  id: string;
  email: string;
  subscribed: boolean;
  /** Compact JSON of the data object, exactly as stored and served. */
  dataJson: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/**
 * Decides the next state of a contact from its current one, inside the
 * store's transaction. Returning `current` itself means "nothing changes".
 * It may throw (a validation error, say), which aborts the write.
 */
export type DecideContact = (current: ContactRecord | undefined) => ContactRecord;
export type DecideExistingContact = (current: ContactRecord) => ContactRecord;

/** A data condition: the key's value is one of these JSON texts; without them, the key is present. */
export interface DataMatch {
  key: string;
  jsonTexts?: string[];
}

/**
 * Which contacts a listing, an export or a bulk job reads; every condition
 * holds (AND). Checked and normalised by the domain (filter.ts).
 */
export interface ContactFilter {
  /** Lower-case substring of the email. */
  search?: string;
  subscribed?: boolean;
  /** One stored-form email. */
  email?: string;
  /** Milliseconds; createdAt > createdAfter, createdAt < createdBefore (likewise updatedAt). */
  createdAfter?: number;
  createdBefore?: number;
  updatedAfter?: number;
  updatedBefore?: number;
  data?: DataMatch[];
  /** Contacts left out (a bulk job's excludeIds): valid ids only. */
  excludeIds?: string[];
}

/** A place in the listing order (createdAt desc, id desc). */
export interface ContactPosition {
  createdAt: number;
  id: string;
}

export interface ContactPageQuery extends ContactFilter {
  limit: number;
  /** Return only contacts that sort after this position (createdAt desc, id desc). */
  after?: ContactPosition;
}

/** How long a listing may run: the search time bound (a request), or none (an export or a job). */
export type QueryBound = 'request' | 'unbounded';

/** Thrown by a store when a write would give an email to a second contact. */
export class EmailTakenError extends Error {
  constructor() {
    super('email already used by another contact of the project');
    this.name = 'EmailTakenError';
  }
}

/** Thrown by a store when its database cannot be reached or answer in time (a 503, not a 500). */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The database is unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Thrown by a store when a search ran past its time bound (SEARCH_TIMEOUT_MS)
 * and was stopped: a 503 that tells the client to narrow the search.
 */
export class QueryTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The search ran past its limit of ${timeoutMs} ms`);
    this.name = 'QueryTimeoutError';
  }
}

export interface ProjectStore {
  /** Creates the project and its first keys in one transaction. */
  create(project: ProjectRecord, keys: ApiKeyRecord[]): Promise<void>;
  /** False when there is no such project. */
  rename(projectId: string, name: string): Promise<boolean>;
  get(projectId: string): Promise<ProjectRecord | undefined>;
  /** Every project, oldest first (then by id). For the operator's command line, not for requests. */
  list(): Promise<ProjectRecord[]>;
}

export interface KeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  list(projectId: string): Promise<ApiKeyRecord[]>;
  /**
   * Marks a key revoked; false when no live key has that id. Once it
   * resolves, the revocation mark has changed in this process, and every
   * other process sees it change (see revocationMark).
   */
  revoke(keyId: string, at: number): Promise<boolean>;
  findByHash(hash: Buffer): Promise<ApiKeyRecord | undefined>;
  /**
   * A value that changes whenever a key may have stopped working, by a
   * revocation in this process or any other sharing the database; a key read
   * under one mark may be trusted only while the mark stays the same
   * (domain/key-cache.ts). Undefined while that cannot be told: then every
   * key check reads the database. As cheap as a `stat`, it is asked on every
   * request.
   */
  revocationMark(): RevocationMark | undefined;
}

export type RevocationMark = string | number;

export interface ContactStore {
  upsertByEmail(
    projectId: string,
    email: string,
    decide: DecideContact,
  ): Promise<{ contact: ContactRecord; created: boolean }>;
  /** Undefined when the project has no contact with that id. May throw EmailTakenError. */
  updateById(projectId: string, id: string, decide: DecideExistingContact): Promise<ContactRecord | undefined>;
  getById(projectId: string, id: string): Promise<ContactRecord | undefined>;
  deleteById(projectId: string, id: string): Promise<boolean>;
  /** The page of contacts matching the filter after `query.after`, newest first. */
  listPage(projectId: string, query: ContactPageQuery, bound?: QueryBound): Promise<ContactRecord[]>;
  count(projectId: string, filter: ContactFilter, bound?: QueryBound): Promise<number>;
  /**
   * A bounded slice of the walk over the matching contacts, newest first from
   * `after`: at most `limit` matches among at most `scanLimit` contacts, and
   * where the next slice starts (null when the walk is over).
   */
  scan(
    projectId: string,
    filter: ContactFilter,
    after: ContactPosition | undefined,
    limit: number,
    scanLimit: number,
  ): Promise<{ contacts: ContactRecord[]; next: ContactPosition | null }>;
  /**
   * Every matching contact, newest first, in batches read as the reader takes
   * them (an export): memory holds a batch or two whatever the count, and a
   * reader that stops early stops the read.
   */
  stream(projectId: string, filter: ContactFilter): AsyncGenerator<ContactRecord[]>;
  /**
   * The same contacts already written as NDJSON lines (the API's contact
   * objects, one per line) with how many each batch holds, for a store that
   * writes them faster than records can be formatted; undefined when it
   * cannot for this filter (then `stream` serves it).
   */
  streamJson?(projectId: string, filter: ContactFilter): AsyncGenerator<{ lines: string; count: number }> | undefined;
  /** The distinct data keys of the matching contacts, in no order; may stop once it has found more than `max`. */
  dataKeys(projectId: string, filter: ContactFilter, max: number): Promise<string[]>;
  /** The project's contacts with these (stored-form) emails, in no particular order. */
  getByEmails(projectId: string, emails: string[]): Promise<ContactRecord[]>;
}

export type JobType = 'import' | 'bulk-subscribe' | 'bulk-unsubscribe' | 'bulk-delete';
export type JobState = 'queued' | 'active' | 'completed' | 'failed';

export interface JobRecord {
  projectId: string;
  id: string;
  type: JobType;
  state: JobState;
  /** What the job works on (an import's CSV layout, a bulk job's ids), as JSON. */
  payloadJson: string;
  progress: number;
  /** The `result` object of the status endpoint, as JSON. */
  resultJson: string;
  failedReason: string | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Where a bulk job by filter resumes (JSON, the job's own); null until its first step. */
  resumeAtJson: string | null;
}

/** Proof that a worker holds a job; every write of the job checks it. */
export interface JobLease {
  projectId: string;
  jobId: string;
  workerId: string;
  leaseMs: number;
}

/** A row of an import that failed, as written in the file; row 1 holds the file's header. */
export interface ImportFailure {
  row: number;
  error: string;
  source: string;
}

export interface JobProgress {
  progress: number;
  resultJson: string;
  /** Where the job resumes after this step (a bulk job by filter); unchanged when absent. */
  resumeAtJson?: string;
  /** Rows of this step that failed, kept (beyond the result's first 1,000) for errors.csv. */
  failures?: ImportFailure[];
  /** Set on the step that ends the job: it becomes completed or failed and its file is deleted. */
  outcome?: { state: 'completed' | 'failed'; failedReason: string | null };
}

export interface ContactWrites {
  inserts: ContactRecord[];
  updates: ContactRecord[];
  deletes: string[];
}

/** Which contacts a job step reads before deciding: by email (imports) or by id (bulk). */
export type ContactSelection = { emails: string[] } | { ids: string[] };

/**
 * Plans one job step from the current state of the selected contacts. Runs
 * inside the step's transaction; it must not have side effects of its own.
 */
export type PlanJobStep = (existing: ContactRecord[]) => { writes: ContactWrites; progress: JobProgress };

/** Every project's jobs counted together, for metrics: no project appears in it. */
export interface JobCounts {
  byTypeAndState: { type: JobType; state: JobState; count: number }[];
  /** When the longest-waiting queued job was accepted; null when none is queued. */
  oldestQueuedAt: number | null;
}

export interface JobStore {
  /**
   * Rows a job applies per step. SQLite runs a step on the event loop that
   * every request shares, so its steps are small; PostgreSQL's run in the
   * database, and larger steps make fewer round trips.
   */
  readonly stepSize: number;
  /**
   * Stores the job (and its uploaded file) and makes it deliverable, in one
   * transaction; false, with nothing stored, when the project already has
   * `maxPending` jobs queued or running.
   */
  create(job: JobRecord, file?: Buffer, maxPending?: number): Promise<boolean>;
  /** How many of the project's jobs are queued or running. */
  countPending(projectId: string): Promise<number>;
  get(projectId: string, id: string): Promise<JobRecord | undefined>;
  /**
   * Takes the next job that is queued, or active under a lease that ran out
   * (or whose owner is listed in `abandonedBy`), of a project running fewer
   * than `runningPerProject` jobs, and leases it to workerId. Projects running
   * fewer jobs go first.
   */
  claim(workerId: string, leaseMs: number, abandonedBy?: string[], runningPerProject?: number): Promise<JobRecord | undefined>;
  /**
   * Whether a queued job of another project, running fewer jobs than this
   * one, has been waiting since before `since`: a long job then yields its slot.
   */
  othersWaiting(projectId: string, runningPerProject: number, since: number): Promise<boolean>;
  /** The owners of the leases on active jobs. */
  leaseOwners(): Promise<string[]>;
  /**
   * Calls `wake` whenever a job is delivered to this process by the store's
   * queue (jobs accepted by another process). Stores without one never call it.
   */
  subscribe(wake: () => void): Promise<void>;
  readFile(projectId: string, jobId: string): Promise<Buffer | undefined>;
  /** Extends a lease; false when the worker no longer holds the job. */
  renew(lease: JobLease): Promise<boolean>;
  /**
   * One step of a job: the contact writes and the job's progress commit in one
   * transaction, which also renews the lease. False, with nothing written,
   * when the lease was lost.
   */
  step(lease: JobLease, selection: ContactSelection, plan: PlanJobStep): Promise<boolean>;
  /** Gives a job back (still active, no owner) so any worker can take it at once; not a failed attempt. */
  release(lease: JobLease): Promise<void>;
  /** The project's jobs of these types, newest first, after the job `before` (exclusive) when given. */
  listPage(projectId: string, types: JobType[], limit: number, before?: string): Promise<JobRecord[]>;
  /** An import's failed rows (and its header, row 1) in row order, after row `afterRow`. */
  listFailures(projectId: string, jobId: string, afterRow: number, limit: number): Promise<ImportFailure[]>;
  /** Deletes jobs that finished before `time` (their failed rows with them); returns how many. */
  deleteFinishedBefore(time: number): Promise<number>;
  /** Jobs of all projects by type and state, in one grouped count (read when metrics are scraped). */
  countByTypeAndState(): Promise<JobCounts>;
}

/** An operator who may log in to the dashboard. */
export interface AdminRecord {
  id: string;
  /** Stored trimmed and lower-cased. */
  email: string;
  /** scrypt, with its parameters and salt (see domain/admins.ts). */
  passwordHash: string;
  createdAt: number;
}

/** A dashboard session: the cookie's token is stored only as its SHA-256. */
export interface SessionRecord {
  tokenHash: Buffer;
  adminId: string;
  /** The token every form of this session carries. */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface AdminStore {
  /** False, with nothing stored, when an operator already has this email. */
  create(admin: AdminRecord): Promise<boolean>;
  findByEmail(email: string): Promise<AdminRecord | undefined>;
  /** Every operator, oldest first. */
  list(): Promise<AdminRecord[]>;
  /** Deletes the operator and their sessions; false when there is none with this email. */
  delete(email: string): Promise<boolean>;
  createSession(session: SessionRecord): Promise<void>;
  /** The session and its operator, when the token names one that has not expired at `now`. */
  findSession(tokenHash: Buffer, now: number): Promise<{ session: SessionRecord; admin: AdminRecord } | undefined>;
  /** Ends every session of the operator (logout everywhere). */
  deleteSessions(adminId: string): Promise<void>;
  /** Counts a failed login against each key (an account, an address), at `at`. */
  recordLoginFailure(keys: string[], at: number): Promise<void>;
  /** Failed logins against the key since `since`. */
  countLoginFailures(key: string, since: number): Promise<number>;
  /** Forgets the failures of the key (a login that succeeded), and every failure older than `before`. */
  clearLoginFailures(key: string, before: number): Promise<void>;
}

/**
 * A file uploaded on the dashboard's import wizard, kept while the operator
 * previews it and chooses how to read it (any API process may serve the next
 * page). It belongs to one project and expires at `expiresAt`.
 */
export interface ImportDraftRecord {
  projectId: string;
  id: string;
  /** Bytes in the file. */
  size: number;
  createdAt: number;
  expiresAt: number;
}

export interface ImportDraftStore {
  /**
   * Stores the draft and its file. Drafts expired at `draft.createdAt` are
   * deleted in passing, and so are the project's oldest drafts beyond
   * `maxPerProject` (the new one counted).
   */
  create(draft: ImportDraftRecord, file: Buffer, maxPerProject: number): Promise<void>;
  /** The draft and its file, when the project has it and it has not expired at `now`. */
  read(projectId: string, id: string, now: number): Promise<{ draft: ImportDraftRecord; file: Buffer } | undefined>;
  /** Deletes the draft; false when there was none (already deleted, by another request maybe). */
  delete(projectId: string, id: string): Promise<boolean>;
}

/**
 * What an event says happened. The `contact.*` events are the change feed;
 * all five go to webhooks.
 */
export type EventType = 'contact.created' | 'contact.updated' | 'contact.deleted' | 'import.completed' | 'bulk.completed';

/**
 * One row of a project's outbox, written by the same transaction as the
 * change it records, so it exists exactly when the change was committed.
 * `seq` orders a project's events in commit order: a reader that has seen
 * `seq` n will never later see a new event of that project below n.
 */
export interface EventRecord {
  seq: number;
  type: EventType;
  /** When the change was made (epoch ms). */
  at: number;
  /**
   * The event's `data` as JSON text: for `contact.created|updated` the
   * contact after the change (the API's contact object), for
   * `contact.deleted` `{"id","email"}`, for the job events the job as
   * `GET /contacts/import/:id` or `GET /contacts/bulk/:id` shows it.
   */
  dataJson: string;
}

export interface EventStore {
  /**
   * The project's events after `afterSeq` of these types, in commit order, at
   * most `limit`: only committed ones, and never one that a later call could
   * place before an event already returned.
   */
  after(projectId: string, afterSeq: number, limit: number, types: readonly EventType[]): Promise<EventRecord[]>;
  /**
   * The highest `seq` of the project that retention has deleted (0 when none):
   * a reader whose position is below it has missed events.
   */
  purgedThrough(projectId: string): Promise<number>;
  /** Deletes every project's events made before `time`; how many went. */
  deleteBefore(time: number): Promise<number>;
  /** The `seq` of the project's newest committed event (0 when it has none): where a new reader starts to see only what comes next. */
  lastSeq(projectId: string): Promise<number>;
}

/** An event a write appends to its project's outbox; the store numbers it. */
export type NewEvent = Omit<EventRecord, 'seq'>;

/**
 * An endpoint that receives the project's events as signed POSTs. Its
 * signing secret is stored sealed (AES-256-GCM, webhooks/secret-box.ts):
 * `sealedSecret` is never the secret itself.
 */
export interface WebhookRecord {
  projectId: string;
  id: string;
  url: string;
  events: EventType[];
  sealedSecret: Buffer;
  enabled: boolean;
  /** When and why it stopped receiving (failing too long, or disabled through the API); null while enabled. */
  disabledAt: number | null;
  disabledReason: string | null;
  /** Since when every attempt has failed; null after a success. */
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What PATCH /webhooks/:id may change; `at` is the time of the change. */
export interface WebhookChange {
  url?: string;
  events?: EventType[];
  /** false: stops deliveries (`disabledReason` says why); true: resumes them where they stopped, at once. */
  enabled?: boolean;
  disabledReason?: string;
  at: number;
}

/**
 * Where an endpoint's deliveries stand. Every event up to `position` was
 * delivered (a 2xx); `pendingThrough`, when set, is the last seq of the
 * message being tried, so that each retry sends the very same events under
 * the same webhook-id.
 */
export interface WebhookCursor {
  position: number;
  pendingThrough: number | null;
  /** Failed attempts of the pending message so far. */
  attempts: number;
}

/** Proof that a worker holds an endpoint; every write of its deliveries checks it. */
export interface WebhookLease {
  projectId: string;
  webhookId: string;
  workerId: string;
}

/** One attempt to deliver a message, as GET /webhooks/:id/deliveries shows it. */
export interface WebhookDeliveryRecord {
  /** The webhook-id header: the same for every attempt of one message. */
  messageId: string;
  /** The message's type: an event type, or `contact.batch`. */
  type: string;
  eventCount: number;
  /** 1 for the first attempt of the message. */
  attempt: number;
  attemptedAt: number;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  /** The receiver's HTTP status; null when none came (timeout, refused address, connection failure). */
  responseStatus: number | null;
  /** The first 1 KiB of the receiver's answer, as text. */
  responseBody: string | null;
  /** Why the attempt failed, in words; null when it succeeded. */
  error: string | null;
  /** When the message is tried again; null after a success, or when the endpoint was disabled. */
  nextRetryAt: number | null;
}

/** The endpoint's state after an attempt, written with the attempt's record. */
export type WebhookOutcome =
  | { kind: 'delivered'; through: number; nextAttemptAt: number }
  | { kind: 'retry'; nextAttemptAt: number; failingSince: number }
  | { kind: 'disabled'; failingSince: number; reason: string; at: number };

export interface WebhookStore {
  /** Stores the endpoint; its deliveries start after `position` (the project's last event seq). */
  create(webhook: WebhookRecord, position: number): Promise<void>;
  /** The project's endpoints, oldest first. */
  list(projectId: string): Promise<WebhookRecord[]>;
  get(projectId: string, id: string): Promise<WebhookRecord | undefined>;
  /** Undefined when the project has no such endpoint. */
  update(projectId: string, id: string, change: WebhookChange): Promise<WebhookRecord | undefined>;
  /** Deletes the endpoint and its delivery log; false when there was none. */
  delete(projectId: string, id: string): Promise<boolean>;
  /** The endpoint's latest attempts, newest first (the log keeps the last 100). */
  listDeliveries(projectId: string, id: string, limit: number): Promise<WebhookDeliveryRecord[]>;
  /**
   * Leases to workerId the enabled endpoint due longest ago (its next attempt
   * time passed) that has a message pending or an event of its types after
   * its position, and is not leased, or leased by an owner in `abandonedBy`.
   */
  claim(workerId: string, leaseMs: number, abandonedBy?: string[]): Promise<{ webhook: WebhookRecord; cursor: WebhookCursor } | undefined>;
  /** The owners of the live leases. */
  leaseOwners(): Promise<string[]>;
  /** Records the message about to be sent (its last seq); false when the lease was lost. */
  hold(lease: WebhookLease, pendingThrough: number): Promise<boolean>;
  /**
   * Records an attempt, moves the endpoint on as `outcome` says, and gives
   * the lease back, in one transaction; false, with nothing written, when
   * the lease was lost.
   */
  finish(lease: WebhookLease, delivery: WebhookDeliveryRecord, outcome: WebhookOutcome): Promise<boolean>;
  /**
   * Gives the lease back without an attempt; the endpoint is due again at
   * `nextAttemptAt`. With `skipThrough`, its position moves on to that seq
   * (and no message is pending): no event up to it is of its types.
   */
  release(lease: WebhookLease, nextAttemptAt: number, skipThrough?: number): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly projects: ProjectStore;
  readonly admins: AdminStore;
  readonly keys: KeyStore;
  readonly contacts: ContactStore;
  readonly jobs: JobStore;
  readonly importDrafts: ImportDraftStore;
  readonly events: EventStore;
  readonly webhooks: WebhookStore;
  /** Brings the schema to the current version; safe when several processes call it at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /**
   * After a large import: lets the database's planner see the contacts table
   * as it now is (PostgreSQL: ANALYZE, for servers whose autovacuum is off or
   * behind; SQLite's queries name their indexes and need nothing).
   */
  refreshStatistics(): Promise<void>;
  close(): Promise<void>;
}
