// Jobs on PostgreSQL: the jobs table holds every job's state, lease and
// progress; pg-boss carries the delivery (see delivery.ts). Each step locks
// the job row and checks the lease first, so a worker that lost its job can
// never write for it, and its contact writes commit with the job's counters.
//
// A job's reads and writes for its project count toward that project's share
// of the pool (project-gate.ts), so an import cannot take more connections
// than the project's requests could. They go ahead of the project's waiting
// requests, though: a worker then waits for one slot, not for a queue of
// searches, and its steps do not fail (and use up attempts) behind them.
// Lease upkeep (renew, release) and the cross-project claim and cleanup are
// one short statement each and charge no project: a lease must not lapse
// because its own project is busy.
import { readByteaInParts } from './file-parts.js';
import type pg from 'pg';
import type {
  ContactRecord, ContactSelection, ImportFailure, JobCounts, JobLease, JobRecord, JobState, JobStore, JobType, PlanJobStep,
} from '../../domain/store.js';
import { guarded, transaction } from './database.js';
import type { JobDelivery } from './delivery.js';
import type { ProjectGate } from './project-gate.js';
import { queries as q } from './queries.js';
import { toContact, toJob, type ContactRow, type JobRow } from '../rows.js';
import { appendEvents } from './postgres-events.js';
import { jobEndedEvent, jobStepEvents } from '../../domain/events.js';

/** An insert lost a race with a concurrent write of the same email: redo the step. */
class StepConflict extends Error {}

/** A per-project cap as a bind value: "no cap" is the largest integer PostgreSQL takes. */
function capOf(limit: number): number {
  return Number.isFinite(limit) ? limit : 2 ** 31 - 1;
}


export class PostgresJobStore implements JobStore {
  // More rows per round trip than SQLite's steps, but a step's planning runs
  // on the event loop: 2,000 rows held it for 40 ms, 1,000 for about 20.
  readonly stepSize = 1000;
  constructor(
    private readonly pool: pg.Pool,
    private readonly delivery: JobDelivery,
    private readonly gate: ProjectGate,
  ) {}

  async create(job: JobRecord, file?: Buffer, maxPending = Infinity): Promise<boolean> {
    return this.gate.run(job.projectId, () => transaction(this.pool, async (client) => {
      if (Number.isFinite(maxPending)) {
        await client.query({ name: 'jobs_project_lock', text: q.jobs_project_lock, values: [job.projectId] });
        if ((await this.pending(client, job.projectId)) >= maxPending) return false;
      }
      await client.query({
        name: 'jobs_insert',
        text: q.jobs_insert,
        values: [job.projectId, job.id, job.type, job.state, job.payloadJson, job.progress, job.resultJson, job.createdAt],
      });
      if (file) await client.query({ name: 'job_files_insert', text: q.job_files_insert, values: [job.projectId, job.id, file] });
      await this.delivery.send(client, { projectId: job.projectId, jobId: job.id });
      return true;
    }));
  }

  async countPending(projectId: string): Promise<number> {
    return this.gate.run(projectId, () => guarded(() => this.pending(this.pool, projectId)));
  }

  /** One named statement of a project's, through the project's share of the pool. */
  private inProject<R extends pg.QueryResultRow>(
    projectId: string,
    name: keyof typeof q,
    values: unknown[],
    urgency?: { urgent: boolean },
  ): Promise<pg.QueryResult<R>> {
    return this.gate.run(projectId, () => guarded(() => this.pool.query<R>({ name, text: q[name], values })), urgency);
  }

  private async pending(client: pg.Pool | pg.PoolClient, projectId: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>({ name: 'jobs_count_pending', text: q.jobs_count_pending, values: [projectId] });
    return rows[0]?.n ?? 0;
  }

  async get(projectId: string, id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.inProject<JobRow>(projectId, 'jobs_get', [projectId, id]);
    return rows[0] && toJob(rows[0]);
  }

  async claim(workerId: string, leaseMs: number, abandonedBy: string[] = [], runningPerProject = Infinity): Promise<JobRecord | undefined> {
    const cap = capOf(runningPerProject);
    return transaction(this.pool, async (client) => {
      await client.query({ name: 'jobs_claim_lock', text: q.jobs_claim_lock });
      const now = Date.now();
      const { rows } = await client.query<JobRow>({
        name: 'jobs_claim',
        text: q.jobs_claim,
        values: [workerId, now + leaseMs, now, abandonedBy, cap],
      });
      return rows[0] && toJob(rows[0]);
    });
  }

  async othersWaiting(projectId: string, runningPerProject: number, since: number): Promise<boolean> {
    const cap = capOf(runningPerProject);
    const { rowCount } = await guarded(() =>
      this.pool.query({ name: 'jobs_others_waiting', text: q.jobs_others_waiting, values: [projectId, Date.now(), since, cap] }),
    );
    return rowCount === 1;
  }

  async leaseOwners(): Promise<string[]> {
    const { rows } = await guarded(() => this.pool.query<{ locked_by: string }>(q.jobs_lease_owners));
    return rows.map((row) => row.locked_by);
  }

  async subscribe(wake: () => void): Promise<void> {
    await this.delivery.subscribe(wake);
  }

  /** The file, a part per statement, into one buffer (file-parts.ts). */
  async readFile(projectId: string, jobId: string): Promise<Buffer | undefined> {
    const { rows } = await this.inProject<{ size: number }>(projectId, 'job_files_size', [projectId, jobId], { urgent: true });
    if (rows.length === 0) return undefined;
    // A part gone meanwhile: the job ended.
    return readByteaInParts(rows[0]!.size, async (from, length) =>
      (await this.inProject<{ part: Buffer }>(projectId, 'job_files_part', [projectId, jobId, from, length], { urgent: true })).rows[0]?.part,
    );
  }

