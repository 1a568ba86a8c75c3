// Property-based fuzzing of every endpoint (fast-check): arbitrary JSON values,
// strings (full Unicode, lone surrogates, NUL), byte buffers, number literals
// no double holds, query strings, paths, headers and multipart uploads. Every
// answer is below 500 and, when not 2xx, the one envelope; afterwards the
// canary is intact, Object.prototype untouched, and every accepted job ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { storeKinds, type TestApp } from '../support/app.js';
import { createContact, NEVER_ID, type Auth, type ContactJson } from '../support/contacts.js';
import { multipartBody, waitForJob } from '../support/jobs.js';
import {
  assertCanaryIntact,
  assertHandled,
  assertPrototypeUntouched,
  attackedAppPerSuite,
  ENDPOINTS,
  JSON_ENDPOINTS,
  label,
  PARAM_ENDPOINTS,
  pathOf,
  percentEncode,
  prototypeSnapshot,
  resolvesToRoot,
  type Canary,
  type Endpoint,
} from './hostile.js';

const RUNS = 200;

// Strings: any code point, any UTF-16 unit (lone surrogates included), and the usual suspects.
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const SUSPECTS = [
  '', '\u0000', '\ud800', '\udfff', '__proto__', 'constructor', 'prototype', "' OR 1=1 --", '%', '_', '\\', '%00', '%FF',
  '1e400', 'NaN', 'null', 'a@b.co', 'A@EXAMPLE.COM', ' x@example.com ', NEVER_ID, '..', '/', '?', '#', '&', '=',
];
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: utf16Unit, maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.emailAddress(),
  fc.constantFrom(...SUSPECTS),
);
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4, stringUnit: utf16Unit }),
  fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
);
// Numbers as JSON text: out of double range, absurdly long, and the literals JSON forbids.
const numberLiteral = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1e-400', '-0', 'NaN', 'Infinity', '-Infinity', '0x10', '+1', '.5', '5.', '01', '1e', '--1'),
  fc.stringMatching(/^-?[0-9]{1,400}(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,5})?$/),
  fc.double().map(String),
);

