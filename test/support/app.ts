// Test fixtures: a real store (a fresh SQLite file per app), the real fastify
// app driven in-process, and projects with real keys.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssertionError } from 'node:assert';
import type { LightMyRequestResponse } from 'fastify';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { buildApp, type FastifyTypeBox } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_LIMITS, DEFAULT_WEBHOOK_SETTINGS, type Limits, type WebhookSettings } from '../../src/config.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { SecretBox } from '../../src/webhooks/secret-box.js';
import type { RateLimiter } from '../../src/http/rate-limit.js';
import { ProjectService, type CreatedProject } from '../../src/domain/projects.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/domain/store.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { PoolSettings } from '../../src/storage/postgres/database.js';
import pg from 'pg';

export interface StoreKind {
  name: string;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

/** True when the test run provides PostgreSQL (scripts/test.js does, or says why not). */
export const hasPostgres = Boolean(process.env.ROLODEX_TEST_PG_TEMPLATE);

/**
 * A fresh copy of the run's migrated template database (see scripts/test.js),
 * for tests that point real processes at PostgreSQL. `drop()` removes it.
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.ROLODEX_TEST_PG_URL!;
  const template = process.env.ROLODEX_TEST_PG_TEMPLATE!;
  const database = `${template.replace(/_template$/, '')}_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${database}" TEMPLATE "${template}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

/** PostgreSQL on a fresh database, with pool settings of the test's choosing; `opened` hears its URL. */
export function postgresStoreKind(settings?: PoolSettings, opened?: (url: string) => void): StoreKind {
  return {
    name: 'postgres',
    async open() {
      const database = await freshPostgresDatabase();
      opened?.(database.url);
      const store = await PostgresStore.connect(database.url, settings);
      await store.migrate();
      return {
        store,
        async cleanup() {
          await store.close();
          await database.drop();
        },
      };
    },
  };
}

const postgresKind = postgresStoreKind();

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The stores every shared suite runs against: SQLite always, PostgreSQL when
 * the test run has one (scripts/test.js always provides it, or says why not).
 */
export function storeKinds(): StoreKind[] {
  return [
    ...(hasPostgres ? [postgresKind] : []),
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'rolodex-test-'));
        const store = SqliteStore.open(join(dir, 'rolodex.db'));
        await store.migrate();
        return {
          store,
          async cleanup() {
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

export interface TestApp {
  app: FastifyTypeBox;
  store: Store;
  projects: ProjectService;
  /** The box the app seals webhook secrets with: a deliverer of the test's own needs it. */
  secrets: SecretBox;
  /** A new project with its keys, plus an Authorization header for its secret key. */
  project(name?: string): Promise<CreatedProject & { auth: { authorization: string } }>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Run a job worker in the same process, as `rolodex serve` does. */
  worker?: boolean;
  /** Jobs the worker runs at once (default 4). */
  concurrency?: number;
  rateLimiter?: RateLimiter;
  /** Bounds that differ from DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** Webhook settings that differ from DEFAULT_WEBHOOK_SETTINGS. */
  webhooks?: Partial<WebhookSettings>;
  /** Deliver webhooks from the same process, as `rolodex serve` does. */
  deliver?: boolean;
}

export async function startApp(kind: StoreKind, options: StartOptions = {}): Promise<TestApp> {
  const { store, cleanup } = await kind.open();
  const logger = createLogger('silent');
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const runner = options.worker
    ? new JobRunner({
        store,
        logger,
        pollMs: 50,
        leaseMs: 5000,
        concurrency: options.concurrency,
        runningPerProject: limits.jobsRunningPerProject,
        waitBeforeYieldMs: 0,
      })
    : undefined;
  const webhooks = { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks };
  const secrets = new SecretBox(() => randomBytes(32));
  const deliverer = options.deliver ? new WebhookDeliverer({ store, logger, secrets, settings: webhooks, pollMs: 20 }) : undefined;
  const app = await buildApp({
    store, logger, rateLimiter: options.rateLimiter, limits, onJobQueued: () => runner?.wake(),
    webhooks: { secrets, allowPrivate: webhooks.allowPrivate },
  });
  await app.ready();
  checkAnswersAgainstDocument(app);
  runner?.start();
  deliverer?.start();
  const projects = new ProjectService(store);
  return {
    app,
    store,
    projects,
    secrets,
    async project(name = 'test') {
      const created = await projects.createProject(name);
      return { ...created, auth: { authorization: `Bearer ${created.secretKey}` } };
    },
    async close() {
      await deliverer?.stop();
      await runner?.stop();
      await app.close();
      await cleanup();
    },
  };
}

// ---------------------------------------------------------------------------
// Every answer a test receives through `app.inject` is checked against the
// app's own /openapi.json: its status must be declared for the operation
// (path template and method), its body must validate against the declared
// schema (JSON) or have the declared media type (text/csv), and the headers
// the document marks required must be there. A mismatch fails the test.
// Objects whose schema lists properties and says nothing of others are
// checked as closed, so a field the server sends but the document omits is
// caught too (the document itself stays open, for clients' sake).

type DocumentResponse = { headers?: Record<string, { $ref: string }>; content?: Record<string, { schema: unknown }> };
type DocumentOperation = { responses: Record<string, DocumentResponse> };
export type OpenApi = {
  paths: Record<string, Record<string, DocumentOperation>>;
  components: { schemas: Record<string, unknown>; headers: Record<string, { required?: boolean; schema: { type: string; minimum?: number } }> };
};

const DOCUMENT_ID = 'openapi.json';
/** Served by @fastify/swagger-ui: a human-readable page, not an operation of the API. */
// The browsable reference and the dashboard (its pages, forms and assets) are not the API.
const OUTSIDE_DOCUMENT = /^\/(?:docs(?:\/|$)|$|login$|logout$|projects(?:\/|$)|assets\/)/;

/** A copy in which each `#/…` reference points into the document by id, and unstated extra properties are refused. */
function strictCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strictCopy);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = key === '$ref' && typeof item === 'string' && item.startsWith('#') ? `${DOCUMENT_ID}${item}` : strictCopy(item);
  }
  if (copy.type === 'object' && typeof copy.properties === 'object' && copy.additionalProperties === undefined) {
    copy.additionalProperties = false;
  }
  return copy;
}

