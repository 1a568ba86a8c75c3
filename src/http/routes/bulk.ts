// Bulk subscribe, unsubscribe and delete by id: 202 and a job to watch; the
// status of a bulk job, and the list of the project's bulk jobs.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { BulkOperation, JobService } from '../../domain/jobs.js';
import { sendJson } from '../error-response.js';
import { SECRET_KEY, authenticatedResponses, jsonResponse } from '../schemas.js';
import { Queued, jobReadRoutes } from './job-schemas.js';

const BulkBody = Type.Object(
  {
    contactIds: Type.Array(Type.String(), { minItems: 1, maxItems: 1000, description: 'Duplicates count once' }),
    mode: Type.Optional(Type.Literal('ids', { description: 'Accepted for compatibility; the only mode' })),
  },
  { additionalProperties: false, examples: [{ contactIds: ['01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11'] }] },
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
          summary: `${label} up to 1,000 contacts by id`,
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
        const jobId = await jobs.acceptBulk(request.projectId, operation, request.body.contactIds);
        reply.header('Location', `/contacts/bulk/${jobId}`);
        return sendJson(reply, 202, JSON.stringify({ message: `${label} queued`, jobId }));
      },
    );
  }
}
