// Wrong, missing and malformed content types, and malformed multipart bodies:
// multipart sent to the JSON endpoints, JSON and raw CSV sent to the import,
// multipart with no boundary, an empty one, truncated parts, no closing
// boundary, too many files, a huge header line, a header-only body. Each gets
// the documented 4xx in the envelope; nothing is queued or written.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { createContact, NEVER_ID, type Auth, type ContactJson } from '../support/contacts.js';
import { multipartBody, multipartParts } from '../support/jobs.js';
import { assertHandled, assertRefused, attackedAppPerSuite, ENDPOINTS, JSON_ENDPOINTS, label, pathOf } from './hostile.js';

const CSV = 'email,plan\nmedia@example.com,pro\n';
const FILE = 'Content-Disposition: form-data; name="file"; filename="contacts.csv"';
const part = (headers: string, content: string, boundary = 'XX') => `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`;
const close = (boundary = 'XX') => `--${boundary}--\r\n`;

/** Content types a JSON endpoint does not take (→ 415), whatever the body. */
const NOT_JSON = [
  'text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'application/xml', 'application/jsonx', 'application/json-seq',
  'application/vnd.api+json', 'application/json, text/plain', '*/*', 'application/*', ';;;', '', 'multipart/form-data',
  'multipart/form-data; boundary=XX', 'multipart/mixed; boundary=XX', 'application/json\u0000', '\u0000',
];

/** Malformed multipart bodies for the import, and what the contract makes of each. */
const BAD_MULTIPART: { name: string; type: string; payload: string | Buffer; message: RegExp; field?: string }[] = [
  { name: 'no boundary', type: 'multipart/form-data', payload: part(FILE, CSV) + close(), message: /malformed/ },
  { name: 'an empty boundary', type: 'multipart/form-data; boundary=', payload: part(FILE, CSV, '') + close(''), message: /malformed/ },
  { name: 'a 5,000-character boundary', type: `multipart/form-data; boundary=${'b'.repeat(5000)}`, payload: part(FILE, CSV, 'b'.repeat(5000)) + close('b'.repeat(5000)), message: /malformed/ },
  { name: 'a truncated part', type: 'multipart/form-data; boundary=XX', payload: `--XX\r\n${FILE}\r\n\r\nemail\nmedia@exa`, message: /malformed/ },
  { name: 'a part with no closing boundary', type: 'multipart/form-data; boundary=XX', payload: part(FILE, CSV), message: /malformed/ },
  { name: 'a header-only body', type: 'multipart/form-data; boundary=XX', payload: `--XX\r\n${FILE}\r\n`, message: /malformed|Required/ },
  { name: 'an empty body', type: 'multipart/form-data; boundary=XX', payload: '', message: /malformed|Required/ },
  { name: 'garbage bytes', type: 'multipart/form-data; boundary=XX', payload: Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a]), message: /malformed|Required/ },
  { name: 'the closing boundary only', type: 'multipart/form-data; boundary=XX', payload: close(), message: /Required/ },
  { name: 'another boundary than declared', type: 'multipart/form-data; boundary=XX', payload: part(FILE, CSV, 'YY') + close('YY'), message: /Required/ },
  { name: 'a part without Content-Disposition', type: 'multipart/form-data; boundary=XX', payload: part('Content-Type: text/csv', CSV) + close(), message: /Required/ },
  { name: 'a 200 KB header line before the disposition', type: 'multipart/form-data; boundary=XX', payload: part(`X-Big: ${'h'.repeat(200_000)}\r\n${FILE}`, CSV) + close(), message: /Required/ },
  { name: '2,000 part headers', type: 'multipart/form-data; boundary=XX', payload: part(`${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n${FILE}`, CSV) + close(), message: /Required/ },
  { name: 'two files named file', type: 'multipart/form-data; boundary=XX', payload: part(FILE, CSV) + part(FILE, CSV) + close(), message: /one file only/ },
  { name: '50 files', type: 'multipart/form-data; boundary=XX', payload: Array.from({ length: 50 }, (_, i) => part(`Content-Disposition: form-data; name="f${i}"; filename="${i}.csv"`, CSV)).join('') + close(), message: /Too many parts/ },
  { name: '100 plain fields', type: 'multipart/form-data; boundary=XX', payload: Array.from({ length: 100 }, (_, i) => part(`Content-Disposition: form-data; name="f${i}"`, 'x')).join('') + close(), message: /Too many parts/ },
  { name: 'a part named __proto__', type: 'multipart/form-data; boundary=XX', payload: part('Content-Disposition: form-data; name="__proto__"', '{"polluted":1}') + part(FILE, CSV) + close(), message: /malformed/ },
  { name: 'a field name that is not UTF-8', type: 'multipart/form-data; boundary=XX', payload: Buffer.from(part('Content-Disposition: form-data; name="fi\u00ffle"; filename="a"', CSV) + close(), 'latin1'), message: /Unknown field/, field: 'fi\ufffdle' },
];

