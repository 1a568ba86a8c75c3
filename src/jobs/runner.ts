// The job worker: a few slots that each lease a job from the store, run it
// step by step, and go back for the next. Nothing about a job lives only
// here: a job whose worker dies is taken over once its lease runs out (at
// once, when the owning process is surely gone: see worker-identity.ts).
import type { Logger } from 'pino';
import type { JobLease, JobRecord, JobType, Store } from '../domain/store.js';
import { runBulkJob } from './bulk-job.js';
import { runImportJob } from './import-job.js';
import { failJob, type JobHandler } from './job-context.js';
import { observeClaim } from './job-metrics.js';
import { newWorkerId, ownerIsGone } from './worker-identity.js';
import { Naps } from './naps.js';

const HANDLERS: Record<JobType, JobHandler> = {
  import: runImportJob,
  'bulk-subscribe': runBulkJob,
  'bulk-unsubscribe': runBulkJob,
  'bulk-delete': runBulkJob,
};

/** A job that has failed this many attempts (crashes included) fails for good. */
const MAX_ATTEMPTS = 5;
const HOUR = 60 * 60 * 1000;

export interface RunnerOptions {
  store: Store;
  logger: Logger;
  concurrency?: number;
  /** How long a lease lasts without renewal; another worker takes the job over after it. */
  leaseMs?: number;
  /** How often an idle slot looks for work. */
  pollMs?: number;
  retentionDays?: number;
  /** How long the change feed's events are kept (CHANGE_RETENTION_DAYS). */
  changeRetentionDays?: number;
  /** Jobs of one project that run at once, across every worker (JOBS_RUNNING_PER_PROJECT). */
  runningPerProject?: number;
  /** A queued job of another project waiting this long makes a long job yield its slot (default 1 s). */
  waitBeforeYieldMs?: number;
}

export class JobRunner {
  readonly workerId = newWorkerId();
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly retentionDays: number;
  private readonly changeRetentionDays: number;
  private readonly runningPerProject: number;
  private readonly waitBeforeYieldMs: number;
  private readonly held = new Map<string, JobLease>();
  private readonly naps = new Naps();
  private slots: Promise<void>[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private renewing = false;
  private abandoned: { at: number; owners: Promise<string[]> } | undefined;

  constructor(options: RunnerOptions) {
    this.store = options.store;
    this.logger = options.logger.child({ component: 'worker' });
    this.concurrency = options.concurrency ?? 4;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 500;
    this.retentionDays = options.retentionDays ?? 7;
    this.changeRetentionDays = options.changeRetentionDays ?? 7;
    this.runningPerProject = options.runningPerProject ?? Infinity;
    this.waitBeforeYieldMs = options.waitBeforeYieldMs ?? 1000;
  }

  start(): void {
    this.logger.info({ workerId: this.workerId, concurrency: this.concurrency }, 'worker started');
    for (let i = 0; i < this.concurrency; i++) this.slots.push(this.work());
    this.store.jobs.subscribe(() => this.wake()).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'no job deliveries; finding jobs by polling only');
    });
    this.timers.push(setInterval(() => void this.renewLeases(), Math.max(100, this.leaseMs / 3)));
    this.timers.push(setInterval(() => void this.deleteExpired(), HOUR));
    void this.deleteExpired();
  }

  /**
   * Wakes idle slots: a job was just queued. On the next turn of the event
   * loop, not inside the request that queued it: claiming and opening the job
   * there would add its cost to the request's own turn.
   */
  wake(): void {
    setImmediate(() => {
      this.naps.wakeAll();
    });
  }

  /** Finishes the current step of every running job, gives the jobs back, and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.all(this.slots);
    for (const timer of this.timers) clearInterval(timer);
    this.logger.info('worker stopped');
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      let job: JobRecord | undefined;
      const claimStartedAt = Date.now();
      try {
        job = await this.store.jobs.claim(this.workerId, this.leaseMs, await this.abandonedOwners(), this.runningPerProject);
      } catch (error) {
        this.logger.error({ err: error }, 'could not claim a job');
      }
      if (job) {
        observeClaim(job, claimStartedAt);
        await this.run(job);
      } else {
        await this.naps.sleep(this.pollMs);
      }
    }
  }

  private async run(job: JobRecord): Promise<void> {
    const lease: JobLease = { projectId: job.projectId, jobId: job.id, workerId: this.workerId, leaseMs: this.leaseMs };
    const key = `${job.projectId}/${job.id}`;
    const log = this.logger.child({ jobId: job.id, projectId: job.projectId, type: job.type });
    const context = {
      store: this.store,
      job,
      lease,
      logger: log,
      stopping: () => this.stopping,
      othersWaiting: () =>
        this.store.jobs.othersWaiting(job.projectId, this.runningPerProject, Date.now() - this.waitBeforeYieldMs),
    };
    this.held.set(key, lease);
    try {
      log.info({ attempt: job.attempts }, 'job started');
      const outcome =
        job.attempts > MAX_ATTEMPTS
          ? await failJob(context, `The job failed ${MAX_ATTEMPTS} times and was given up`)
          : await HANDLERS[job.type](context);
      if (outcome === 'stopped' || outcome === 'yielded') await this.store.jobs.release(lease);
      log.info({ outcome }, 'job step ended');
    } catch (error) {
      // Keep the lease without renewing it: the job is retried once it runs
      // out, which spaces the attempts rather than spinning on a fault.
      log.error({ err: error }, 'job attempt failed');
    } finally {
      this.held.delete(key);
    }
  }

  /**
   * Lease owners on this host whose process is gone. Looked up at most once
   * per poll interval for all slots together: every idle slot asks each time
   * it polls, and the answer changes only when a process dies.
   */
  private abandonedOwners(): Promise<string[]> {
    const now = Date.now();
    if (!this.abandoned || now - this.abandoned.at >= this.pollMs) {
      const owners = this.store.jobs.leaseOwners().then((all) => all.filter(ownerIsGone));
      this.abandoned = { at: now, owners };
      owners.catch(() => (this.abandoned = undefined));
    }
    return this.abandoned.owners;
  }

  private async renewLeases(): Promise<void> {
    if (this.renewing) return; // the last round is still waiting on the database
    this.renewing = true;
    try {
      for (const lease of this.held.values()) {
        try {
          await this.store.jobs.renew(lease);
        } catch (error) {
          this.logger.warn({ err: error, jobId: lease.jobId }, 'could not renew a lease');
        }
      }
    } finally {
      this.renewing = false;
    }
  }

  /** Finished jobs and change feed events past their retention. */
  private async deleteExpired(): Promise<void> {
    try {
      const deleted = await this.store.jobs.deleteFinishedBefore(Date.now() - this.retentionDays * 24 * HOUR);
      if (deleted > 0) this.logger.info({ deleted }, 'deleted expired jobs');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete expired jobs');
    }
    try {
      const deleted = await this.store.events.deleteBefore(Date.now() - this.changeRetentionDays * 24 * HOUR);
      if (deleted > 0) this.logger.info({ deleted }, 'deleted expired events');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete expired events');
    }
  }
}
