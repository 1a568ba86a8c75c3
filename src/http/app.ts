// The HTTP application: fastify with our error envelope, request ids, one log
// line per request, strict JSON bodies, the OpenAPI document, and the routes.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import type { IncomingMessage as Req, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AppError, notFound, validationError } from '../domain/errors.js';
import { ContactService } from '../domain/contacts.js';
import { ExportService } from '../domain/export.js';
import { JobService } from '../domain/jobs.js';
import { ProjectService } from '../domain/projects.js';
import { jsonShapeProblem } from '../domain/json-depth.js';
import { jsonSyntaxMessage } from './json-syntax.js';
import { DEFAULT_LIMITS, type Limits } from '../config.js';
import type { Store } from '../domain/store.js';
import { unsupportedEncoding } from './content-encoding.js';
import { answerClientError, handleError, sendError } from './error-response.js';
import { methodTable } from './method-not-allowed.js';
import { contactRoutes } from './routes/contacts.js';
import { bulkRoutes } from './routes/bulk.js';
import { importRoutes } from './routes/imports.js';
import { ImportService } from '../domain/import/import-service.js';
import { operationRoutes } from './routes/operations.js';
import { countRequests } from './metrics.js';
import { ContactSchema, ErrorSchema, HEADERS } from './schemas.js';
import { JOB_SCHEMAS } from './routes/job-schemas.js';
import { validatorCompiler } from './validation.js';
import { applyRateLimit, type RateLimiter } from './rate-limit.js';

export type FastifyTypeBox = FastifyInstance<RawServerDefault, Req, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The project of the API key that authenticated this request. */
    projectId: string;
  }
}

export interface AppOptions {
  store: Store;
  logger: FastifyBaseLogger;
  /** Called whenever a job is accepted (the in-process worker wakes up). */
  onJobQueued?: () => void;
  /** Per-project rate limits; none when unset. */
  rateLimiter?: RateLimiter;
  /** Per-project bounds on shared resources (defaults: DEFAULT_LIMITS). */
  limits?: Limits;
  /**
   * Request metrics: `served` counts requests and serves GET /metrics here
   * (METRICS=true); `counted` only counts them, for a metrics listener of its
   * own (METRICS_PORT). None when unset.
   */
  metrics?: 'served' | 'counted';
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_BODY_LIMIT = 1024 * 1024;

function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

const MAX_PARAM_LENGTH = 2048;

function notFoundForPath(url: string): AppError {
  const path = url.split('?')[0] ?? url;
  if (/^\/contacts\/(import|bulk)\/[^/]*$/.test(path)) return notFound('Job');
  if (/^\/contacts\/[^/]*$/.test(path)) return notFound('Contact');
  return new AppError('NOT_FOUND', 'No such route');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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

const CONTACTS_PATH = /^\/contacts(?:[/?]|$)/;

type OpenApiDocument = {
  components?: { headers?: Record<string, unknown> };
  paths?: Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
};

/**
 * The routes declare each response's headers by name (schemas.ts); the
 * document lists each header once, under components, and refers to it.
 */
function withSharedHeaders(document: OpenApiDocument): OpenApiDocument {
  const used = new Set<keyof typeof HEADERS>();
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const name of Object.keys(response.headers ?? {})) {
          if (!Object.hasOwn(HEADERS, name)) continue;
          used.add(name as keyof typeof HEADERS);
          response.headers![name] = { $ref: `#/components/headers/${name}` };
        }
      }
    }
  }
  const headers = Object.fromEntries([...used].sort().map((name) => [name, HEADERS[name]]));
  return { ...document, components: { ...document.components, headers } };
}