  async renew(lease: JobLease): Promise<boolean> {
    const { rowCount } = await guarded(() =>
      this.pool.query(q.jobs_renew, [Date.now() + lease.leaseMs, lease.projectId, lease.jobId, lease.workerId]),
    );
    return rowCount === 1;
  }

  async step(lease: JobLease, selection: ContactSelection, plan: PlanJobStep): Promise<boolean> {
    return this.gate.run(lease.projectId, async () => {
      for (;;) {
        try {
          return await transaction(this.pool, (client) => this.stepOnce(client, lease, selection, plan));
        } catch (error) {
          if (!(error instanceof StepConflict)) throw error;
        }
      }
    }, { urgent: true });
  }

  async release(lease: JobLease): Promise<void> {
    await guarded(() => this.pool.query(q.jobs_release, [lease.projectId, lease.jobId, lease.workerId]));
  }

  async listPage(projectId: string, types: JobType[], limit: number, before?: string): Promise<JobRecord[]> {
    const { rows } = await this.inProject<JobRow>(projectId, 'jobs_list_page', [projectId, types, before ?? null, limit]);
    return rows.map(toJob);
  }

  async listFailures(projectId: string, jobId: string, afterRow: number, limit: number): Promise<ImportFailure[]> {
    const { rows } = await this.inProject<ImportFailure>(projectId, 'import_failures_list', [projectId, jobId, afterRow, limit]);
    return rows;
  }

  async deleteFinishedBefore(time: number): Promise<number> {
    return transaction(this.pool, async (client) => {
      await client.query(q.job_files_delete_finished, [time]);
      await client.query(q.import_failures_delete_finished, [time]);
      return (await client.query(q.jobs_delete_finished, [time])).rowCount ?? 0;
    });
  }

  /** Across projects, so charged to none (as the claim is). */
  async countByTypeAndState(): Promise<JobCounts> {
    const { rows } = await guarded(() =>
      this.pool.query<{ type: JobType; state: JobState; n: number; oldest_queued_at: number | null }>({
        name: 'jobs_count_by_type_and_state',
        text: q.jobs_count_by_type_and_state,
      }),
    );
    // Several types can have queued jobs: the oldest of them all.
    const queuedSince = rows.flatMap((row) => (row.oldest_queued_at === null ? [] : [row.oldest_queued_at]));
    return {
      byTypeAndState: rows.map(({ type, state, n }) => ({ type, state, count: n })),
      oldestQueuedAt: queuedSince.length > 0 ? Math.min(...queuedSince) : null,
    };
  }

  private async stepOnce(client: pg.PoolClient, lease: JobLease, selection: ContactSelection, plan: PlanJobStep): Promise<boolean> {
    const { projectId, jobId } = lease;
    const held = await client.query({ name: 'jobs_lock_leased', text: q.jobs_lock_leased, values: [projectId, jobId, lease.workerId] });
    if (held.rowCount !== 1) return false;

    const existing = await this.lockContacts(client, projectId, selection);
    const { writes, progress } = plan(existing);
    const now = Date.now();
    const events = jobStepEvents(writes, existing, now);
    if (writes.deletes.length > 0) {
      await client.query({ name: 'contacts_delete_batch', text: q.contacts_delete_batch, values: [projectId, writes.deletes] });
    }
    if (writes.updates.length > 0) {
      const u = writes.updates;
      await client.query({
        name: 'contacts_update_batch',
        text: q.contacts_update_batch,
        values: [projectId, u.map((c) => c.id), u.map((c) => c.subscribed), u.map((c) => c.dataJson), u.map((c) => c.updatedAt)],
      });
    }
    if (writes.inserts.length > 0) {
      const n = writes.inserts;
      const { rowCount } = await client.query({
        name: 'contacts_insert_batch',
        text: q.contacts_insert_batch,
        values: [
          projectId, n.map((c) => c.id), n.map((c) => c.email), n.map((c) => c.subscribed),
          n.map((c) => c.dataJson), n.map((c) => c.createdAt), n.map((c) => c.updatedAt),
        ],
      });
      // Someone created one of these emails since we looked: plan again.
      if (rowCount !== n.length) throw new StepConflict();
    }
    await client.query({
      name: 'jobs_progress',
      text: q.jobs_progress,
      values: [projectId, jobId, progress.progress, progress.resultJson, now + lease.leaseMs, progress.resumeAtJson ?? null],
    });
    if (progress.failures && progress.failures.length > 0) {
      const f = progress.failures;
      await client.query({
        name: 'import_failures_insert',
        text: q.import_failures_insert,
        values: [projectId, jobId, JSON.stringify(f)],
      });
    }
    if (progress.outcome) {
      const ended = await client.query<JobRow>({
        name: 'jobs_finish',
        text: q.jobs_finish,
        values: [projectId, jobId, progress.outcome.state, progress.outcome.failedReason, now],
      });
      await client.query({ name: 'job_files_delete', text: q.job_files_delete, values: [projectId, jobId] });
      events.push(jobEndedEvent(toJob(ended.rows[0]!)));
    }
    // Last: it takes the project's event head, held until COMMIT (see queries.ts, headAdvance).
    await appendEvents(client, projectId, events);
    return true;
  }

  private async lockContacts(client: pg.PoolClient, projectId: string, selection: ContactSelection): Promise<ContactRecord[]> {
    const [name, values] = 'emails' in selection
      ? (['contacts_lock_by_emails', selection.emails] as const)
      : (['contacts_lock_by_ids', selection.ids] as const);
    if (values.length === 0) return [];
    const { rows } = await client.query<ContactRow>({ name, text: q[name], values: [projectId, values] });
    return rows.map(toContact);
  }
}
