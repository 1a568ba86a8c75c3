// Unauthenticated operational endpoints: liveness, readiness, the OpenAPI
// document and its human-readable reference.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { Store } from '../../domain/store.js';
import { AppError } from '../../domain/errors.js';
import { sendError } from '../error-response.js';

export function operationRoutes(app: FastifyTypeBox, store: Store): void {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: 200 while the process runs',
        tags: ['operations'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 when the database answers, else 503',
        tags: ['operations'],
        response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: Type.Ref('Error') },
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

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
