// Helpers for the contacts suites: requests with a project's key, and exact
// checks of the contact object and the error envelope (CONTRACT.md).
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { json, type TestApp } from './app.js';

export type Auth = { authorization: string };

export interface ContactJson {
  id: string;
  email: string;
  subscribed: boolean;
  data: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface PageJson {
  contacts: ContactJson[];
  cursor: string | null;
  hasMore: boolean;
  total?: number;
}

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** An id in the right shape that no contact will ever have. */
export const NEVER_ID = '00000000-0000-7000-8000-000000000000';

/** Asserts the exact shape of a contact object and returns it. */
export function assertContact(value: unknown): ContactJson {
  const contact = value as ContactJson;
  assert.deepEqual(Object.keys(contact), ['id', 'email', 'subscribed', 'data', 'createdAt', 'updatedAt']);
  assert.match(contact.id, UUID_V7);
  assert.equal(typeof contact.email, 'string');
  assert.equal(typeof contact.subscribed, 'boolean');
  assert.ok(typeof contact.data === 'object' && contact.data !== null && !Array.isArray(contact.data), 'data is an object');
  assert.match(contact.createdAt, TIMESTAMP);
  assert.match(contact.updatedAt, TIMESTAMP);
  return contact;
}

/** POST /contacts, asserting the given status (201 by default), and returns the contact. */
export async function createContact(t: TestApp, auth: Auth, body: object, status = 201): Promise<ContactJson> {
  const response = await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: body });
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  return assertContact(json(response));
}

/** Creates contacts one after another; returns them in creation order. */
export async function createContacts(t: TestApp, auth: Auth, emails: string[]): Promise<ContactJson[]> {
  const created: ContactJson[] = [];
  for (const email of emails) created.push(await createContact(t, auth, { email }));
  return created;
}

export function getContact(t: TestApp, auth: Auth, id: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url: `/contacts/${id}`, headers: auth });
}

export function patchContact(t: TestApp, auth: Auth, id: string, body: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'PATCH', url: `/contacts/${id}`, headers: auth, payload: body as object });
}

export function deleteContact(t: TestApp, auth: Auth, id: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'DELETE', url: `/contacts/${id}`, headers: auth });
}

/** GET /contacts with a query object; asserts 200 and the page shape. */
export async function listPage(t: TestApp, auth: Auth, query: Record<string, string | number> = {}): Promise<PageJson> {
  const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: auth, query: stringify(query) });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  const page = json<PageJson>(response);
  const keys = 'cursor' in query ? ['contacts', 'cursor', 'hasMore'] : ['contacts', 'cursor', 'hasMore', 'total'];
  assert.deepEqual(Object.keys(page), keys);
  assert.equal(page.cursor === null, !page.hasMore, 'cursor is null exactly when hasMore is false');
  page.contacts.forEach(assertContact);
  return page;
}

/** Every contact matching `query`, walking all pages. */
export async function listAll(t: TestApp, auth: Auth, query: Record<string, string | number> = {}): Promise<ContactJson[]> {
  const all: ContactJson[] = [];
  let page = await listPage(t, auth, query);
  all.push(...page.contacts);
  while (page.cursor !== null) {
    page = await listPage(t, auth, { ...query, cursor: page.cursor });
    all.push(...page.contacts);
  }
  return all;
}

/** Every contact of the project, by email. */
export async function contactsByEmail(t: TestApp, auth: Auth): Promise<Map<string, ContactJson>> {
  return new Map((await listAll(t, auth)).map((contact) => [contact.email, contact]));
}

function stringify(query: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([key, value]) => [key, String(value)]));
}

export interface ExpectedError {
  code: string;
  message?: string | RegExp;
  errors?: { field: string; message: string | RegExp }[];
}

/**
 * Asserts the one error envelope: exactly {error:{code,message,statusCode,
 * requestId[,errors]}}, with requestId equal to the X-Request-ID header.
 */
export function assertError(response: LightMyRequestResponse, status: number, expected: ExpectedError): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  const body = json(response);
  assert.deepEqual(Object.keys(body), ['error']);
  const error = body.error;
  const keys = ['code', 'message', 'statusCode', 'requestId'];
  assert.deepEqual(Object.keys(error), expected.errors ? [...keys, 'errors'] : keys);
  assert.equal(error.code, expected.code);
  assert.equal(error.statusCode, status);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
  else if (expected.message) assert.match(error.message, expected.message);
  assert.equal(error.requestId, response.headers['x-request-id']);
  if (expected.errors) {
    assert.equal(error.errors.length, expected.errors.length, JSON.stringify(error.errors));
    expected.errors.forEach((want, i) => {
      assert.deepEqual(Object.keys(error.errors[i]), ['field', 'message']);
      assert.equal(error.errors[i].field, want.field);
      if (typeof want.message === 'string') assert.equal(error.errors[i].message, want.message);
      else assert.match(error.errors[i].message, want.message);
    });
  }
}

/** The error body without its requestId, for comparing two answers. */
export function errorWithoutRequestId(response: LightMyRequestResponse): unknown {
  const { requestId: _ignored, ...rest } = json(response).error;
  return { status: response.statusCode, ...rest };
}

export const INVALID_EMAIL = { code: 'VALIDATION_ERROR', message: 'email: Invalid email address', errors: [{ field: 'email', message: 'Invalid email address' }] };
