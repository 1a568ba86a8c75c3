// What a job handler is given, and what it reports back to the runner.
import type { Logger } from 'pino';
import type { JobLease, JobRecord, Store } from '../domain/store.js';
import { nextTurn } from '../domain/pacer.js';

export interface JobContext {
  store: Store;
  job: JobRecord;
  lease: JobLease;
  logger: Logger;
  /** True once the runner is shutting down: stop after the current step. */
  stopping(): boolean;
  /** True when another project's job has waited for a slot: a long job yields between steps. */
  othersWaiting(): Promise<boolean>;
}

/**
 * done: the job ended (completed or failed); stopped: asked to stop between
 * steps; yielded: gave its slot to a waiting job of another project, to be
 * resumed by whichever worker is free next; lost: the lease went to another worker.
 */
export type JobOutcome = 'done' | 'stopped' | 'yielded' | 'lost';

export type JobHandler = (context: JobContext) => Promise<JobOutcome>;

/** Lets HTTP requests run between a job's steps. */
export const yieldToEventLoop = nextTurn;

/** Ends a job as failed, with no contact writes. */
export async function failJob(context: JobContext, reason: string): Promise<JobOutcome> {
  const { job, lease, store } = context;
  const ok = await store.jobs.step(lease, { ids: [] }, () => ({
    writes: { inserts: [], updates: [], deletes: [] },
    progress: {
      progress: job.progress,
      resultJson: job.resultJson,
      outcome: { state: 'failed', failedReason: reason },
    },
  }));
  return ok ? 'done' : 'lost';
}
