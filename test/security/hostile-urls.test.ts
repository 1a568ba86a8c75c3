// Hostile paths, query strings and headers on every endpoint: invalid UTF-8
// and NUL in percent-encodings and raw bytes, duplicate and unknown query
// parameters, SQL and LIKE metacharacters in search, very long URLs and
// headers. Each gets the documented 4xx in the envelope (or the ordinary
// answer), and nothing is lost.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { createContacts, NEVER_ID, type Auth } from '../support/contacts.js';
import { multipartBody } from '../support/jobs.js';
import {
  assertHandled,
  assertRefused,
  attackedAppPerSuite,
  ENDPOINTS,
  label,
  PARAM_ENDPOINTS,
  pathOf,
  resolvesToRoot,
  type Endpoint,
} from './hostile.js';

/** Path segments that name nothing: bad UTF-8, overlong and surrogate encodings, NUL, traversal, stray %. */
const HOSTILE_SEGMENTS = [
  '%FF', '%C0%AF', '%ED%A0%80', '%E2%82', '%F8%88%80%80%80', '%00', `${NEVER_ID}%00`, `%00${NEVER_ID.slice(3)}`,
  NEVER_ID.toUpperCase(), `${NEVER_ID}%20`, '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%25', '%', '%zz', '%u0000',
  "'%20OR%201=1%20--", '%27%3B%20DROP%20TABLE%20contacts%3B--', '\u00ff\u00fe', 'a'.repeat(5000),
];

/** Query strings, each sent to every endpoint. */
const HOSTILE_QUERIES = [
  '%FF=%FF', 'x=%00', '%00', 'a=%C0%AF', 'b=%ED%A0%80', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1',
  'limit=1&limit=2', '&&&==&', 'search=%ED%A0%80&search=%00', `q=${'%FF'.repeat(2000)}`,
];

/** GET /contacts: each query and the answer the contract gives it. */
const LIST_QUERIES: [query: string, status: number, code?: 'VALIDATION_ERROR' | 'INVALID_CURSOR'][] = [
  ['search=%FF', 200], ['search=%00', 200], ['search=%ED%A0%80', 200], ['search=%C0%AF', 200], ['search=a%00b', 200],
  ['search=%zz', 200], ['search=%%00', 200],
  ['%FF=1', 400, 'VALIDATION_ERROR'], ['%00=1', 400, 'VALIDATION_ERROR'], ['__proto__=1', 400, 'VALIDATION_ERROR'],
  ['constructor=1', 400, 'VALIDATION_ERROR'], ['__proto__[polluted]=1', 400, 'VALIDATION_ERROR'],
  ['limit=%FF', 400, 'VALIDATION_ERROR'], ['limit=1e400', 400, 'VALIDATION_ERROR'], ['limit=-1e400', 400, 'VALIDATION_ERROR'],
  ['limit=123456789012345678901234567890', 400, 'VALIDATION_ERROR'], ['limit=NaN', 400, 'VALIDATION_ERROR'],
  ['limit=Infinity', 400, 'VALIDATION_ERROR'], ['limit=%00', 400, 'VALIDATION_ERROR'], ['limit=5%00', 400, 'VALIDATION_ERROR'],
  ['subscribed=%00', 400, 'VALIDATION_ERROR'], ['subscribed=true%00', 400, 'VALIDATION_ERROR'],
  ['cursor=%FF', 400, 'INVALID_CURSOR'], ['cursor=%00', 400, 'INVALID_CURSOR'], ['cursor=%ED%A0%80', 400, 'INVALID_CURSOR'],
  ['limit=1&limit=2', 400, 'VALIDATION_ERROR'], ['limit=5&limit=5', 400, 'VALIDATION_ERROR'],
  ['search=a&search=b', 400, 'VALIDATION_ERROR'], ['subscribed=true&subscribed=true', 400, 'VALIDATION_ERROR'],
  ['cursor=a&cursor=a', 400, 'VALIDATION_ERROR'], ['&&&==&', 400, 'VALIDATION_ERROR'],
];