/** A query-string or path piece: encoded text, or raw bytes percent-encoded whatever they decode to. */
const encoded = fc.oneof(
  hostileString.map((text) => (text.isWellFormed() ? encodeURIComponent(text) : percentEncode(Buffer.from(text)))),
  fc.uint8Array({ maxLength: 16 }).map(percentEncode),
  // Printable ASCII as is, but '#' (a fragment, never sent) and a backslash (which light-my-request's
  // WHATWG URL turns into '/'; hostile-process sends a raw one over a socket).
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((text) => text.replace(/[#\s\\]/g, '')),
);
const queryName = fc.oneof(fc.constantFrom('limit', 'cursor', 'search', 'subscribed', '__proto__', 'constructor[prototype]', ''), encoded);
const queryString = fc.array(fc.tuple(queryName, encoded), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const endpoint = fc.constantFrom(...ENDPOINTS);

for (const kind of storeKinds()) {
  describe(`fuzzing every endpoint (${kind.name})`, () => {
    const snapshot = prototypeSnapshot();
    let t: TestApp;
    let canary: Canary;
    let auth: Auth;
    let target: ContactJson;
    let cases = 0;
    const accepted: string[] = [];
    attackedAppPerSuite(kind, (app, attacker, planted) => ((t = app), (auth = attacker), (canary = planted)), { worker: true });
    before(async () => {
      target = await createContact(t, auth, { email: 'target@example.com', data: { keep: 'me' } });
    });
    after(() => console.log(`# fuzz cases run (${kind.name}): ${cases}`));

    /** Sends a request, checks the answer, and remembers accepted jobs to wait for. */
    const check = async (request: { method: string; url: string; headers?: Record<string, string>; payload?: string | Buffer }) => {
      cases++;
      const response = await t.app.inject({ ...request, method: request.method as InjectOptions['method'] });
      const context = `${request.method} ${request.url.slice(0, 200)}`;
      if (request.method === 'HEAD') assert.ok(response.statusCode < 500, context);
      else assertHandled(response, context);
      if (response.statusCode === 202) accepted.push(String(response.headers.location));
      return response;
    };
    const urlOf = (e: Endpoint) => pathOf(e, target.id);
    const headersOf = (e: Endpoint, extra: Record<string, string> = {}) => ({ ...(e.authenticated ? auth : {}), ...extra });
    const json = { 'content-type': 'application/json' };

    test('arbitrary JSON values, and near-valid objects with hostile fields, as the body of every JSON endpoint', async () => {
      const nearValid = fc.record(
        { email: fc.oneof(hostileString, jsonValue), subscribed: jsonValue, data: fc.oneof(jsonValue, fc.dictionary(hostileString, jsonValue, { maxKeys: 8 })), contactIds: fc.oneof(fc.array(hostileString, { maxLength: 8 }), jsonValue), mode: fc.oneof(hostileString, jsonValue) },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...JSON_ENDPOINTS), fc.oneof(jsonValue, nearValid), async (e, body) => {
          await check({ method: e.method, url: urlOf(e), headers: headersOf(e, json), payload: JSON.stringify(body) });
        }),
        { numRuns: RUNS * 2 },
      );
    });

    test('number literals no double holds, and JSON-like text, inside bodies', async () => {
      const template = fc.constantFrom(
        (n: string) => `{"email":"n@example.com","data":{"n":${n}}}`,
        (n: string) => `{"data":{"a":[${n},{"b":${n}}]}}`,
        (n: string) => `{"email":${n}}`,
        (n: string) => `{"subscribed":${n}}`,
        (n: string) => `{"contactIds":[${n}]}`,
        (n: string) => n,
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...JSON_ENDPOINTS), template, numberLiteral, async (e, make, n) => {
          await check({ method: e.method, url: urlOf(e), headers: headersOf(e, json), payload: make(n) });
        }),
        { numRuns: RUNS },
      );
    });

    test('arbitrary bytes and strings as bodies, under arbitrary content types, on every endpoint', async () => {
      const contentType = fc.oneof(
        fc.constantFrom('application/json', 'multipart/form-data; boundary=XX', 'multipart/form-data', 'text/csv', 'application/x-www-form-urlencoded', ''),
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      );
      const body = fc.oneof(fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)), hostileString.map((text) => Buffer.from(text)));
      await fc.assert(
        fc.asyncProperty(endpoint, contentType, body, async (e, type, payload) => {
          await check({ method: e.method, url: urlOf(e), headers: headersOf(e, { 'content-type': type }), payload });
        }),
        { numRuns: RUNS * 2 },
      );
    });

    test('arbitrary query strings on every endpoint', async () => {
      await fc.assert(
        fc.asyncProperty(endpoint, queryString, async (e, query) => {
          const payload = e.body === 'json' ? '{}' : undefined;
          await check({ method: e.method, url: `${urlOf(e)}?${query}`, headers: headersOf(e, payload ? json : {}), payload });
        }),
        { numRuns: RUNS * 2 },
      );
    });

    test('arbitrary :id and :jobId segments → 404; arbitrary paths under any method → a 4xx envelope', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...PARAM_ENDPOINTS), fc.oneof(encoded, fc.uuid().map(String)), async (e, segment) => {
          const payload = e.body === 'json' ? '{}' : undefined;
          const response = await check({ method: e.method, url: pathOf(e, segment), headers: headersOf(e, payload ? json : {}), payload });
          // A segment a URL parser takes for `..` makes the request one for the root (GET → the dashboard's login page, else 405).
          const expected = resolvesToRoot(pathOf(e, segment)) ? (e.method === 'GET' ? 200 : 405) : 404;
          if (segment !== target.id) assert.equal(response.statusCode, expected, `${label(e)} at ${segment}: ${response.body}`);
        }),
        { numRuns: RUNS },
      );
      const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');
      const path = fc.array(fc.oneof(encoded, fc.constantFrom('contacts', 'import', 'bulk', 'docs', 'static', 'health')), { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
      await fc.assert(
        fc.asyncProperty(method, path, async (m, url) => {
          await check({ method: m, url, headers: auth });
        }),
        { numRuns: RUNS },
      );
    });

    test('arbitrary Authorization, X-Request-ID and Content-Type header values', async () => {
      const headerValue = fc.oneof(
        fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((text) => `Bearer ${text}`),
        fc.constantFrom(`Bearer ${'sk_'.padEnd(46, '0')}`, 'Bearer pk_', 'bearer', 'Bearer  sk_x'),
      );
      await fc.assert(
        fc.asyncProperty(endpoint, headerValue, headerValue, headerValue, async (e, authorization, requestId, type) => {
          await check({ method: e.method, url: urlOf(e), headers: { authorization, 'x-request-id': requestId, 'content-type': type }, payload: '{}' });
        }),
        { numRuns: RUNS },
      );
    });

    test('arbitrary CSV text and bytes uploaded to the import: 202 or 400, and every accepted import completes', async () => {
      const cell = fc.oneof(hostileString, fc.constantFrom('"', '""', '"a,b"', ',', ';', '\t', '\r', '\n', '\r\n', 'true', 'yes', '0', '1.50', '02134'));
      const row = fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(','));
      const csv = fc.oneof(
        fc.array(row, { maxLength: 6 }).map((rows) => `email,subscribed,plan\n${rows.join('\n')}`),
        fc.array(row, { maxLength: 6 }).map((rows) => rows.join('\r\n')),
        fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      );
      await fc.assert(
        fc.asyncProperty(csv, async (content) => {
          const { payload, headers } = multipartBody(content);
          const response = await check({ method: 'POST', url: '/contacts/import', headers: { ...auth, ...headers }, payload });
          assert.ok([202, 400].includes(response.statusCode), response.body);
        }),
        { numRuns: RUNS },
      );
    });

    test('afterwards: every accepted job completed, the canary is intact, Object.prototype untouched', async () => {
      assert.ok(accepted.length > 0, 'some fuzz cases were accepted as jobs');
      for (const location of accepted) {
        const job = await waitForJob(t, auth, location, 60_000);
        assert.equal(job.state, 'completed', `${location}: ${JSON.stringify(job)}`);
      }
      assertPrototypeUntouched(snapshot);
      await assertCanaryIntact(t, canary);
    });
  });
}
