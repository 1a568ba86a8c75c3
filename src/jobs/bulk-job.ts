// Runs a bulk subscribe, unsubscribe or delete: at most 1,000 ids, so the
// whole job is one step, and its writes and result commit together.
import { planBulk } from '../domain/bulk.js';
import { isId } from '../domain/ids.js';
import type { BulkOperation, BulkPayload, BulkResult } from '../domain/jobs.js';
import type { JobContext, JobOutcome } from './job-context.js';

export async function runBulkJob(context: JobContext): Promise<JobOutcome> {
  const { store, job, lease } = context;
  const operation = job.type.slice('bulk-'.length) as BulkOperation;
  const { contactIds } = JSON.parse(job.payloadJson) as BulkPayload;
  const initial = JSON.parse(job.resultJson) as BulkResult;
  const applied = await store.jobs.step(lease, { ids: contactIds.filter(isId) }, (existing) => {
    const { writes, result } = planBulk(operation, contactIds, existing, initial);
    return {
      writes,
      progress: {
        progress: 100,
        resultJson: JSON.stringify(result),
        outcome: { state: 'completed', failedReason: null },
      },
    };
  });
  return applied ? 'done' : 'lost';
}