function templateMatcher(template: string): RegExp {
  const pattern = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+');
  return new RegExp(`^${pattern}$`);
}

export class DocumentChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, formats: { binary: true } });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; matcher: RegExp; params: number }[];

  constructor(private readonly document: OpenApi) {
    (formatsPlugin as unknown as { default: (ajv: Ajv2020) => void }).default(this.ajv);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: strictCopy(document.components) });
    this.templates = Object.keys(document.paths)
      .map((template) => ({ template, matcher: templateMatcher(template), params: template.split('{').length - 1 }))
      .sort((a, b) => a.params - b.params);
  }

  /**
   * The operation a request reached: a path the document names literally is
   * only ever itself (ids are UUIDs: PATCH /contacts/import is a 405, not an
   * update of contact "import"); otherwise the template with the fewest parameters.
   */
  private operationFor(method: string, path: string): { template: string; operation: DocumentOperation } | undefined {
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
    const literal = this.document.paths[path];
    if (literal) return literal[verb] ? { template: path, operation: literal[verb] } : undefined;
    for (const { template, matcher } of this.templates) {
      const operation = this.document.paths[template]?.[verb];
      if (operation && matcher.test(path)) return { template, operation };
    }
    return undefined;
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(strictCopy(schema) as object);
      this.validators.set(key, validate);
    }
    return validate;
  }

  check(response: LightMyRequestResponse): void {
    const request = response.raw.req as { method?: string; url?: string };
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?')[0]!;
    const status = response.statusCode;
    const where = `${method} ${path} → ${status}`;
    const fail = (problem: string): never => {
      throw new AssertionError({ message: `The answer does not match /openapi.json (${where}): ${problem}\nbody: ${response.body.slice(0, 500)}` });
    };
    if (!response.headers['x-request-id']) fail('no X-Request-ID header');
    if (OUTSIDE_DOCUMENT.test(path)) return;

    const found = this.operationFor(method, path);
    if (!found) {
      // No operation took the request (404, 405, or refused before routing): the error envelope.
      if (status < 400) fail('a success from a path and method the document does not have');
      if (status === 405 && !response.headers.allow) fail('405 without an Allow header');
      if (method === 'HEAD') return;
      this.checkBody(response, 'Error', { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }, fail);
      return;
    }
    const declared = found.operation.responses[String(status)];
    if (!declared) return fail(`status ${status} is not declared for ${method} ${found.template}`);
    for (const [name, reference] of Object.entries(declared.headers ?? {})) {
      const header = this.document.components.headers[reference.$ref.split('/').pop()!]!;
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) fail(`the required header ${name} is missing`);
        continue;
      }
      if (header.schema.type === 'integer' && !(/^\d+$/.test(String(value)) && Number(value) >= (header.schema.minimum ?? 0))) {
        fail(`header ${name}: ${String(value)} is not an integer >= ${header.schema.minimum ?? 0}`);
      }
    }
    if (method === 'HEAD') return;
    this.checkBody(response, `${found.template} ${method} ${status}`, declared.content, fail);
  }

  private checkBody(response: LightMyRequestResponse, key: string, content: DocumentResponse['content'], fail: (problem: string) => never): void {
    if (!content) {
      if (response.body.length > 0) fail('a body where the document declares none');
      return;
    }
    const type = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const media = content[type];
    if (!media) return fail(`content type "${type}" is not one of ${Object.keys(content).join(', ')}`);
    if (type !== 'application/json') return; // text/csv: the media type is the check
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return fail('the body is not JSON');
    }
    const validate = this.validator(`${key} ${type}`, media.schema);
    if (!validate(body)) fail(this.ajv.errorsText(validate.errors, { separator: '; ' }));
    if (response.statusCode >= 400) {
      const envelope = body as { error: { statusCode: number } };
      if (envelope.error.statusCode !== response.statusCode) fail(`error.statusCode ${envelope.error.statusCode} is not the status`);
    }
  }
}

/** Wraps the app's `inject` (its promise form, which every suite uses) so that each answer is checked. */
function checkAnswersAgainstDocument(app: FastifyTypeBox): void {
  const checker = new DocumentChecker(JSON.parse(JSON.stringify(app.swagger())) as OpenApi);
  const inject = app.inject.bind(app) as (options?: unknown, callback?: unknown) => unknown;
  (app as { inject: unknown }).inject = (options?: unknown, callback?: unknown) => {
    // The chain and callback forms are passed through unchecked; no suite uses them.
    if (options === undefined || callback !== undefined) return inject(options, callback);
    return (inject(options) as Promise<LightMyRequestResponse>).then((response) => {
      checker.check(response);
      return response;
    });
  };
}

export function json<T = any>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/**
 * The before/after hooks of a describe block that works in one project: a
 * fresh app on `kind` and a project in it, handed to `ready` once both exist.
 */
export function appPerSuite(
  kind: StoreKind,
  ready: (t: TestApp, auth: { authorization: string }) => void,
  options: StartOptions = {},
): void {
  let app: TestApp | undefined;
  before(async () => {
    app = await startApp(kind, options);
    ready(app, (await app.project()).auth);
  });
  after(async () => app?.close());
}
