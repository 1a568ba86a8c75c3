// Runs an import: reads the stored file past the records already processed
// and applies it in batches. Each batch (its contact writes, the job's
// counters and its failed rows) commits in one transaction, so a worker
// killed at any instant resumes, from processedRows, with every row applied
// exactly once. What the rows mean is the domain's (src/domain/import/).
import { addCounts, emailsOf, planImportBatch, progressOf, type ImportResult } from '../domain/import/plan.js';
import { openFile, type ImportLayout, type ImportRow, type RowError } from '../domain/import/read-file.js';
import type { ImportFailure } from '../domain/store.js';
import { failJob, yieldToEventLoop, type JobContext, type JobOutcome } from './job-context.js';
import { countImportedRows } from './job-metrics.js';

/** Contacts an import must create before the database's statistics are refreshed. */
const LARGE_IMPORT = 10_000;

export async function runImportJob(context: JobContext): Promise<JobOutcome> {
  const { store, job, lease } = context;
  const file = await store.jobs.readFile(job.projectId, job.id);
  if (!file) return failJob(context, 'The uploaded file is no longer available');
  const layout = JSON.parse(job.payloadJson) as ImportLayout;
  const opened = await openFile(file, layout);
  let result = JSON.parse(job.resultJson) as ImportResult;

  const applyBatch = async (batch: (ImportRow | RowError)[], final: boolean): Promise<boolean> => {
    let next = result;
    const applied = await store.jobs.step(lease, { emails: emailsOf(batch) }, (existing) => {
      const { writes, counts } = planImportBatch(existing, batch, layout.options);
      next = addCounts(result, counts, batch.length);
      const failures: ImportFailure[] = counts.failures.map(({ row, error, source }) => ({ row, error, source }));
      // The header goes with the first batch, so errors.csv has it once the file is gone.
      if (result.processedRows === 0 && opened.headerSource !== null) failures.unshift({ row: 1, error: '', source: opened.headerSource });
      return {
        writes,
        progress: {
          progress: final ? 100 : progressOf(next),
          resultJson: JSON.stringify(next),
          failures,
          outcome: final ? { state: 'completed', failedReason: null } : undefined,
        },
      };
    });
    if (applied) {
      countImportedRows(result, next);
      result = next;
    }
    return applied;
  };

  // The records already applied are exactly the ones counted as processed.
  let batch: (ImportRow | RowError)[] = [];
  for (const row of opened.rows(result.processedRows)) {
    if (!row) {
      await yieldToEventLoop();
      continue;
    }
    batch.push(row);
    if (batch.length < store.jobs.stepSize) continue;
    if (!(await applyBatch(batch, false))) return 'lost';
    batch = [];
    if (context.stopping()) return 'stopped';
    if (await context.othersWaiting()) return 'yielded';
    await yieldToEventLoop();
  }
  if (!(await applyBatch(batch, true))) return 'lost';
  // A table that grew a lot is planned from stale statistics until analyzed
  // (autovacuum may be off, or late). The job has ended: the worker moves on.
  if (result.createdCount >= LARGE_IMPORT) void store.refreshStatistics().catch(() => {});
  return 'done';
}