/** GET /contacts/changes: each query and the code of its refusal. */
const CHANGES_QUERIES: [query: string, code: 'VALIDATION_ERROR' | 'INVALID_CURSOR'][] = [
  ['%FF=1', 'VALIDATION_ERROR'], ['__proto__[polluted]=1', 'VALIDATION_ERROR'], ['cursor=x', 'VALIDATION_ERROR'],
  ['limit=%FF', 'VALIDATION_ERROR'], ['limit=1e400', 'VALIDATION_ERROR'], ['limit=5%00', 'VALIDATION_ERROR'],
  ['limit=1&limit=2', 'VALIDATION_ERROR'], ['since=a&since=a', 'VALIDATION_ERROR'], ['&&&==&', 'VALIDATION_ERROR'],
  ['since=%FF', 'INVALID_CURSOR'], ['since=%00', 'INVALID_CURSOR'], ['since=%ED%A0%80', 'INVALID_CURSOR'],
  [`since=${'A'.repeat(100_000)}`, 'INVALID_CURSOR'],
];

/** Emails holding every character SQL, LIKE or a full-text query would treat specially. */
const TRICKY_EMAILS = [
  "o'brien@example.com", 'quo"te@example.com', 'semi;colon@example.com', 'dash--dash@example.com', '100%off@example.com',
  'under_score@example.com', 'back\\slash@example.com', '[bracket]@example.com', 'star*@example.com', 'plain@example.com',
  'underxscore@example.com', '100xoff@example.com', 'caret^near@example.com', 'colon:col@example.com',
];
const SEARCHES = [
  "'", '"', ';', '--', '%', '_', '\\', '[', ']', '*', "' OR 1=1 --", "' OR '1'='1", '%_', '_%', '\\%', '[b', '%off', 'r_s',
  '*@', '^', 'NEAR', ':', '" OR ""="', 'o\'b', '%%', '__', "'; DROP TABLE contacts; --", 'example.com', 'x',
];

