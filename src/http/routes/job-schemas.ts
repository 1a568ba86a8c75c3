// What imports and bulk jobs share: the 202 answer, the job object, and the
// two read routes of each kind (the cursor-paged list, and one job's status).
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { JobPage, JobService } from '../../domain/jobs.js';
import { sendJson } from '../error-response.js';
import { errorResponses } from '../schemas.js';
import { jobJson } from '../wire-json.js';

export const Queued = Type.Object({ message: Type.String(), jobId: Type.String() });
export const JobParams = Type.Object({ jobId: Type.String() });

const JobStatus = Type.Object({
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

const JobListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'Opaque; from the previous page' })),
  },
  { additionalProperties: false },
);

const JobPageSchema = Type.Object({
  jobs: Type.Array(JobStatus, { description: 'Newest first; results without their `errors`' }),
  cursor: Type.Union([Type.String(), Type.Null()]),
  hasMore: Type.Boolean(),
});

/**
 * A job's result JSON without its `errors` (up to 1,000 of them). `errors` is
 * the last member of every result (see ImportResult, BulkResult), and a
 * `,"errors":[` outside a string can only be that member, so it is cut off
 * the text rather than parsing and re-serialising each result of a page.
 */
function resultWithoutErrors(json: string): string {
  const at = json.lastIndexOf(',"errors":[');
  return at === -1 || !json.endsWith(']}') ? json : `${json.slice(0, at)}}`;
}

function jobPageJson(page: JobPage): string {
  const jobs = page.jobs.map((job) => jobJson({ ...job, resultJson: resultWithoutErrors(job.resultJson) }));
  return `{"jobs":[${jobs.join(',')}],"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore}}`;
}

const SUMMARIES = {
  import: { list: "The project's imports, newest first", status: 'The state and counts of an import', tag: 'imports' },
  bulk: { list: "The project's bulk jobs, newest first", status: 'The state and counts of a bulk job', tag: 'bulk' },
} as const;

/** GET /contacts/{kind} (the project's jobs of that kind) and GET /contacts/{kind}/:jobId. */
export function jobReadRoutes(app: FastifyTypeBox, jobs: JobService, kind: 'import' | 'bulk'): void {
  const { list, status, tag } = SUMMARIES[kind];
  app.get(
    `/contacts/${kind}`,
    { schema: { summary: list, tags: [tag], querystring: JobListQuery, response: { 200: JobPageSchema, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => sendJson(reply, 200, jobPageJson(await jobs.list(request.projectId, kind, request.query.limit, request.query.cursor))),
  );
  app.get(
    `/contacts/${kind}/:jobId`,
    { schema: { summary: status, tags: [tag], params: JobParams, response: { 200: JobStatus, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => sendJson(reply, 200, jobJson(await jobs.get(request.projectId, request.params.jobId, kind))),
  );
}
