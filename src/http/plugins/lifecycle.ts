// A request's life around its route, and the server's: the request id
// (X-Request-ID), the answers before any route (no Host on HTTP/1.1; the
// server shutting down), one log line per answered request, the request
// metrics, and the envelope for what node's HTTP parser refuses.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { LogController, type FastifyBaseLogger, type FastifyHttpOptions, type FastifyRequest } from 'fastify';
import { AppError, validationError } from '../../domain/errors.js';
import { answerClientError } from '../error-response.js';
import { countRequests } from '../metrics.js';
import { appWide } from './app-wide.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** fastify's options for the request id, logging, timeouts and shutting down. */
export function lifecycleOptions(logger: FastifyBaseLogger) {
  return {
    loggerInstance: logger,
    // Our onRequest hook answers requests that arrive while closing (below).
    return503OnClosing: false,
    // One log line per request, written by our onResponse hook below.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    // What node's HTTP parser refuses gets the envelope too (see answerClientError).
    clientErrorHandler: (error, socket) => answerClientError(error, socket, logger),
    // Node's own answer to an HTTP/1.1 request without Host has no envelope; ours (below) has.
    http: { requireHostHeader: false },
    // Node's default, which fastify turns off: a body trickled in forever holds a connection forever.
    requestTimeout: 300_000,
  } satisfies FastifyHttpOptions<Server>;
}

const MAX_LOGGED_QUERY_NAMES = 20;
const MAX_LOGGED_PATH = 200;

/**
 * What a request line says about where the request went: the route pattern
 * (`/contacts/:id`, never the id) and the names of the query parameters, never
 * their values, which hold search terms and so, mostly, email addresses. A
 * request no route took logs its path, cut short.
 */
function requestTarget(request: FastifyRequest): { route: string | null; path?: string; query?: string[] } {
  const [path = '', query] = request.url.split('?', 2);
  const route = request.is404 ? null : request.routeOptions.url ?? null;
  const target: { route: string | null; path?: string; query?: string[] } = { route };
  if (route === null) target.path = path.slice(0, MAX_LOGGED_PATH);
  if (query) {
    const names = new Set<string>();
    for (const pair of query.split('&', MAX_LOGGED_QUERY_NAMES)) {
      const name = pair.split('=', 1)[0]!;
      if (name) names.add(name.slice(0, 64));
    }
    target.query = [...names];
  }
  return target;
}

export interface LifecycleOptions {
  /** Count and time every request for the metrics (METRICS, METRICS_PORT). */
  requestMetrics: boolean;
}

export const lifecycle = appWide<LifecycleOptions>('lifecycle', async (app, options) => {
  // Callback-style hooks: these run on every request, and a promise apiece shows.
  // While shutting down, requests on open keep-alive connections get the
  // envelope (rather than fastify's own 503 body) and the connection closes.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-ID', request.id);
    if (closing) {
      reply.header('Connection', 'close');
      return done(new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry on another'));
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      return done(validationError([{ field: 'Host', message: 'Required for HTTP/1.1' }]));
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      { method: request.method, ...requestTarget(request), statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
    done();
  });
  if (options.requestMetrics) countRequests(app);
});
