// Shared by the hostile-input suites: every endpoint of the contract, the one
// assertion they all make (never a 5xx; every non-2xx in the one envelope), a
// canary contact that must survive each barrage, and a check that no request
// reached Object.prototype.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { ERROR_STATUS, type ErrorCode } from '../../src/domain/errors.js';
import { after, before } from 'node:test';
import { startApp, type StartOptions, type StoreKind, type TestApp } from '../support/app.js';
import { assertContact, createContact, type Auth, type ContactJson } from '../support/contacts.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Endpoint {
  method: Method;
  /** The path with `:id` (a contact) or `:jobId` where the route has one. */
  route: string;
  /** What the route reads from the body. */
  body: 'json' | 'multipart' | 'none';
  authenticated: boolean;
}

export const ENDPOINTS: Endpoint[] = [
  { method: 'GET', route: '/contacts', body: 'none', authenticated: true },
  { method: 'POST', route: '/contacts', body: 'json', authenticated: true },
  { method: 'GET', route: '/contacts/:id', body: 'none', authenticated: true },
  { method: 'PATCH', route: '/contacts/:id', body: 'json', authenticated: true },
  { method: 'DELETE', route: '/contacts/:id', body: 'none', authenticated: true },
  { method: 'POST', route: '/contacts/import', body: 'multipart', authenticated: true },
  { method: 'GET', route: '/contacts/import/:jobId', body: 'none', authenticated: true },
  { method: 'POST', route: '/contacts/bulk-subscribe', body: 'json', authenticated: true },
  { method: 'POST', route: '/contacts/bulk-unsubscribe', body: 'json', authenticated: true },
  { method: 'POST', route: '/contacts/bulk-delete', body: 'json', authenticated: true },
  { method: 'GET', route: '/contacts/bulk/:jobId', body: 'none', authenticated: true },
  { method: 'GET', route: '/contacts/changes', body: 'none', authenticated: true },
  { method: 'GET', route: '/health', body: 'none', authenticated: false },
  { method: 'GET', route: '/ready', body: 'none', authenticated: false },
  { method: 'GET', route: '/openapi.json', body: 'none', authenticated: false },
  { method: 'GET', route: '/docs', body: 'none', authenticated: false },
];

export const JSON_ENDPOINTS = ENDPOINTS.filter((endpoint) => endpoint.body === 'json');
export const PARAM_ENDPOINTS = ENDPOINTS.filter((endpoint) => endpoint.route.includes('/:'));

/** The route with its parameter replaced by `segment` (already URL-encoded). */
export function pathOf(endpoint: Endpoint, segment: string): string {
  return endpoint.route.replace(/:(id|jobId)$/, segment);
}

export function label(endpoint: Endpoint): string {
  return `${endpoint.method} ${endpoint.route}`;
}

