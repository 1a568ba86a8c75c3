// Runs a bulk subscribe, unsubscribe or delete.
//
// By ids (at most 1,000): the whole job is one step, its writes and result
// committed together.
//
// By filter: a walk over the project's contacts, newest first, a bounded
// slice at a time. Each slice's matches are read, then applied in a step that
// looks at each contact again (one that no longer matches is left alone) and
// commits the writes, the counts and the walk's position together, so a
// worker killed at any instant resumes after the last committed slice with
// every contact counted and changed exactly once. Which contacts the job
// touches is decided as it goes: a contact matches if it matches when its
// slice is read; one created after the job started is never reached (it
// sorts before the walk's start).
import { planBulk } from '../domain/bulk.js';
import { matchesFilter } from '../domain/filter.js';
import { isId } from '../domain/ids.js';
import type { BulkOperation, BulkPayload, BulkResult, BulkResumeAt } from '../domain/jobs.js';
import type { ContactFilter, ContactPosition } from '../domain/store.js';
import { yieldToEventLoop, type JobContext, type JobOutcome } from './job-context.js';

/** Contacts of the page index one slice of a walk reads, per contact it may change (the store's step size). */
const SCAN_PER_STEP = 8;

export async function runBulkJob(context: JobContext): Promise<JobOutcome> {
  const payload = JSON.parse(context.job.payloadJson) as BulkPayload;
  return 'filter' in payload ? runByFilter(context, payload.filter) : runByIds(context, payload.contactIds);
}

async function runByIds(context: JobContext, contactIds: string[]): Promise<JobOutcome> {
  const { store, job, lease } = context;
  const operation = job.type.slice('bulk-'.length) as BulkOperation;
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

async function runByFilter(context: JobContext, filter: ContactFilter | null): Promise<JobOutcome> {
  const { store, job, lease } = context;
  const operation = job.type.slice('bulk-'.length) as BulkOperation;
  let result = JSON.parse(job.resultJson) as BulkResult;
  let resumeAt: BulkResumeAt | undefined = job.resumeAtJson === null ? undefined : (JSON.parse(job.resumeAtJson) as BulkResumeAt);
  const limit = store.jobs.stepSize;
  const estimate = resumeAt?.estimate ?? (filter === null ? 0 : await store.contacts.count(job.projectId, filter, 'unbounded'));
  let after: ContactPosition | undefined = resumeAt?.after;

  for (;;) {
    const slice = filter === null
      ? { contacts: [], next: null }
      : await store.contacts.scan(job.projectId, filter, after, limit, limit * SCAN_PER_STEP);
    const ids = slice.contacts.map((contact) => contact.id);
    const final = slice.next === null;
    let next = result;
    const applied = await store.jobs.step(lease, { ids }, (existing) => {
      // Looked at again inside the step: a contact changed since its slice was read may no longer match.
      const matching = filter === null ? [] : existing.filter((contact) => matchesFilter(filter, contact));
      const planned = planBulk(operation, matching.map((contact) => contact.id), matching, result);
      next = {
        ...result,
        totalRequested: result.totalRequested + matching.length,
        successCount: result.successCount + planned.result.successCount,
        unchangedCount: result.unchangedCount + planned.result.unchangedCount,
      };
      resumeAt = { after: slice.next ?? after ?? { createdAt: Number.MIN_SAFE_INTEGER, id: '' }, estimate };
      return {
        writes: planned.writes,
        progress: {
          progress: final ? 100 : Math.min(99, Math.floor((100 * next.totalRequested) / Math.max(estimate, 1))),
          resultJson: JSON.stringify(next),
          resumeAtJson: JSON.stringify(resumeAt),
          outcome: final ? { state: 'completed', failedReason: null } : undefined,
        },
      };
    });
    if (!applied) return 'lost';
    if (final) return 'done';
    result = next;
    after = slice.next ?? undefined;
    if (context.stopping()) return 'stopped';
    if (await context.othersWaiting()) return 'yielded';
    await yieldToEventLoop();
  }
}
