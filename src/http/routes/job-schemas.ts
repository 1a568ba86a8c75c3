// What imports and bulk jobs share on the wire: the 202 answer, the job
// object, and the cursor-paged list of a project's jobs.
import { Type } from 'typebox';
import type { JobPage } from '../../domain/jobs.js';
import { jobJson } from '../wire-json.js';

export const Queued = Type.Object({ message: Type.String(), jobId: Type.String() });
export const JobParams = Type.Object({ jobId: Type.String() });

export const JobStatus = Type.Object({
  id: Type.String(),
  type: Type.String({ enum: ['import', 'bulk-subscribe', 'bulk-unsubscribe', 'bulk-delete'] }),
  state: Type.String({ enum: ['queued', 'active', 'completed', 'failed'] }),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  result: Type.Object({}, { additionalProperties: true }),
  failedReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const JobListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'Opaque; from the previous page' })),
  },
  { additionalProperties: false },
);

export const JobPageSchema = Type.Object({
  jobs: Type.Array(JobStatus, { description: 'Newest first; results without their `errors`' }),
  cursor: Type.Union([Type.String(), Type.Null()]),
  hasMore: Type.Boolean(),
});

/** A page of jobs; each result without its `errors` (up to 1,000 of them each). */
export function jobPageJson(page: JobPage): string {
  const jobs = page.jobs.map((job) => {
    const { errors: _errors, ...result } = JSON.parse(job.resultJson) as Record<string, unknown>;
    return jobJson({ ...job, resultJson: JSON.stringify(result) });
  });
  return `{"jobs":[${jobs.join(',')}],"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore}}`;
}
