// What imports and bulk jobs share: the 202 answer, the job object, and the
// two read routes of each kind (the cursor-paged list, and one job's status).
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { JobPage, JobService } from '../../domain/jobs.js';
import { sendJson } from '../error-response.js';
import { SECRET_KEY, authenticatedResponses, jsonResponse, withDefaults } from '../schemas.js';
import { jobJson } from '../wire-json.js';

export const Queued = Type.Object({
  message: Type.String({ examples: ['Import queued'] }),
  jobId: Type.String({ format: 'uuid', description: 'Watch it at the Location header' }),
});
export const JobParams = Type.Object({ jobId: Type.String({ description: 'The job id (a UUID)' }) });

const count = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });

const ImportRowError = Type.Object({
  row: Type.Integer({ minimum: 1, description: "The record's number, the header being 1" }),
  email: Type.String({ description: 'As written in the file (may be empty or invalid)' }),
  error: Type.String(),
});

const ImportResultFields = {
  totalRows: count('Known from the moment the job is accepted'),
  processedRows: count('successCount + failureCount'),
  successCount: count('createdCount + updatedCount'),
  createdCount: count(),
  updatedCount: count(),
  failureCount: count(),
  keptUnsubscribedCount: count('Rows that would have resubscribed an unsubscribed contact, kept unsubscribed (resubscribe=false)'),
  format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')]),
  encoding: Type.String({ description: 'The encoding the file was read in', examples: ['utf-8'] }),
};

const BulkResultFields = {
  operation: Type.Union([Type.Literal('subscribe'), Type.Literal('unsubscribe'), Type.Literal('delete')]),
  totalRequested: count('Distinct ids asked for; successCount + unchangedCount + failureCount once completed'),
  successCount: count('Contacts changed (or deleted)'),
  unchangedCount: count('Contacts already in the asked state'),
  failureCount: count('Ids not found in the project'),
};

const ERRORS_NOTE = 'The first 1,000 errors, in order';

const ImportResult = Type.Object(
  { ...ImportResultFields, errors: Type.Array(ImportRowError, { description: ERRORS_NOTE }) },
  { $id: 'ImportResult' },
);
const ImportResultSummary = Type.Object(ImportResultFields, { $id: 'ImportResultSummary', description: 'An import result without its errors' });
const BulkResult = Type.Object(
  {
    ...BulkResultFields,
    errors: Type.Array(Type.Object({ contactId: Type.String(), error: Type.String({ examples: ['Contact not found'] }) }), {
      description: ERRORS_NOTE,
    }),
  },
  { $id: 'BulkResult' },
);
const BulkResultSummary = Type.Object(BulkResultFields, { $id: 'BulkResultSummary', description: 'A bulk result without its errors' });

/** The job object of one kind, around the result schema given. */
function jobSchema(kind: 'import' | 'bulk', resultName: string, description: string) {
  const types = kind === 'import' ? ['import'] : ['bulk-subscribe', 'bulk-unsubscribe', 'bulk-delete'];
  return Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      type: Type.Unsafe<string>({ type: 'string', enum: types }),
      state: Type.Unsafe<string>({
        type: 'string',
        enum: ['queued', 'active', 'completed', 'failed'],
        description: '`failed`: the job as a whole could not finish (failedReason says why); bad rows do not fail a job',
      }),
      progress: Type.Integer({ minimum: 0, maximum: 100, description: '100 exactly when completed' }),
      result: Type.Ref(resultName),
      failedReason: Type.Union([Type.String(), Type.Null()]),
      createdAt: Type.String({ format: 'date-time' }),
      startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    },
    { description },
  );
}

/** The component schemas the job routes refer to by name; plugins/openapi.ts adds them. */
export const JOB_SCHEMAS = [ImportResult, ImportResultSummary, BulkResult, BulkResultSummary];

const JOB_STATUS = {
  import: jobSchema('import', 'ImportResult', 'An import job'),
  bulk: jobSchema('bulk', 'BulkResult', 'A bulk job'),
};
const JOB_SUMMARY = {
  import: jobSchema('import', 'ImportResultSummary', 'An import job, its result without errors'),
  bulk: jobSchema('bulk', 'BulkResultSummary', 'A bulk job, its result without errors'),
};

const JobListQuery = withDefaults(
  Type.Object(
    {
      limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Jobs per page' }),
      cursor: Type.Optional(Type.String({ minLength: 1, description: 'Opaque; from the previous page' })),
    },
    { additionalProperties: false },
  ),
);

const jobPageSchema = (kind: 'import' | 'bulk') =>
  Type.Object({
    jobs: Type.Array(JOB_SUMMARY[kind], { description: 'Newest first; results without their `errors`' }),
    cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass back as ?cursor= for the next page; null when hasMore is false' }),
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
  import: {
    list: "The project's imports, newest first",
    status: 'The state and counts of an import',
    tag: 'imports',
    listId: 'listImports',
    statusId: 'getImport',
  },
  bulk: {
    list: "The project's bulk jobs, newest first",
    status: 'The state and counts of a bulk job',
    tag: 'bulk',
    listId: 'listBulkJobs',
    statusId: 'getBulkJob',
  },
} as const;

/** GET /contacts/{kind} (the project's jobs of that kind) and GET /contacts/{kind}/:jobId. */
export function jobReadRoutes(app: FastifyTypeBox, jobs: JobService, kind: 'import' | 'bulk'): void {
  const { list, status, tag, listId, statusId } = SUMMARIES[kind];
  app.get(
    `/contacts/${kind}`,
    {
      schema: {
        operationId: listId,
        summary: list,
        tags: [tag],
        security: SECRET_KEY,
        querystring: JobListQuery,
        response: authenticatedResponses({ 200: jsonResponse('A page of jobs', jobPageSchema(kind)) }),
      },
    },
    async (request, reply) => sendJson(reply, 200, jobPageJson(await jobs.list(request.projectId, kind, request.query.limit, request.query.cursor))),
  );
  app.get(
    `/contacts/${kind}/:jobId`,
    {
      schema: {
        operationId: statusId,
        summary: status,
        tags: [tag],
        security: SECRET_KEY,
        params: JobParams,
        response: authenticatedResponses({ 200: jsonResponse('The job', JOB_STATUS[kind]) }, 404),
      },
    },
    async (request, reply) => sendJson(reply, 200, jobJson(await jobs.get(request.projectId, request.params.jobId, kind))),
  );
}