export async function buildApp({ store, logger, onJobQueued, rateLimiter, limits = DEFAULT_LIMITS, metrics }: AppOptions): Promise<FastifyTypeBox> {
  const projects = new ProjectService(store);
  /** The project a /contacts request acts for, once its key and the rate limit let it through. */
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<string> => {
    const projectId = await projects.authenticate(request.headers.authorization);
    if (rateLimiter) await applyRateLimit(rateLimiter, projectId, reply);
    return projectId;
  };

  const app = Fastify({
    loggerInstance: logger,
    // Our onRequest hook answers requests that arrive while closing (below).
    return503OnClosing: false,
    // One log line per request, written by our onResponse hook below.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    bodyLimit: JSON_BODY_LIMIT,
    // `__proto__` and `constructor` are ordinary data keys here; our objects
    // never let them reach a prototype (see domain/data.ts).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Ids are never this long, but a long one must still be a plain 404.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A path the router cannot decode names nothing that exists. Under
    // /contacts it still needs a key first, as any other id would.
    frameworkErrors: (error, request, reply) => {
      const missing = notFoundForPath(request.url);
      if (!CONTACTS_PATH.test(request.url)) return sendError(reply, missing);
      authorize(request, reply).then(
        () => sendError(reply, missing),
        (refused: FastifyError) => handleError(refused, request, reply),
      );
    },
    // What node's HTTP parser refuses gets the envelope too (see answerClientError).
    clientErrorHandler: (error, socket) => answerClientError(error, socket, logger),
    // Node's own answer to an HTTP/1.1 request without Host has no envelope; ours (below) has.
    http: { requireHostHeader: false },
    // Node's default, which fastify turns off: a body trickled in forever holds a connection forever.
    requestTimeout: 300_000,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(handleError);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // A request no route takes gets its 404 or 405, whatever its body.
    if (request.is404) return done(null, undefined);
    const bytes = body as Buffer;
    if (bytes.length === 0 && (request.method === 'DELETE' || request.method === 'GET')) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(new AppError('INVALID_JSON', 'The body is not valid UTF-8'), undefined);
    }
    const shapeProblem = jsonShapeProblem(text);
    if (shapeProblem) return done(validationError([{ field: 'body', message: shapeProblem }]), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return done(new AppError('INVALID_JSON', jsonSyntaxMessage(text, error)), undefined);
    }
    done(null, parsed);
  });

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
  if (metrics) countRequests(app);

  const methods = methodTable(app, MAX_PARAM_LENGTH);
  app.setNotFoundHandler(methods.answerUnrouted);

  app.addSchema(ErrorSchema);
  app.addSchema(ContactSchema);
  for (const schema of JOB_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rolodex',
        version: '1',
        description:
          'Contacts for email platforms. Every /contacts endpoint needs `Authorization: Bearer sk_…`; ' +
          'every answer carries X-Request-ID, and every non-2xx answer the Error envelope.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: [
        { name: 'contacts', description: 'Contacts, one at a time' },
        { name: 'imports', description: 'CSV and NDJSON imports: upload, preview, status, failed rows' },
        { name: 'bulk', description: 'Subscribe, unsubscribe or delete many contacts by id' },
        { name: 'operations', description: 'Liveness, readiness and this document; no key needed' },
      ],
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    // Name components after their $id (Contact, Error) rather than def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documentObject) =>
      withSharedHeaders((documentObject as unknown as { openapiObject: OpenApiDocument }).openapiObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  operationRoutes(app, store, { serveMetrics: metrics === 'served' });

  const contacts = new ContactService(store);
  const jobs = new JobService(store, onJobQueued, limits.jobsPendingPerProject);
  await app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    api.decorateRequest('projectId', '');
    api.addHook('onRequest', async (request, reply) => {
      request.projectId = await authorize(request, reply);
      const encoded = unsupportedEncoding(request);
      if (encoded) throw encoded;
    });
    contactRoutes(api, contacts, new ExportService(store), limits);
    await importRoutes(api, new ImportService(store, jobs), limits);
    bulkRoutes(api, jobs);
  });
  // Ids are UUIDs, so /contacts/import and the bulk paths are only ever
  // themselves: GET /contacts/import is a 405 (Allow: POST), not a lookup.
  methods.refuseOtherMethods('/contacts');

  return app;
}
