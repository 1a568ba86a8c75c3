// Unauthenticated operational endpoints: liveness, readiness, the OpenAPI
// document and its human-readable reference, and (when switched on) metrics.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { Store } from '../../domain/store.js';
import { AppError } from '../../domain/errors.js';
import { sendError } from '../error-response.js';
import { METRICS_CONTENT_TYPE, metricsScraper } from '../metrics.js';
import { jsonResponse, publicResponses } from '../schemas.js';

/** Longest /ready waits for the database: a probe wants an answer, and a database this slow is not ready. */
const READY_TIMEOUT_MS = 2000;

function answersWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface OperationOptions {
  /** Serve GET /metrics on this app (METRICS=true; not when it has a port of its own). */
  serveMetrics?: boolean;
}

export function operationRoutes(app: FastifyTypeBox, store: Store, options: OperationOptions = {}): void {
  // The readable reference is the nearest thing to a home page an API has.
  // Outside the OpenAPI document, as /docs is: an operation with no 2xx answer is not one a client calls.
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
        await answersWithin(store.ping(), READY_TIMEOUT_MS);
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

  if (options.serveMetrics) {
    const scrape = metricsScraper(store);
    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          summary: 'Metrics in the Prometheus text format',
          tags: ['operations'],
          security: [],
          response: { 200: { description: 'Prometheus text format', content: { [METRICS_CONTENT_TYPE]: { schema: Type.String() } } } },
        },
      },
      async (request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await scrape(request.log)),
    );
  }
}
