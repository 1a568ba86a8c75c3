// A job as the status endpoints write it (GET /contacts/import/:id,
// GET /contacts/bulk/:id): its result is already compact JSON in the store,
// so it is spliced in. The job's completion event carries the same object.
import type { JobRecord } from './store.js';

function isoOrNull(time: number | null): string {
  return time === null ? 'null' : `"${new Date(time).toISOString()}"`;
}

/** The status endpoint's object, in the contract's key order. */
export function jobJson(job: JobRecord): string {
  return (
    `{"id":"${job.id}","type":"${job.type}","state":"${job.state}","progress":${job.progress},` +
    `"result":${job.resultJson},"failedReason":${JSON.stringify(job.failedReason)},` +
    `"createdAt":${isoOrNull(job.createdAt)},"startedAt":${isoOrNull(job.startedAt)},"finishedAt":${isoOrNull(job.finishedAt)}}`
  );
}