for (const kind of storeKinds()) {
  describe(`hostile paths, queries and headers (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    attackedAppPerSuite(kind, (app, attacker) => ((t = app), (auth = attacker)));
    before(async () => {
      await createContacts(t, auth, TRICKY_EMAILS);
    });

    /** The ordinary request for an endpoint; its answer does not depend on the query string. */
    const request = (endpoint: Endpoint, url: string) => {
      const headers = endpoint.authenticated ? { ...auth } : {};
      if (endpoint.body === 'json') {
        const payload = endpoint.route === '/contacts' ? { email: 'plain@example.com' } : endpoint.route.includes(':') ? {} : { contactIds: [NEVER_ID] };
        return t.app.inject({ method: endpoint.method, url, headers, payload });
      }
      if (endpoint.body === 'multipart') {
        const { payload, headers: type } = multipartBody('email\nplain@example.com\n');
        return t.app.inject({ method: endpoint.method, url, headers: { ...headers, ...type }, payload });
      }
      return t.app.inject({ method: endpoint.method, url, headers });
    };

    test('bad UTF-8, NUL, traversal and stray % in an :id or :jobId → 404 NOT_FOUND on every such route', async () => {
      for (const endpoint of PARAM_ENDPOINTS) {
        for (const segment of HOSTILE_SEGMENTS) {
          const url = pathOf(endpoint, segment);
          const context = `${label(endpoint)} at ${segment.slice(0, 40)}`;
          const response = await request(endpoint, url);
          if (resolvesToRoot(url)) {
            // The URL parser took the segment for `..`: the request is for the root (GET → the dashboard's login page, else 405).
            assertHandled(response, context);
            assert.equal(response.statusCode, endpoint.method === 'GET' ? 200 : 405, context);
          } else assertRefused(response, 404, 'NOT_FOUND', context);
        }
      }
    });

    test('without a live secret key, the same :id or :jobId answers as any other id would: 401, or 403 for a public key', async () => {
      const { publicKey } = await t.project('public');
      const refusals = [
        [{}, 401, 'UNAUTHORIZED'],
        [{ authorization: `Bearer sk_${'0'.repeat(43)}` }, 401, 'INVALID_API_KEY'],
        [{ authorization: `Bearer ${publicKey}` }, 403, 'SECRET_KEY_REQUIRED'],
      ] as const;
      for (const endpoint of PARAM_ENDPOINTS) {
        // Traversal (`%2e%2e`) reaches the router as another path, one that names no endpoint.
        for (const segment of HOSTILE_SEGMENTS.filter((s) => new URL(pathOf(endpoint, s), 'http://x').pathname.startsWith('/contacts/'))) {
          for (const [headers, status, code] of refusals) {
            const response = await t.app.inject({ method: endpoint.method, url: pathOf(endpoint, segment), headers });
            assertRefused(response, status, code, `${label(endpoint)} at ${segment.slice(0, 40)} with ${JSON.stringify(headers).slice(0, 20)}`);
          }
        }
      }
    });

    test('the same bytes appended to or inside any other path → 404, or 405 where /contacts/:id takes them', async () => {
      for (const endpoint of ENDPOINTS.filter((e) => !e.route.includes(':'))) {
        for (const segment of HOSTILE_SEGMENTS) {
          const suffixed = await request(endpoint, `${endpoint.route}${segment}`);
          const context = `${label(endpoint)}${segment.slice(0, 40)}`;
          assertHandled(suffixed, context);
          // POST /contacts/import%00 is POST /contacts/:id (GET, PATCH, DELETE): 405. A path the
          // router cannot decode at all (%FF) names nothing, whatever the method: 404.
          const allowed = endpoint.method === 'POST' && endpoint.route.startsWith('/contacts/') ? [404, 405] : [404];
          assert.ok(allowed.includes(suffixed.statusCode), `${context} → ${suffixed.statusCode}`);
          assertHandled(await request(endpoint, `${endpoint.route}/${segment}`), `${label(endpoint)}/${segment.slice(0, 40)}`);
        }
      }
      for (const url of ['/docs/static/%00', '/docs/static/%FF', '/docs/static/..%2F..%2Fpackage.json', '/docs/json%00', '/%00', '/%FF']) {
        const response = await t.app.inject({ method: 'GET', url });
        assertHandled(response, url);
        assert.ok(response.statusCode >= 400, `${url} → ${response.statusCode}`);
      }
    });

    test('a hostile query string on an endpoint that takes none changes nothing about its answer', async () => {
      const takesQuery = (e: (typeof ENDPOINTS)[number]) => e.method === 'GET' && (e.route === '/contacts' || e.route === '/contacts/changes');
      for (const endpoint of ENDPOINTS.filter((e) => !takesQuery(e))) {
        const url = pathOf(endpoint, NEVER_ID);
        const plain = await request(endpoint, url);
        for (const query of HOSTILE_QUERIES) {
          const response = await request(endpoint, `${url}?${query}`);
          assertHandled(response, `${label(endpoint)}?${query.slice(0, 40)}`);
          assert.equal(response.statusCode, plain.statusCode, `${label(endpoint)}?${query.slice(0, 40)}`);
        }
      }
    });

    test('GET /contacts: bad encodings and NUL in values, unknown, prototype and duplicate parameters → the documented answer', async () => {
      for (const [query, status, code] of LIST_QUERIES) {
        const response = await t.app.inject({ method: 'GET', url: `/contacts?${query}`, headers: auth });
        if (code) assertRefused(response, status, code, query);
        else {
          assert.equal(response.statusCode, status, `${query} → ${response.body}`);
          assert.deepEqual(json(response), { contacts: [], cursor: null, hasMore: false, total: 0 }, query);
        }
      }
    });

    test('GET /contacts/changes: bad encodings, NUL, unknown, prototype and duplicate parameters → the documented refusal', async () => {
      for (const [query, code] of CHANGES_QUERIES) {
        const response = await t.app.inject({ method: 'GET', url: `/contacts/changes?${query}`, headers: auth });
        assertRefused(response, 400, code, query.slice(0, 40));
      }
    });

    test("SQL, LIKE and full-text metacharacters in search (' \" ; -- % _ \\ [ ] * and ' OR 1=1 --) match only themselves", async () => {
      for (const search of SEARCHES) {
        const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: auth, query: { search, limit: '100' } });
        assert.equal(response.statusCode, 200, `${search} → ${response.body}`);
        const page = json(response);
        const expected = TRICKY_EMAILS.filter((email) => email.includes(search.toLowerCase())).sort();
        assert.deepEqual(page.contacts.map((c: { email: string }) => c.email).sort(), expected, `search ${search}`);
        assert.equal(page.total, expected.length, `total for ${search}`);
      }
      const all = await t.app.inject({ method: 'GET', url: '/contacts?limit=100', headers: auth });
      assert.equal(json(all).total, TRICKY_EMAILS.length, 'nothing was dropped');
    });

    test('very long URLs and headers: a 100 KB path → 404, query → 400, header ignored, key → 401, X-Request-ID replaced', async () => {
      const long = 'a'.repeat(100_000);
      assertRefused(await t.app.inject({ method: 'GET', url: `/contacts/${long}`, headers: auth }), 404, 'NOT_FOUND', 'long id');
      assertRefused(await t.app.inject({ method: 'GET', url: `/contacts/bulk/${long}`, headers: auth }), 404, 'NOT_FOUND', 'long job id');
      assertRefused(await t.app.inject({ method: 'GET', url: `/${long}` }), 404, 'NOT_FOUND', 'long path');
      assertRefused(await t.app.inject({ method: 'GET', url: `/contacts?search=${long}`, headers: auth }), 400, 'VALIDATION_ERROR', 'long search');
      assertRefused(await t.app.inject({ method: 'GET', url: `/contacts?${long}=1`, headers: auth }), 400, 'VALIDATION_ERROR', 'long name');
      assertRefused(await t.app.inject({ method: 'GET', url: `/contacts?cursor=${long}`, headers: auth }), 400, 'INVALID_CURSOR', 'long cursor');
      const manyParameters = Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&');
      assertRefused(await t.app.inject({ method: 'GET', url: `/contacts?${manyParameters}`, headers: auth }), 400, 'VALIDATION_ERROR', '10,000 parameters');
      const header = await t.app.inject({ method: 'GET', url: '/contacts', headers: { ...auth, 'x-padding': long, cookie: long } });
      assert.equal(header.statusCode, 200, header.body);
      const id = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': long } });
      assert.equal(id.statusCode, 200);
      assert.notEqual(id.headers['x-request-id'], long);
      assertHandled(id, 'long X-Request-ID');
    });

    test('hostile Authorization values → 401 (UNAUTHORIZED or INVALID_API_KEY), never a 5xx', async () => {
      const values = [
        `Bearer ${'k'.repeat(100_000)}`, 'Bearer \u0000', 'Bearer sk_\u00ff\u00fe', "Bearer sk_' OR 1=1 --", "Bearer sk_'--",
        'Bearer %00', 'Bearer sk_%FF', 'Bearer  ', 'Bearer', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Bearer sk_ sk_', `Bearer ${NEVER_ID}`,
      ];
      for (const authorization of values) {
        const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: { authorization } });
        assertHandled(response, authorization.slice(0, 40));
        assert.equal(response.statusCode, 401, authorization.slice(0, 40));
        assert.ok(['UNAUTHORIZED', 'INVALID_API_KEY'].includes(json(response).error.code));
      }
    });
  });
}
