// The HTTP application: fastify put together from its plugins (plugins/):
// request bodies, each request's life around its route, the route table
// behind the 404 and 405 answers, the OpenAPI document, and the routes, those
// under /contacts in the scope that checks API keys.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage as Req, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ContactService } from '../domain/contacts.js';
import { ChangeService } from '../domain/changes.js';
import { ExportService } from '../domain/export.js';
import { JobService } from '../domain/jobs.js';
import { ImportService } from '../domain/import/import-service.js';
import { DEFAULT_LIMITS, type Limits } from '../config.js';
import type { Store } from '../domain/store.js';
import { handleError } from './error-response.js';
import { validatorCompiler } from './validation.js';
import type { RateLimiter } from './rate-limit.js';
import { auth, authorizer, replayForRefusedPath } from './plugins/auth.js';
import { JSON_BODY_OPTIONS, jsonBody } from './plugins/json-body.js';
import { lifecycle, lifecycleOptions } from './plugins/lifecycle.js';
import { openapi } from './plugins/openapi.js';
import { ROUTER_OPTIONS, RouteTable, routeTable } from './plugins/route-table.js';
import { operationRoutes } from './routes/operations.js';
import { contactRoutes } from './routes/contacts.js';
import { importRoutes } from './routes/imports.js';
import { bulkRoutes } from './routes/bulk.js';
import { webhookRoutes } from './routes/webhooks.js';
import { dashboard } from '../web/index.js';
import { UploadSlots } from './upload-slots.js';
import { AdminService } from '../domain/admins.js';
import { ProjectService } from '../domain/projects.js';
import { WebhookService } from '../domain/webhooks.js';
import { SecretBox, SecretsKeyMissingError } from '../webhooks/secret-box.js';

export type FastifyTypeBox = FastifyInstance<RawServerDefault, Req, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

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
  /** Proxies trusted for the client's address and protocol (TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  /**
   * Webhooks: the box that seals signing secrets (webhooks/secret-box.ts), and
   * whether private addresses are allowed (WEBHOOK_ALLOW_PRIVATE). Without
   * it, creating a webhook answers 503.
   */
  webhooks?: { secrets: SecretBox; allowPrivate: boolean };
}

const NO_WEBHOOK_SECRETS = {
  secrets: new SecretBox(() => {
    throw new SecretsKeyMissingError();
  }),
  allowPrivate: false,
};

export async function buildApp({
  store, logger, onJobQueued, rateLimiter, limits = DEFAULT_LIMITS, metrics, trustProxy = false, webhooks = NO_WEBHOOK_SECRETS,
}: AppOptions): Promise<FastifyTypeBox> {
  const routes = new RouteTable();
  const authorize = authorizer(store, rateLimiter);

  const app = Fastify({
    ...lifecycleOptions(logger),
    ...JSON_BODY_OPTIONS,
    routerOptions: ROUTER_OPTIONS,
    // A number is that many hops of proxies in front (proxy-addr's rule).
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // A path the router cannot take names nothing that exists: the route table's 404, after a key where one is needed.
    frameworkErrors: replayForRefusedPath(routes, authorize),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(handleError);

  // In this order: each one's hooks, parsers and 404 handler must be in
  // place before the routes (and the scopes) that follow.
  await app.register(jsonBody);
  await app.register(lifecycle, { requestMetrics: metrics !== undefined });
  await app.register(routeTable, { routes });
  await app.register(openapi);

  operationRoutes(app, store, { serveMetrics: metrics === 'served' });

  const contacts = new ContactService(store);
  // Exports stream from the API and the dashboard alike: one count of them.
  const exportSlots = new UploadSlots(limits.exportsInProgress, limits.exportsPerProject, 'exports');
  const uploadSlots = new UploadSlots(limits.uploadsInProgress, limits.uploadsPerProject);
  const jobs = new JobService(store, onJobQueued, limits.jobsPendingPerProject);
  const imports = new ImportService(store, jobs);
  await app.register(auth, {
    authorize,
    routes,
    async register(api) {
      contactRoutes(api, contacts, new ChangeService(store), new ExportService(store), exportSlots);
      await importRoutes(api, imports, limits, uploadSlots);
      bulkRoutes(api, jobs);
      webhookRoutes(api, new WebhookService(store, webhooks.secrets, webhooks.allowPrivate));
    },
  });

  await app.register(async (scope) =>
    dashboard(scope, {
      store,
      admins: new AdminService(store),
      projects: new ProjectService(store),
      contacts,
      jobs,
      imports,
      exports: new ExportService(store),
      limits,
      exportSlots,
      uploadSlots,
    }),
  );

  // Last: the table is complete once every route is registered.
  routes.refuseOtherMethods(app);

  return app;
}
