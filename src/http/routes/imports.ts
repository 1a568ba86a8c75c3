// Imports: the upload (202 and a job), its synchronous preview, the list of
// past imports, an import's status, and its failed rows as a CSV to fix.
import multipart from '@fastify/multipart';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, LogLevel } from 'fastify';
import type { FastifyTypeBox } from '../app.js';
import type { Limits } from '../../config.js';
import { AppError, invalidField } from '../../domain/errors.js';
import type { ImportService } from '../../domain/import/import-service.js';
import { parseImportOptions, type ImportOptions } from '../../domain/import/options.js';
import { discardRestOfBody } from '../discard-body.js';
import { handleError, sendError, sendJson } from '../error-response.js';
import { Preview, UploadBody } from './import-schemas.js';
import {
  SECRET_KEY,
  authenticatedResponses,
  jsonResponse,
  otherResponse,
  type ResponseSpec,
} from '../schemas.js';
import { multipartLimits, readImportUpload } from '../upload.js';
import { UploadSlots } from '../upload-slots.js';
import { JobParams, Queued, jobReadRoutes } from './job-schemas.js';

function quieterThanTrace(log: FastifyBaseLogger): LogLevel {
  return log.level === 'trace' ? 'debug' : (log.level as LogLevel);
}

function notMultipart(): AppError {
  return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in a field named "file"');
}

/** Answers refused before the body was read; the client may still be sending it. */
const EARLY_ANSWERS = new Set(['PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE']);

export async function importRoutes(app: FastifyTypeBox, imports: ImportService, limits: Limits, slots: UploadSlots): Promise<void> {
  // Multipart bodies are parsed only here; every other route answers one with 415.
  await app.register(async (scope) => uploadRoutes(scope.withTypeProvider<TypeBoxTypeProvider>(), imports, limits, slots));

  jobReadRoutes(app, imports.jobs, 'import');

  app.get(
    '/contacts/import/:jobId/errors.csv',
    {
      schema: {
        operationId: 'getImportErrorsCsv',
        summary: "Every row of an import that failed, as written, under the file's header, with `row` and `error` first",
        tags: ['imports'],
        security: SECRET_KEY,
        params: JobParams,
        response: authenticatedResponses(
          {
            200: otherResponse('The failed rows (Content-Disposition: attachment); the header alone when none failed', 'text/csv', {
              type: 'string',
              examples: ['row,error,email,name\n3,Invalid email address,bad@,Ada\n'],
            }),
          },
          404,
        ),
      },
    },
    async (request, reply) => {
      const job = await imports.jobs.get(request.projectId, request.params.jobId, 'import');
      reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="import-${job.id}-errors.csv"`);
      return reply.send(Readable.from(imports.errorsCsv(job)));
    },
  );
}

async function uploadRoutes(app: FastifyTypeBox, imports: ImportService, limits: Limits, slots: UploadSlots): Promise<void> {
  // A JSON body is no upload: 415, never a parse of it (and a 400 INVALID_JSON).
  app.removeContentTypeParser('application/json');
  await app.register(multipart, { limits: multipartLimits, throwFileSizeLimit: false });

  /** The file and options of an upload, read under the upload bounds; `before` runs once a slot is held. */
  const readUpload = async (request: FastifyRequest, reply: FastifyReply, before?: () => Promise<void>) => {
    if (!request.isMultipart()) throw notMultipart();
    // Caps on uploads in progress, in all and per project, so slow uploaders
    // cannot hold every connection and 5 MiB buffer of the process.
    const slot = slots.take(request.projectId);
    if ('refused' in slot) throw new AppError('SERVICE_UNAVAILABLE', slot.refused);
    try {
      await before?.();
      const { file, fields } = await readImportUpload(request, limits.uploadMinBytesPerSecond);
      const options: ImportOptions = parseImportOptions(fields);
      if (!file) throw invalidField('file', 'Required: send the file in a multipart field named "file"');
      return { file, options };
    } catch (error) {
      // A trickling client is not worth waiting for: close once answered.
      if (error instanceof AppError && error.code === 'REQUEST_TIMEOUT') reply.header('Connection', 'close');
      throw error;
    } finally {
      slot.release();
    }
  };

  const routeOptions = (operationId: string, summary: string, response: Record<number, ResponseSpec>) => ({
    // @fastify/multipart logs the request's headers, Authorization and its
    // key included, at trace level: these routes never log below debug.
    logLevel: quieterThanTrace(app.log),
    schema: { operationId, summary, tags: ['imports'], security: SECRET_KEY, consumes: ['multipart/form-data'], response },
    // The document shows the multipart body; fastify must not validate it
    // (request.body stays empty: the upload is read as a stream).
    config: { swaggerTransform: ({ schema, url }: { schema: object; url: string }) => ({ schema: { ...schema, body: UploadBody }, url }) },
    errorHandler: (error: Parameters<typeof handleError>[0], request: FastifyRequest, reply: FastifyReply) => {
      // A body type with no parser at all (text/plain, say) fails before the
      // handler; the app-wide message would ask for JSON, which is wrong here.
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, notMultipart());
      if (error instanceof AppError && EARLY_ANSWERS.has(error.code)) discardRestOfBody(request);
      return handleError(error, request, reply);
    },
  });

  app.post(
    '/contacts/import',
    routeOptions(
      'importContacts',
      'Import contacts from a CSV or NDJSON file (multipart/form-data, field "file", at most 5 MiB)',
      authenticatedResponses(
        { 202: jsonResponse('Queued: watch the job at Location (/contacts/import/{jobId})', Queued, ['Location']) },
        408,
        413,
      ),
    ),
    async (request, reply) => {
      // No use reading a file that could not be queued.
      const { file, options } = await readUpload(request, reply, () => imports.jobs.checkRoomForJob(request.projectId));
      const jobId = await imports.jobs.acceptImport(request.projectId, file, options);
      reply.header('Location', `/contacts/import/${jobId}`);
      return sendJson(reply, 202, JSON.stringify({ message: 'Import queued', jobId }));
    },
  );

  app.post(
    '/contacts/import/preview',
    routeOptions(
      'previewImport',
      'What an import of this file would do, without doing it',
      authenticatedResponses({ 200: jsonResponse('What the import would do', Preview) }, 408, 413),
    ),
    async (request, reply) => {
      const { file, options } = await readUpload(request, reply);
      return sendJson(reply, 200, JSON.stringify(await imports.preview(request.projectId, file, options)));
    },
  );
}
