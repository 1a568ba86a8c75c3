// Unauthenticated operational endpoints: liveness, readiness, the OpenAPI
// document and its human-readable reference.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { Store } from '../../domain/store.js';
import { AppError } from '../../domain/errors.js';
import { sendError } from '../error-response.js';
import { jsonResponse, publicResponses } from '../schemas.js';

export function operationRoutes(app: FastifyTypeBox, store: Store): void {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: 200 while the process runs',
        tags: ['operations'],
        security: [],
        response: publicResponses({ 200: jsonResponse('The process is alive', Type.Object({ status: Type.Literal('ok') })) }),
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        operationId: 'getReady',
        summary: 'Readiness: 200 when the database answers, else 503',
        tags: ['operations'],
        security: [],
        response: publicResponses({ 200: jsonResponse('The database answers', Type.Object({ status: Type.Literal('ready') })) }),
      },
    },
    async (request, reply) => {
      try {
        await store.ping();
        return { status: 'ready' as const };
      } catch (error) {
        request.log.warn({ err: error }, 'database not ready');
        return sendError(reply, new AppError('SERVICE_UNAVAILABLE', 'The database is not answering'));
      }
    },
  );

  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document (a readable reference of it is at /docs)',
        tags: ['operations'],
        security: [],
        response: publicResponses({
          200: jsonResponse('The document', { type: 'object', additionalProperties: true, description: 'An OpenAPI 3.1 document' }),
        }),
      },
    },
    async () => app.swagger(),
  );
}
