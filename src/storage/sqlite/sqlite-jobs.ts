// Jobs on SQLite: the jobs table is the queue. A worker leases a job with an
// expiry, and every step (contact writes and counters) is one
// IMMEDIATE transaction that first checks the lease, so a worker that lost
// its job can never write for it.
import type { Database as Db, Statement } from 'better-sqlite3';
import type {
  ContactRecord, ContactSelection, ImportFailure, JobCounts, JobLease, JobRecord, JobState, JobStore, JobType, PlanJobStep,
} from '../../domain/store.js';
import { jobQueries as q } from './queries.js';
import { toContact, toJob, type ContactRow, type JobRow } from '../rows.js';
import { writeTransaction } from './write-transaction.js';
import { readFileParts, writeFileParts } from './file-parts.js';
import type { SqliteEventStore } from './sqlite-events.js';
import { jobEndedEvent, jobStepEvents } from '../../domain/events.js';

/** Parts of an upload with no job after this long are from a process that died mid-upload. */
const ORPHANED_PART_MS = 60 * 60 * 1000;

/** A contact as the JSON tuple the batch statements read with `value ->> n`. */
function contactTuple(c: ContactRecord): unknown[] {
  return [c.id, c.email, c.subscribed ? 1 : 0, c.dataJson, c.createdAt, c.updatedAt];
}

/** SQLite binds integers only: "no cap" is the largest one. */
function capOf(limit: number): number {
  return Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER;
}

export class SqliteJobStore implements JobStore {
  // A step runs on the event loop: 500 rows held it for 30 ms and more on a
  // busy machine, 250 for about half (docs/benchmarks.md, "hostile").
  readonly stepSize = 250;
  constructor(
    private readonly db: Db,
    private readonly statement: (sql: string) => Statement,
    private readonly events: SqliteEventStore,
  ) {}

  /**
   * The file's parts first, each in its own transaction on its own turn of
   * the event loop, then the job row that makes them a job's: a worker never
   * sees a job whose file is incomplete.
   */
  async create(job: JobRecord, file?: Buffer, maxPending = Infinity): Promise<boolean> {
    if (file && this.pending(job.projectId) >= maxPending) return false;
    if (file) {
      await writeFileParts(this.db, file, (part, content) =>
        this.statement(q.job_file_parts_insert).run(job.projectId, job.id, part, content, Date.now()),
      );
    }
    const created = writeTransaction(this.db, () => {
      if (this.pending(job.projectId) >= maxPending) return false;
      this.statement(q.jobs_insert).run(job);
      return true;
    });
    if (!created && file) writeTransaction(this.db, () => this.statement(q.job_file_parts_delete).run(job.projectId, job.id));
    return created;
  }

  async countPending(projectId: string): Promise<number> {
    return this.pending(projectId);
  }

  private pending(projectId: string): number {
    return (this.statement(q.jobs_count_pending).get(projectId) as { n: number }).n;
  }

  async get(projectId: string, id: string): Promise<JobRecord | undefined> {
    const row = this.statement(q.jobs_get).get(projectId, id) as JobRow | undefined;
    return row && toJob(row);
  }

  async claim(workerId: string, leaseMs: number, abandonedBy: string[] = [], runningPerProject = Infinity): Promise<JobRecord | undefined> {
    return writeTransaction(this.db, () => {
      const now = Date.now();
      const cap = capOf(runningPerProject);
      const next = this.statement(q.jobs_next).get({ now, abandoned: JSON.stringify(abandonedBy), cap }) as
        | { project_id: string; id: string }
        | undefined;
      if (!next) return undefined;
      const row = this.statement(q.jobs_claim).get({
        workerId, until: now + leaseMs, now, projectId: next.project_id, id: next.id,
      }) as JobRow;
      return toJob(row);
    });
  }

  async othersWaiting(projectId: string, runningPerProject: number, since: number): Promise<boolean> {
    const now = Date.now();
    return this.statement(q.jobs_others_waiting).get({ projectId, now, before: since, cap: capOf(runningPerProject) }) !== undefined;
  }

  async leaseOwners(): Promise<string[]> {
    return (this.statement(q.jobs_lease_owners).all() as { locked_by: string }[]).map((row) => row.locked_by);
  }

  async subscribe(): Promise<void> {
    // The jobs table is the queue: idle workers poll it, and an API in the
    // same process wakes its worker directly.
  }

  /** The file, a part per turn of the event loop, copied into one buffer. */
  async readFile(projectId: string, jobId: string): Promise<Buffer | undefined> {
    const parts = this.statement(q.job_file_parts_sizes).all(projectId, jobId) as { part: number; size: number }[];
    if (parts.length === 0) return undefined;
    // A part gone meanwhile: the job ended.
    return readFileParts(parts, (part) => (this.statement(q.job_file_parts_get).get(projectId, jobId, part) as { content: Buffer } | undefined)?.content);
  }

