// What the job side tells Prometheus: how long jobs wait for a worker, the
// rows imports commit by outcome, and (read from the store when scraped) how
// many jobs there are of each type and state. Labels are types, states and
// outcomes only: never a project.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ImportResult } from '../domain/import/plan.js';
import type { JobRecord, JobState, JobType, Store } from '../domain/store.js';
import { registry } from '../metrics.js';

const JOB_TYPES = Object.keys({
  import: true,
  'bulk-subscribe': true,
  'bulk-unsubscribe': true,
  'bulk-delete': true,
} satisfies Record<JobType, true>) as JobType[];
const JOB_STATES = Object.keys({ queued: true, active: true, completed: true, failed: true } satisfies Record<JobState, true>) as JobState[];

const queueWait = new Histogram({
  name: 'rolodex_job_queue_wait_seconds',
  help: 'Time from a job being accepted to its first claim by a worker, observed at the claim',
  labelNames: ['type'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

const importedRows = new Counter({
  name: 'rolodex_import_rows_total',
  help: 'Rows committed by import jobs, by outcome (created, updated, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
// Constant label sets: every outcome is a series from the start, at 0.
const CREATED = { outcome: 'created' };
const UPDATED = { outcome: 'updated' };
const FAILED = { outcome: 'failed' };
for (const outcome of [CREATED, UPDATED, FAILED]) importedRows.inc(outcome, 0);

const jobs = new Gauge({
  name: 'rolodex_jobs',
  help: 'Jobs of every project by type and state, counted in the store when scraped (finished jobs until their retention ends)',
  labelNames: ['type', 'state'] as const,
  registers: [registry],
});
const queued = new Gauge({
  name: 'rolodex_jobs_queued',
  help: 'Jobs accepted and not yet taken by any worker (NaN when the store could not be read)',
  registers: [registry],
});
const oldestQueuedAge = new Gauge({
  name: 'rolodex_jobs_oldest_queued_age_seconds',
  help: 'How long the longest-waiting queued job has waited; 0 when none waits (NaN when the store could not be read)',
  registers: [registry],
});

/**
 * Queue wait of a job just claimed, on its first claim only: a claim that
 * began at `claimStartedAt` and stamped the job as started no earlier. A job
 * taken over after a crash or a yield keeps its first start, and is not
 * counted again.
 */
export function observeClaim(job: JobRecord, claimStartedAt: number): void {
  if (job.startedAt === null || job.startedAt < claimStartedAt) return;
  // The API's clock stamped createdAt; another host's may run ahead of ours.
  queueWait.observe({ type: job.type }, Math.max(0, job.startedAt - job.createdAt) / 1000);
}

/** Rows one import step committed: the difference it made to the job's counts. */
export function countImportedRows(before: ImportResult, after: ImportResult): void {
  importedRows.inc(CREATED, after.createdCount - before.createdCount);
  importedRows.inc(UPDATED, after.updatedCount - before.updatedCount);
  importedRows.inc(FAILED, after.failureCount - before.failureCount);
}

/**
 * Sets the job gauges from one grouped count in the store. When the store
 * cannot answer, the gauges say "unknown" (no series, NaN) rather than keep
 * stale numbers or claim an empty queue; the error goes to the caller.
 */
export async function refreshJobGauges(store: Store): Promise<void> {
  let counts;
  try {
    counts = await store.jobs.countByTypeAndState();
  } catch (error) {
    jobs.reset();
    queued.set(NaN);
    oldestQueuedAge.set(NaN);
    throw error;
  }
  jobs.reset();
  for (const type of JOB_TYPES) for (const state of JOB_STATES) jobs.set({ type, state }, 0);
  let queuedCount = 0;
  for (const { type, state, count } of counts.byTypeAndState) {
    jobs.set({ type, state }, count);
    if (state === 'queued') queuedCount += count;
  }
  queued.set(queuedCount);
  oldestQueuedAge.set(counts.oldestQueuedAt === null ? 0 : Math.max(0, Date.now() - counts.oldestQueuedAt) / 1000);
}
