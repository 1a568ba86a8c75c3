// Asynchronous work: CSV imports, bulk subscribe/unsubscribe/delete, and the
// status endpoints of both kinds of job.
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, LogLevel } from 'fastify';
import type { FastifyTypeBox } from '../app.js';
import { AppError, invalidField } from '../../domain/errors.js';
import type { BulkOperation, JobService } from '../../domain/jobs.js';
import { jobJson } from '../wire-json.js';
import { handleError, sendError, sendJson } from '../error-response.js';
import { errorResponses } from '../schemas.js';
import { multipartLimits, readCsvUpload } from '../upload.js';
import { UploadSlots } from '../upload-slots.js';
import type { Limits } from '../../config.js';

const Queued = Type.Object({ message: Type.String(), jobId: Type.String() });
const JobParams = Type.Object({ jobId: Type.String() });
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

export async function jobRoutes(app: FastifyTypeBox, jobs: JobService, limits: Limits): Promise<void> {
  // Multipart bodies are parsed only here, for the import; every other route
  // answers a multipart body with 415.
  await app.register(async (uploads) => importRoute(uploads.withTypeProvider<TypeBoxTypeProvider>(), jobs, limits));
  statusAndBulkRoutes(app, jobs);
}

function quieterThanTrace(log: FastifyBaseLogger): LogLevel {
  return log.level === 'trace' ? 'debug' : (log.level as LogLevel);
}

function notMultipart(): AppError {
  return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as multipart/form-data in a field named "file"');
}

async function importRoute(app: FastifyTypeBox, jobs: JobService, limits: Limits): Promise<void> {
  const slots = new UploadSlots(limits.uploadsInProgress, limits.uploadsPerProject);
  // A JSON body is no CSV upload: 415, never a parse of it (and a 400 INVALID_JSON).
  app.removeContentTypeParser('application/json');
  await app.register(multipart, { limits: multipartLimits, throwFileSizeLimit: false });
  app.post(
    '/contacts/import',
    {
      // @fastify/multipart logs the request's headers, Authorization and its
      // key included, at trace level: this route never logs below debug.
      logLevel: quieterThanTrace(app.log),
      schema: {
        summary: 'Import contacts from a CSV (multipart/form-data, field "file", at most 5 MiB)',
        tags: ['jobs'],
        consumes: ['multipart/form-data'],
        response: { 202: Queued, ...errorResponses(400, 401, 403, 408, 413, 415, 429, 503) },
      },
      // A body type with no parser at all (text/plain, say) fails before the
      // handler; the app-wide message would ask for JSON, which is wrong here.
      errorHandler: (error, request, reply) =>
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? sendError(reply, notMultipart()) : handleError(error, request, reply),
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw notMultipart();
      // Caps on uploads in progress, in all and per project, so slow
      // uploaders cannot hold every connection and 5 MiB buffer of the process.
      const slot = slots.take(request.projectId);
      if ('refused' in slot) {
        reply.header('Retry-After', '1').header('Connection', 'close');
        throw new AppError('SERVICE_UNAVAILABLE', slot.refused);
      }
      // No use reading a file that could not be queued.
      await jobs.checkRoomForJob(request.projectId).catch((error: unknown) => {
        slot.release();
        throw error;
      });
      let file: Buffer | undefined;
      try {
        file = await readCsvUpload(request, limits.uploadMinBytesPerSecond);
      } catch (error) {
        // Whatever of the body is left unread is not worth reading: close the connection.
        if (error instanceof AppError && (error.code === 'PAYLOAD_TOO_LARGE' || error.code === 'REQUEST_TIMEOUT')) {
          reply.header('Connection', 'close');
        }
        throw error;
      } finally {
        slot.release();
      }
      if (!file) throw invalidField('file', 'Required: send the CSV in a multipart field named "file"');
      const jobId = await jobs.acceptImport(request.projectId, file);
      reply.header('Location', `/contacts/import/${jobId}`);
      return sendJson(reply, 202, JSON.stringify({ message: 'Import queued', jobId }));
    },
  );
}

function statusRoute(app: FastifyTypeBox, jobs: JobService, kind: 'import' | 'bulk', summary: string): void {
  app.get(
    `/contacts/${kind}/:jobId`,
    {
      schema: { summary, tags: ['jobs'], params: JobParams, response: { 200: JobStatus, ...errorResponses(401, 403, 404) } },
    },
    async (request, reply) => sendJson(reply, 200, jobJson(await jobs.get(request.projectId, request.params.jobId, kind))),
  );
}

function statusAndBulkRoutes(app: FastifyTypeBox, jobs: JobService): void {
  statusRoute(app, jobs, 'import', 'The state and counts of an import');
  statusRoute(app, jobs, 'bulk', 'The state and counts of a bulk job');

  for (const { operation, label } of OPERATIONS) {
    app.post(
      `/contacts/bulk-${operation}`,
      {
        schema: {
          summary: `${label} up to 1,000 contacts by id`,
          tags: ['jobs'],
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
