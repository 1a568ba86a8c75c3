// Bulk subscribe, unsubscribe and delete by id: 202 and a job to watch; the
// status of a bulk job, and the list of the project's bulk jobs.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { BulkOperation, JobService } from '../../domain/jobs.js';
import { sendJson } from '../error-response.js';
import { errorResponses } from '../schemas.js';
import { Queued, jobReadRoutes } from './job-schemas.js';

const BulkBody = Type.Object(
  {
    contactIds: Type.Array(Type.String(), { minItems: 1, maxItems: 1000, description: 'Duplicates count once' }),
    mode: Type.Optional(Type.Literal('ids')),
  },
  { additionalProperties: false },
);

const OPERATIONS: { operation: BulkOperation; label: string }[] = [
  { operation: 'subscribe', label: 'Bulk subscribe' },
  { operation: 'unsubscribe', label: 'Bulk unsubscribe' },
  { operation: 'delete', label: 'Bulk delete' },
];

export function bulkRoutes(app: FastifyTypeBox, jobs: JobService): void {
  jobReadRoutes(app, jobs, 'bulk');

  for (const { operation, label } of OPERATIONS) {
    app.post(
      `/contacts/bulk-${operation}`,
      {
        schema: {
          summary: `${label} up to 1,000 contacts by id`,
          tags: ['bulk'],
          body: BulkBody,
          response: { 202: Queued, ...errorResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const jobId = await jobs.acceptBulk(request.projectId, operation, request.body.contactIds);
        reply.header('Location', `/contacts/bulk/${jobId}`);
        return sendJson(reply, 202, JSON.stringify({ message: `${label} queued`, jobId }));
      },
    );
  }
}