  async renew(lease: JobLease): Promise<boolean> {
    const until = Date.now() + lease.leaseMs;
    return writeTransaction(this.db, () => this.statement(q.jobs_renew).run(until, lease.projectId, lease.jobId, lease.workerId).changes === 1);
  }

  async step(lease: JobLease, selection: ContactSelection, plan: PlanJobStep): Promise<boolean> {
    const { projectId, jobId } = lease;
    return writeTransaction(this.db, () => {
      if (!this.statement(q.jobs_holds_lease).get(projectId, jobId, lease.workerId)) return false;
      const existing = this.selectContacts(projectId, selection);
      const { writes, progress } = plan(existing);
      const now = Date.now();
      const events = jobStepEvents(writes, existing, now);
      if (writes.deletes.length > 0) {
        this.statement(q.contacts_delete_batch).run(projectId, JSON.stringify(writes.deletes));
      }
      const upserts = [...writes.updates, ...writes.inserts];
      if (upserts.length > 0) {
        this.statement(q.contacts_write_batch).run(projectId, JSON.stringify(upserts.map(contactTuple)));
      }
      this.statement(q.jobs_progress).run({
        progress: progress.progress,
        resultJson: progress.resultJson,
        resumeAtJson: progress.resumeAtJson ?? null,
        until: now + lease.leaseMs,
        projectId,
        id: jobId,
      });
      // One statement per failed row: a row's source can be megabytes, and
      // encoding it into one JSON batch for SQLite to parse back cost more
      // (on the event loop) than the rows' own inserts.
      for (const failure of progress.failures ?? []) {
        this.statement(q.import_failures_insert).run(projectId, jobId, failure.row, failure.error, failure.source);
      }
      if (progress.outcome) {
        const ended = this.statement(q.jobs_finish).get({ ...progress.outcome, now, projectId, id: jobId }) as JobRow;
        this.statement(q.job_file_parts_delete).run(projectId, jobId);
        events.push(jobEndedEvent(toJob(ended)));
      }
      this.events.append(projectId, events);
      return true;
    });
  }

  async release(lease: JobLease): Promise<void> {
    writeTransaction(this.db, () => this.statement(q.jobs_release).run(lease.projectId, lease.jobId, lease.workerId));
  }

  async listPage(projectId: string, types: JobType[], limit: number, before?: string): Promise<JobRecord[]> {
    const rows = this.statement(q.jobs_list_page).all(projectId, JSON.stringify(types), before ?? '~', limit) as JobRow[];
    return rows.map(toJob);
  }

  async listFailures(projectId: string, jobId: string, afterRow: number, limit: number): Promise<ImportFailure[]> {
    return this.statement(q.import_failures_list).all(projectId, jobId, afterRow, limit) as ImportFailure[];
  }

  async deleteFinishedBefore(time: number): Promise<number> {
    return writeTransaction(this.db, () => {
      this.statement(q.job_file_parts_delete_finished).run(time);
      this.statement(q.job_file_parts_delete_orphaned).run(Date.now() - ORPHANED_PART_MS);
      this.statement(q.import_failures_delete_finished).run(time);
      return this.statement(q.jobs_delete_finished).run(time).changes;
    });
  }

  async countByTypeAndState(): Promise<JobCounts> {
    const rows = this.statement(q.jobs_count_by_type_and_state).all() as
      { type: JobType; state: JobState; n: number; oldest_queued_at: number | null }[];
    // Several types can have queued jobs: the oldest of them all.
    const queuedSince = rows.flatMap((row) => (row.oldest_queued_at === null ? [] : [row.oldest_queued_at]));
    return {
      byTypeAndState: rows.map(({ type, state, n }) => ({ type, state, count: n })),
      oldestQueuedAt: queuedSince.length > 0 ? Math.min(...queuedSince) : null,
    };
  }

  /** Contacts by email, outside any job step (the import preview reads them). */
  selectByEmails(projectId: string, emails: string[]): ContactRecord[] {
    return this.selectContacts(projectId, { emails });
  }

  private selectContacts(projectId: string, selection: ContactSelection): ContactRecord[] {
    const [sql, values] = 'emails' in selection
      ? [q.contacts_select_by_emails, selection.emails]
      : [q.contacts_select_by_ids, selection.ids];
    if (values.length === 0) return [];
    return (this.statement(sql).all(projectId, JSON.stringify(values)) as ContactRow[]).map(toContact);
  }
}
