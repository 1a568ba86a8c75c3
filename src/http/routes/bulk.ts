// Bulk subscribe, unsubscribe and delete by id: 202 and a job to watch; the
// status of a bulk job, and the list of the project's bulk jobs.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { BulkOperation, JobService } from '../../domain/jobs.js';
import { sendJson } from '../error-response.js';
import { validationError } from '../../domain/errors.js';
import { SECRET_KEY, authenticatedResponses, jsonResponse } from '../schemas.js';
import { Queued, jobReadRoutes } from './job-schemas.js';

const instant = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }));

const BulkFilter = Type.Object(
  {
    all: Type.Optional(Type.Literal(true, { description: 'Every contact of the project; stands alone' })),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Case-insensitive substring of the email' })),
    subscribed: Type.Optional(Type.Boolean()),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'One exact email, any case' })),
    createdAfter: instant('Created strictly later than this ISO 8601 instant'),
    createdBefore: instant('Created strictly earlier than this ISO 8601 instant'),
    updatedAfter: instant('Last changed strictly later than this ISO 8601 instant'),
    updatedBefore: instant('Last changed strictly earlier than this ISO 8601 instant'),
    data: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
        description: 'Key → value as in `data.<key>=<value>`: a string, or a number or boolean (matching the value and its text); "" or null: the key is present',
      }),
    ),
  },
  { additionalProperties: false, description: 'The filters of GET /contacts, combined with AND' },
);

const BulkBody = Type.Object(
  {
    contactIds: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 1000, description: 'Up to 1,000 ids; duplicates count once' })),
    mode: Type.Optional(Type.Literal('ids', { description: 'Accepted with contactIds, for compatibility' })),
    filter: Type.Optional(BulkFilter),
    excludeIds: Type.Optional(Type.Array(Type.String(), { maxItems: 1000, description: 'With filter: contacts to leave alone' })),
  },
  {
    additionalProperties: false,
    description:
      'Either `contactIds` (up to 1,000), or `filter` (with `excludeIds`): every contact that matches when the job runs, without a cap',
    examples: [{ contactIds: ['01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11'] }, { filter: { data: { plan: 'trial' }, subscribed: true } }],
  },
);

const OPERATIONS: { operation: BulkOperation; label: string; operationId: string }[] = [
  { operation: 'subscribe', label: 'Bulk subscribe', operationId: 'bulkSubscribe' },
  { operation: 'unsubscribe', label: 'Bulk unsubscribe', operationId: 'bulkUnsubscribe' },
  { operation: 'delete', label: 'Bulk delete', operationId: 'bulkDelete' },
];

export function bulkRoutes(app: FastifyTypeBox, jobs: JobService): void {
  jobReadRoutes(app, jobs, 'bulk');

  for (const { operation, label, operationId } of OPERATIONS) {
    app.post(
      `/contacts/bulk-${operation}`,
      {
        schema: {
          operationId,
          summary: `${label} up to 1,000 contacts by id, or every contact that matches a filter`,
          tags: ['bulk'],
          security: SECRET_KEY,
          body: BulkBody,
          response: authenticatedResponses(
            { 202: jsonResponse('Queued: watch the job at Location (/contacts/bulk/{jobId})', Queued, ['Location']) },
            413,
          ),
        },
      },
      async (request, reply) => {
        const { contactIds, mode, filter, excludeIds } = request.body;
        const refuse = (field: string, message: string) => validationError([{ field, message }]);
        if (contactIds !== undefined && filter !== undefined) throw refuse('filter', 'Give contactIds or filter, not both');
        if (contactIds === undefined && filter === undefined) {
          throw refuse('contactIds', 'Required: the ids to act on (up to 1,000), or a filter ({"filter": {"all": true}} for every contact)');
        }
        if (filter !== undefined && mode !== undefined) throw refuse('mode', '"ids" goes with contactIds, not with a filter');
        if (contactIds !== undefined && excludeIds !== undefined) throw refuse('excludeIds', 'Goes with a filter; with contactIds, leave the ids out');
        const jobId = contactIds !== undefined
          ? await jobs.acceptBulk(request.projectId, operation, contactIds)
          : await jobs.acceptBulkByFilter(request.projectId, operation, filter!, excludeIds);
        reply.header('Location', `/contacts/bulk/${jobId}`);
        return sendJson(reply, 202, JSON.stringify({ message: `${label} queued`, jobId }));
      },
    );
  }
}