for (const kind of storeKinds()) {
  describe(`hostile content types and multipart (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    let target: ContactJson;
    attackedAppPerSuite(kind, (app, attacker) => ((t = app), (auth = attacker)));
    before(async () => {
      target = await createContact(t, auth, { email: 'target@example.com', data: { keep: 'me' } });
    });

    const upload = (type: string | undefined, payload: string | Buffer) =>
      t.app.inject({ method: 'POST', url: '/contacts/import', headers: type === undefined ? auth : { ...auth, 'content-type': type }, payload });

    test('JSON endpoints: a multipart body, another type, no type or a malformed type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const multipart = multipartBody(CSV);
      for (const endpoint of JSON_ENDPOINTS) {
        const url = pathOf(endpoint, target.id);
        const context = label(endpoint);
        const sent = await t.app.inject({ method: endpoint.method, url, headers: { ...auth, ...multipart.headers }, payload: multipart.payload });
        assertRefused(sent, 415, 'UNSUPPORTED_MEDIA_TYPE', `${context} with multipart`);
        for (const type of NOT_JSON) {
          const response = await t.app.inject({ method: endpoint.method, url, headers: { ...auth, 'content-type': type }, payload: '{"email":"x@example.com"}' });
          assertRefused(response, 415, 'UNSUPPORTED_MEDIA_TYPE', `${context} as ${JSON.stringify(type)}`);
        }
        const untyped = await t.app.inject({ method: endpoint.method, url, headers: auth, payload: Buffer.from('{"contactIds":["x"]}') });
        assertRefused(untyped, 415, 'UNSUPPORTED_MEDIA_TYPE', `${context} without a type`);
      }
    });

    test('media types are case-insensitive and parameters are ignored: APPLICATION/JSON; Charset=UTF-8 is JSON', async () => {
      for (const type of ['APPLICATION/JSON', 'Application/Json; Charset=UTF-8', 'application/json;', 'application/json ; x=y']) {
        const response = await t.app.inject({ method: 'PATCH', url: `/contacts/${target.id}`, headers: { ...auth, 'content-type': type }, payload: '{}' });
        assert.equal(response.statusCode, 200, `${type} → ${response.body}`);
      }
    });

    test('a body in a content coding (gzip, deflate, br) → 415 on JSON endpoints and the import, nothing written; identity is plain', async () => {
      const { gzipSync } = await import('node:zlib');
      const body = JSON.stringify({ email: 'encoded@example.com' });
      for (const encoding of ['gzip', 'deflate', 'br', 'GZIP', 'gzip, identity']) {
        for (const payload of [gzipSync(body), body]) {
          const response = await t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': encoding }, payload });
          assertRefused(response, 415, 'UNSUPPORTED_MEDIA_TYPE', `POST /contacts with Content-Encoding ${encoding}`);
          assert.match(JSON.parse(response.body).error.message, /Content-Encoding/);
        }
        const patch = await t.app.inject({ method: 'PATCH', url: `/contacts/${target.id}`, headers: { ...auth, 'content-type': 'application/json', 'content-encoding': encoding }, payload: '{"data":{"keep":"changed"}}' });
        assertRefused(patch, 415, 'UNSUPPORTED_MEDIA_TYPE', `PATCH with Content-Encoding ${encoding}`);
        const { payload, headers } = multipartBody(CSV);
        assertRefused(
          await t.app.inject({ method: 'POST', url: '/contacts/import', headers: { ...auth, ...headers, 'content-encoding': encoding }, payload }),
          415, 'UNSUPPORTED_MEDIA_TYPE', `import with Content-Encoding ${encoding}`,
        );
      }
      const elsewhere = (await t.project('identity')).auth;
      const plain = await t.app.inject({ method: 'POST', url: '/contacts', headers: { ...elsewhere, 'content-type': 'application/json', 'content-encoding': 'identity' }, payload: body });
      assert.equal(plain.statusCode, 201, plain.body);
    });

    test('the import: JSON, raw CSV, form-urlencoded, another multipart, or no type at all → 415, even with a huge or unparsable body', async () => {
      const types = ['application/json', 'application/json; charset=utf-8', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/mixed; boundary=XX', 'application/octet-stream', ';;;', ''];
      for (const type of types) {
        for (const payload of ['{"file":"email\\nx@example.com"}', CSV, '{', '{'.repeat(6 * 1024 * 1024)]) {
          assertRefused(await upload(type, payload), 415, 'UNSUPPORTED_MEDIA_TYPE', `import as ${JSON.stringify(type)} (${payload.length} bytes)`);
        }
      }
      assertRefused(await upload(undefined, CSV), 415, 'UNSUPPORTED_MEDIA_TYPE', 'import without a type');
    });

    test('malformed multipart (no or empty boundary, truncated, unclosed, header-only, too many files, huge headers) → 400 on file', async () => {
      for (const { name, type, payload, message, field } of BAD_MULTIPART) {
        const response = await upload(type, payload);
        assertRefused(response, 400, 'VALIDATION_ERROR', `import with ${name}`);
        const { errors } = json(response).error;
        assert.equal(errors.length, 1, name);
        assert.equal(errors[0].field, field ?? 'file', name);
        assert.match(errors[0].message, message, name);
      }
    });

    test('nothing refused was queued or written; a well-formed upload still works afterwards', async () => {
      const list = await t.app.inject({ method: 'GET', url: '/contacts', headers: auth });
      assert.deepEqual(json(list).contacts, [target]);
      const ok = await upload(multipartBody(CSV).headers['content-type'], multipartBody(CSV).payload);
      assert.equal(ok.statusCode, 202, ok.body);
      const { payload, headers } = multipartParts([
        { name: 'file', filename: '\u00ff\u0000../../etc/passwd', content: CSV, contentType: 'application/x-\u00ff' },
      ]);
      const odd = await t.app.inject({ method: 'POST', url: '/contacts/import', headers: { ...auth, ...headers }, payload });
      assert.equal(odd.statusCode, 202, odd.body);
      // An option field of odd bytes is refused by name, not crashed on.
      const withField = multipartParts([
        { name: 'encoding', content: Buffer.from([0xff, 0x00]) },
        { name: 'file', filename: 'c.csv', content: CSV },
      ]);
      const refused = await t.app.inject({ method: 'POST', url: '/contacts/import', headers: { ...auth, ...withField.headers }, payload: withField.payload });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(json(refused).error.errors[0].field, 'encoding');
    });

    test('bodies and content types sent to endpoints that take no body are ignored (GET, DELETE, operations) or refused by method', async () => {
      const bodies: [Record<string, string>, string | Buffer][] = [
        [{ 'content-type': 'application/json' }, ''],
        [{ 'content-type': 'multipart/form-data' }, '--x'],
        [{ 'content-type': 'text/plain' }, Buffer.from([0xff, 0xfe, 0x00])],
      ];
      for (const endpoint of ENDPOINTS.filter((e) => e.body === 'none')) {
        const plain = await t.app.inject({ method: endpoint.method, url: pathOf(endpoint, NEVER_ID), headers: endpoint.authenticated ? auth : {} });
        for (const [headers, payload] of bodies) {
          const response = await t.app.inject({ method: endpoint.method, url: pathOf(endpoint, NEVER_ID), headers: { ...(endpoint.authenticated ? auth : {}), ...headers }, payload });
          assertHandled(response, `${label(endpoint)} with ${headers['content-type']}`);
          if (endpoint.method === 'GET') assert.equal(response.statusCode, plain.statusCode, label(endpoint));
        }
      }
      for (const url of ['/health', '/ready', '/openapi.json', '/docs']) {
        const response = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{'.repeat(10_000) });
        assertRefused(response, 405, 'METHOD_NOT_ALLOWED', `POST ${url}`);
      }
    });
  });
}
