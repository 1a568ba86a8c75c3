// Hostile JSON bodies on every endpoint that reads one (POST /contacts, PATCH
// /contacts/:id, the three bulk endpoints): absurd nesting, numbers no double
// holds, bytes that are not UTF-8, NUL and lone surrogates, oversize arrays.
// Each gets the documented 4xx in the one envelope, or is stored exactly as
// given; nothing is lost and the server keeps answering.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { createContact, INVALID_EMAIL, assertError, type Auth, type ContactJson } from '../support/contacts.js';
import { waitForJob } from '../support/jobs.js';
import { assertRefused, attackedAppPerSuite, JSON_ENDPOINTS, label, pathOf, type Endpoint } from './hostile.js';

const MiB = 1024 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json' };
const DEEP = 100_000;

/** Whole bodies no JSON endpoint may take, with the answer each must get. */
const BAD_BODIES: { name: string; payload: string | Buffer; status: number; code: 'VALIDATION_ERROR' | 'INVALID_JSON' | 'PAYLOAD_TOO_LARGE' }[] = [
  { name: '100,000 levels of [', payload: '['.repeat(DEEP) + ']'.repeat(DEEP), status: 400, code: 'VALIDATION_ERROR' },
  { name: '100,000 levels of {"a":', payload: '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP), status: 400, code: 'VALIDATION_ERROR' },
  // Refused for its depth before it is parsed, so before anyone learns it never closes.
  { name: '1 MiB of unclosed [', payload: '['.repeat(MiB), status: 400, code: 'VALIDATION_ERROR' },
  { name: '1 MiB + 1 of {', payload: '{'.repeat(MiB + 1), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'a NaN literal', payload: '{"email":"n@example.com","subscribed":NaN}', status: 400, code: 'INVALID_JSON' },
  { name: 'an Infinity literal', payload: '{"contactIds":[Infinity]}', status: 400, code: 'INVALID_JSON' },
  { name: 'a -Infinity literal', payload: '{"data":{"n":-Infinity}}', status: 400, code: 'INVALID_JSON' },
  { name: 'byte 0xFF in a string', payload: Buffer.from([...Buffer.from('{"email":"'), 0xff, ...Buffer.from('@example.com"}')]), status: 400, code: 'INVALID_JSON' },
  { name: 'overlong "/" (C0 AF)', payload: Buffer.from([...Buffer.from('{"data":{"k":"'), 0xc0, 0xaf, ...Buffer.from('"}}')]), status: 400, code: 'INVALID_JSON' },
  { name: 'an encoded surrogate (ED A0 80)', payload: Buffer.from([...Buffer.from('{"contactIds":["'), 0xed, 0xa0, 0x80, ...Buffer.from('"]}')]), status: 400, code: 'INVALID_JSON' },
  { name: 'a truncated sequence at the end', payload: Buffer.from([...Buffer.from('{"email":"x@example.com"}'), 0xe2, 0x82]), status: 400, code: 'INVALID_JSON' },
  { name: 'a raw NUL byte in a string', payload: Buffer.from('{"email":"a\u0000@example.com"}'), status: 400, code: 'INVALID_JSON' },
  { name: 'a raw NUL byte between tokens', payload: Buffer.from('{"email":\u0000"a@example.com"}'), status: 400, code: 'INVALID_JSON' },
  { name: 'UTF-16LE text', payload: Buffer.from('{"email":"u@example.com"}', 'utf16le'), status: 400, code: 'INVALID_JSON' },
  { name: 'an empty body', payload: '', status: 400, code: 'INVALID_JSON' },
];

for (const kind of storeKinds()) {
  describe(`hostile JSON bodies (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    let target: ContactJson;
    attackedAppPerSuite(kind, (app, attacker) => ((t = app), (auth = attacker)), { worker: true });
    before(async () => {
      target = await createContact(t, auth, { email: 'target@example.com', data: { keep: 'me' } });
    });

    const send = (endpoint: Endpoint, payload: string | Buffer | object) =>
      t.app.inject({ method: endpoint.method, url: pathOf(endpoint, target.id), headers: { ...auth, ...JSON_HEADERS }, payload });
    const post = (payload: string | object) => send(JSON_ENDPOINTS[0]!, payload);
    const patch = (payload: string | object) => send(JSON_ENDPOINTS[1]!, payload);

    test('every JSON endpoint refuses deep nesting, non-finite literals, bad UTF-8 and NUL bytes with the documented 4xx', async () => {
      for (const endpoint of JSON_ENDPOINTS) {
        for (const { name, payload, status, code } of BAD_BODIES) {
          assertRefused(await send(endpoint, payload), status, code, `${label(endpoint)} with ${name}`);
        }
      }
      const read = await t.app.inject({ method: 'GET', url: `/contacts/${target.id}`, headers: auth });
      assert.deepEqual(json(read), target, 'no refused request changed the contact');
    });

    test('data nested 101 or 100,000 levels deep ({"a": or [) → 400 naming the depth limit, on create and update', async () => {
      // Past 128 levels the body is refused before it is parsed (parsing 500,000 levels blocks the process).
      for (const [depth, field] of [[101, 'data'], [DEEP, 'body']] as const) {
        const nested = { field, message: /nested at most 100 levels/ };
        const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        const arrays = '{"k":' + '['.repeat(depth - 1) + ']'.repeat(depth - 1) + '}';
        for (const data of [objects, arrays]) {
          assertError(await post(`{"email":"deep@example.com","data":${data}}`), 400, { code: 'VALIDATION_ERROR', errors: [nested] });
          assertError(await patch(`{"data":${data}}`), 400, { code: 'VALIDATION_ERROR', errors: [nested] });
        }
      }
    });

    test('brackets inside strings do not count as nesting, escaped quotes included', async () => {
      const text = `"\\"${'['.repeat(500)}\\"${'{'.repeat(500)}"`;
      const response = await post(`{"email":"brackets@example.com","data":{"s":${text}}}`);
      assert.equal(response.statusCode, 201, response.body);
    });

    test('numbers no double holds (1e400, -1e400, anywhere in data) → 400, never stored as null', async () => {
      const range = { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /64-bit float/ }] };
      for (const data of ['{"n":1e400}', '{"n":-1e400}', '{"n":[1,[2e999]]}', '{"o":{"p":{"q":-9e9999}}}']) {
        assertError(await post(`{"email":"huge@example.com","data":${data}}`), 400, range);
        assertError(await patch(`{"data":${data}}`), 400, range);
      }
      assertError(await post('{"email":1e400}'), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'email', message: 'Must be a string' }] });
      assertError(await post('{"email":"h@example.com","subscribed":1e400}'), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'subscribed', message: 'Must be a boolean' }] });
      const bulk = await send(JSON_ENDPOINTS[2]!, '{"contactIds":[1e400]}');
      assertError(bulk, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'contactIds.0', message: 'Must be a string' }] });
      const missing = await t.app.inject({ method: 'GET', url: '/contacts?search=huge', headers: auth });
      assert.equal(json(missing).total, 0);
    });

    test('numbers a double holds only approximately are stored as that double (the JSON of every JS client)', async () => {
      const created = await post('{"email":"big@example.com","data":{"big":123456789012345678901234567890,"tiny":1e-400,"minus":-0}}');
      assert.equal(created.statusCode, 201, created.body);
      const expected = { big: 1.2345678901234568e29, tiny: 0, minus: 0 };
      assert.deepEqual(json(created).data, expected);
      const read = await t.app.inject({ method: 'GET', url: `/contacts/${json(created).id}`, headers: auth });
      assert.deepEqual(json(read).data, expected);
    });

    test('NUL and lone surrogates: invalid in an email (400); in data keys and values stored and returned exactly', async () => {
      for (const email of ['a\u0000@example.com', '\u0000', '\ud800@example.com', 'a@exa\udfffmple.com', 'a@example.com\u0000']) {
        assertError(await post({ email }), 400, INVALID_EMAIL);
        assertError(await patch({ email }), 400, INVALID_EMAIL);
      }
      const data = { '\u0000': 'nul\u0000value', '\ud800': '\udc00lone', 'pair\ud83d\ude00': ['\udbff', { '\u0000\ud800': '\u0000' }] };
      const created = await post({ email: 'odd@example.com', data });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(json(created).data, data);
      const id = json(created).id as string;
      const changed = await t.app.inject({ method: 'PATCH', url: `/contacts/${id}`, headers: auth, payload: { data: { '\u0000': null, '\udfff': '\ud800\u0000' } } });
      assert.equal(changed.statusCode, 200, changed.body);
      const { '\u0000': _deleted, ...kept } = data;
      const read = await t.app.inject({ method: 'GET', url: `/contacts/${id}`, headers: auth });
      assert.deepEqual(json(read).data, { ...kept, '\udfff': '\ud800\u0000' });
    });

    test('oversize arrays: a 1 MiB array → 400 before parsing; 16,384 items as data or inside it → 400 for the field; over 1 MiB → 413', async () => {
      /** `head` + a JSON array of zeros + `tail`, `size` bytes at most (within one byte of it). */
      const withArray = (head: string, tail: string, size: number) => {
        const count = Math.floor((size - head.length - tail.length - 2) / 2);
        return `${head}[${'0,'.repeat(count)}0]${tail}`;
      };
      const asData = withArray('{"email":"arr@example.com","data":', '}', MiB);
      assert.ok(asData.length <= MiB && asData.length >= MiB - 1);
      const tooMany = { code: 'VALIDATION_ERROR', errors: [{ field: 'body', message: /^An object or array has more than 16,384 members/ }] };
      assertError(await post(asData), 400, tooMany);
      assertError(await patch(withArray('{"data":', '}', MiB)), 400, tooMany);
      assertError(await post(withArray('{"email":"arr@example.com","data":{"k":', '}}', MiB)), 400, tooMany);
      // At the most members a container may have, each check is the field's own.
      const items = (head: string, tail: string) => `${head}[${'0,'.repeat(16_383)}0]${tail}`;
      assertError(await post(items('{"email":"arr@example.com","data":', '}')), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: 'Must be an object' }] });
      assertError(await patch(items('{"data":', '}')), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: 'Has the wrong type' }] });
      assertError(await post(items('{"email":"arr@example.com","data":{"k":', '}}')), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'data', message: /at most 32768 bytes/ }] });
      assertError(await post(withArray('{"email":"arr@example.com","data":', '}', MiB + 16)), 413, { code: 'PAYLOAD_TOO_LARGE' });
    });

    test('contactIds: 1,001 or 16,384 → 400 maxItems; 100,000 → 400 before parsing; 100,000 UUIDs (3.7 MB) → 413; nested or non-string → 400', async () => {
      const tooMany = { code: 'VALIDATION_ERROR', errors: [{ field: 'contactIds', message: 'Must NOT have more than 1000 items' }] };
      const uuids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`);
      for (const bulk of JSON_ENDPOINTS.slice(2)) {
        assertError(await send(bulk, { contactIds: uuids(1001) }), 400, tooMany);
        assertError(await send(bulk, { contactIds: Array.from({ length: 16_384 }, (_, i) => String(i % 10)) }), 400, tooMany);
        assertError(await send(bulk, { contactIds: Array.from({ length: 100_000 }, (_, i) => String(i % 10)) }), 400, {
          code: 'VALIDATION_ERROR',
          errors: [{ field: 'body', message: /more than 16,384 members/ }],
        });
        assertError(await send(bulk, { contactIds: uuids(100_000) }), 413, { code: 'PAYLOAD_TOO_LARGE' });
        assertError(await send(bulk, { contactIds: [[target.id]] }), 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'contactIds.0', message: 'Must be a string' }] });
      }
    });

    test('bulk ids holding NUL, lone surrogates or SQL are accepted, reported not found, and touch nothing', async () => {
      const hostile = ['\u0000', `${target.id}\u0000`, '\ud800', target.id.toUpperCase(), `${target.id}' OR '1'='1`, "'; DROP TABLE contacts; --"];
      for (const bulk of JSON_ENDPOINTS.slice(2)) {
        const accepted = await send(bulk, { contactIds: hostile });
        assert.equal(accepted.statusCode, 202, accepted.body);
        const job = await waitForJob(t, auth, accepted.headers.location as string);
        assert.equal(job.state, 'completed', JSON.stringify(job));
        assert.deepEqual(
          { success: job.result.successCount, unchanged: job.result.unchangedCount, failed: job.result.failureCount },
          { success: 0, unchanged: 0, failed: hostile.length },
        );
        assert.deepEqual(job.result.errors.map((e: { contactId: string }) => e.contactId).sort(), [...hostile].sort());
      }
      const read = await t.app.inject({ method: 'GET', url: `/contacts/${target.id}`, headers: auth });
      assert.deepEqual(json(read), target);
    });
  });
}