/** Every byte as %XX: raw bytes in a URL, whatever they decode to (or do not). */
export function percentEncode(bytes: Uint8Array): string {
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/**
 * The property every hostile request must have: no 5xx, and a non-2xx answer
 * is exactly {error:{code,message,statusCode,requestId[,errors]}} with a code
 * of the contract's table, its status, and the X-Request-ID of the answer.
 */
export function assertHandled(response: LightMyRequestResponse, context: string): void {
  const where = `${context} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  assert.ok(response.statusCode < 500, where);
  assert.match(String(response.headers['x-request-id']), /^[A-Za-z0-9._:-]{1,128}$/, where);
  if (response.statusCode < 300) return;
  // The service's one redirect: GET / (and any path a URL parser resolves to /, such as /contacts/%2e%2e) → /docs.
  if (response.statusCode === 302) {
    assert.equal(response.headers.location, '/docs', where);
    return;
  }
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', where);
  const body = JSON.parse(response.body);
  assert.deepEqual(Object.keys(body), ['error'], where);
  const { error } = body;
  const keys = ['code', 'message', 'statusCode', 'requestId'];
  assert.deepEqual(Object.keys(error), 'errors' in error ? [...keys, 'errors'] : keys, where);
  assert.ok(Object.hasOwn(ERROR_STATUS, error.code), where);
  assert.equal(ERROR_STATUS[error.code as ErrorCode], response.statusCode, where);
  assert.equal(error.statusCode, response.statusCode, where);
  assert.ok(typeof error.message === 'string' && error.message.length > 0, where);
  assert.equal(error.requestId, response.headers['x-request-id'], where);
  if ('errors' in error) {
    assert.ok(Array.isArray(error.errors) && error.errors.length > 0, where);
    for (const item of error.errors) {
      assert.deepEqual(Object.keys(item), ['field', 'message'], where);
      assert.ok(typeof item.field === 'string' && typeof item.message === 'string', where);
    }
  }
}

/** assertHandled, and the exact status and code. */
/** Whether a URL names the root once its dot segments are resolved, as a WHATWG URL parser (and so inject, fetch and curl) resolves them. */
export function resolvesToRoot(url: string): boolean {
  try {
    return new URL(url, 'http://localhost').pathname === '/';
  } catch {
    return false;
  }
}

export function assertRefused(response: LightMyRequestResponse, status: number, code: ErrorCode, context: string): void {
  assertHandled(response, context);
  assert.equal(response.statusCode, status, `${context} → ${response.statusCode} ${response.body.slice(0, 300)}`);
  assert.equal(JSON.parse(response.body).error.code, code, context);
}

export interface Canary {
  auth: Auth;
  contact: ContactJson;
}

/** A contact, made before a barrage, that must come through it untouched. */
export async function plantCanary(t: TestApp): Promise<Canary> {
  const { auth } = await t.project('canary');
  const contact = await createContact(t, auth, {
    email: 'canary@example.com',
    subscribed: false,
    data: { plan: 'pro', nested: { list: [1, 'two', null, true] }, quote: `'";--%_\\` },
  });
  return { auth, contact };
}

export async function assertCanaryIntact(t: TestApp, canary: Canary): Promise<void> {
  const read = await t.app.inject({ method: 'GET', url: `/contacts/${canary.contact.id}`, headers: canary.auth });
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(assertContact(JSON.parse(read.body)), canary.contact);
  const list = await t.app.inject({ method: 'GET', url: '/contacts', headers: canary.auth });
  assert.equal(list.statusCode, 200, list.body);
  assert.equal(JSON.parse(list.body).total, 1);
  const health = await t.app.inject({ method: 'GET', url: '/health' });
  assert.equal(health.statusCode, 200);
}

/**
 * The before/after hooks of a hostile suite: a fresh app on `kind` holding
 * another project's canary, and the attacker's project, handed to `ready`;
 * afterwards the canary must have come through untouched.
 */
export function attackedAppPerSuite(
  kind: StoreKind,
  ready: (t: TestApp, attacker: Auth, canary: Canary) => void,
  options: StartOptions = {},
): void {
  let app: TestApp | undefined;
  let canary: Canary | undefined;
  before(async () => {
    // These suites queue thousands of jobs in one project with no worker to
    // run them; the pending cap (tested in test/jobs/project-bounds.test.ts)
    // would refuse all but the first few.
    app = await startApp(kind, { ...options, limits: { jobsPendingPerProject: 1_000_000, ...options.limits } });
    canary = await plantCanary(app);
    ready(app, (await app.project('attacker')).auth, canary);
  });
  after(async () => {
    try {
      if (app && canary) await assertCanaryIntact(app, canary);
    } finally {
      await app?.close();
    }
  });
}

/** Object.prototype's own properties and their descriptors, to compare after a barrage. */
export function prototypeSnapshot(): Map<string, PropertyDescriptor> {
  return new Map(Reflect.ownKeys(Object.prototype).map((key) => [String(key), Object.getOwnPropertyDescriptor(Object.prototype, key)!]));
}

export function assertPrototypeUntouched(before: Map<string, PropertyDescriptor>): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, '({}).polluted');
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(prototypeSnapshot(), before, 'Object.prototype changed');
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
}
