// Prototype keys (__proto__, constructor, prototype, and Object.prototype's
// method names) at any depth of `data`, as body fields, in query strings and
// as CSV headers: ordinary data where the contract allows keys, a 400 where it
// does not, and never a change to Object.prototype (CONTRACT.md, "`data` rules").
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, type Auth, type ContactJson } from '../support/contacts.js';
import { importCsv } from '../support/jobs.js';
import {
  assertPrototypeUntouched,
  assertRefused,
  attackedAppPerSuite,
  JSON_ENDPOINTS,
  label,
  pathOf,
  prototypeSnapshot,
} from './hostile.js';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];
const POLLUTE = '{"polluted":"yes","toString":"gotcha"}';

/** `{"__proto__":{"constructor":{"prototype":…}}}` and the like, `depth` levels of prototype keys around a payload. */
function chain(depth: number, payload = POLLUTE): string {
  let text = payload;
  for (let level = 0; level < depth; level++) text = `{"${PROTOTYPE_KEYS[level % 3]}":${text}}`;
  return text;
}

/** Parses as the server must: own keys named __proto__ stay own keys (JSON.parse does this). */
const parsed = (text: string) => JSON.parse(text) as Record<string, unknown>;

for (const kind of storeKinds()) {
  describe(`prototype keys (${kind.name})`, () => {
    const snapshot = prototypeSnapshot();
    let t: TestApp;
    let auth: Auth;
    let target: ContactJson;
    attackedAppPerSuite(kind, (app, attacker) => ((t = app), (auth = attacker)), { worker: true });
    before(async () => {
      target = await createContact(t, auth, { email: 'target@example.com', data: { keep: 'me' } });
    });
    beforeEach(() => assertPrototypeUntouched(snapshot));
    after(() => assertPrototypeUntouched(snapshot));

    const sendText = (method: 'POST' | 'PATCH', url: string, text: string) =>
      t.app.inject({ method, url, headers: { ...auth, 'content-type': 'application/json' }, payload: text });

    test('__proto__, constructor and prototype as data keys, at the top and nested up to the 100-level limit, are stored and returned as given', async () => {
      const top = `{${PROTOTYPE_KEYS.map((key) => `"${key}":${POLLUTE}`).join(',')}}`;
      const nested = `{"a":{"__proto__":${POLLUTE}},"b":[{"constructor":{"prototype":${POLLUTE}}}],"c":${chain(60)}}`;
      for (const [i, data] of [top, nested, chain(1), chain(99)].entries()) {
        const created = await sendText('POST', '/contacts', `{"email":"proto${i}@example.com","data":${data}}`);
        assert.equal(created.statusCode, 201, created.body);
        assert.deepStrictEqual(json(created).data, parsed(data));
        const read = await t.app.inject({ method: 'GET', url: `/contacts/${json(created).id}`, headers: auth });
        assert.deepStrictEqual(json(read).data, parsed(data));
        assert.equal(Object.getPrototypeOf(json(read).data), Object.prototype, 'the key did not become a prototype');
        assertPrototypeUntouched(snapshot);
      }
    });

    test('PATCH merges prototype keys like any other: set, overwrite, delete with null; other keys stay', async () => {
      const steps: [string, Record<string, unknown>][] = [
        [`{"__proto__":${POLLUTE},"constructor":1}`, { keep: 'me', ...parsed(`{"__proto__":${POLLUTE}}`), constructor: 1 }],
        ['{"__proto__":"plain","prototype":[1]}', { keep: 'me', ...parsed('{"__proto__":"plain"}'), constructor: 1, prototype: [1] }],
        ['{"__proto__":null,"constructor":null,"toString":"x"}', { keep: 'me', prototype: [1], toString: 'x' }],
        ['{"toString":null,"prototype":null,"valueOf":{"__proto__":{}}}', { keep: 'me', valueOf: parsed('{"__proto__":{}}') }],
      ];
      for (const [patch, expected] of steps) {
        const response = await sendText('PATCH', `/contacts/${target.id}`, `{"data":${patch}}`);
        assert.equal(response.statusCode, 200, response.body);
        assert.deepStrictEqual(json(response).data, expected, patch);
        assertPrototypeUntouched(snapshot);
      }
      const upsert = await sendText('POST', '/contacts', `{"email":"target@example.com","data":{"__proto__":{"polluted":1}}}`);
      assert.equal(upsert.statusCode, 200, upsert.body);
      assert.deepStrictEqual(Object.keys(json(upsert).data), ['keep', 'valueOf', '__proto__']);
    });

    test('prototype keys as body fields → 400 unknown field on every JSON endpoint; they never set a field', async () => {
      const bodies = [
        '{"email":"sneak@example.com","__proto__":{"subscribed":false}}',
        '{"email":"sneak@example.com","constructor":{"prototype":{"subscribed":false}}}',
        '{"contactIds":["x"],"__proto__":{"mode":"all"}}',
        '{"__proto__":{"contactIds":["x"]}}',
        '{"prototype":{"email":"sneak@example.com"}}',
      ];
      for (const endpoint of JSON_ENDPOINTS) {
        for (const body of bodies) {
          const response = await sendText(endpoint.method as 'POST' | 'PATCH', pathOf(endpoint, target.id), body);
          assertRefused(response, 400, 'VALIDATION_ERROR', `${label(endpoint)} ${body}`);
        }
      }
      const field = await sendText('POST', '/contacts', bodies[0]!);
      assertError(field, 400, { code: 'VALIDATION_ERROR', errors: [{ field: '__proto__', message: 'Unknown field: custom fields go under "data"' }] });
      const none = await t.app.inject({ method: 'GET', url: '/contacts?search=sneak', headers: auth });
      assert.equal(json(none).total, 0);
    });

    test('prototype keys in query strings → 400 unknown query parameter', async () => {
      const queries = ['__proto__[polluted]=1', '__proto__.polluted=1', 'constructor[prototype][polluted]=1', 'constructor.prototype.polluted=1', '__proto__=x', 'toString=1', 'hasOwnProperty=1'];
      for (const query of queries) {
        const response = await t.app.inject({ method: 'GET', url: `/contacts?${query}`, headers: auth });
        assertRefused(response, 400, 'VALIDATION_ERROR', query);
        assert.equal(json(response).error.errors[0].message, 'Unknown query parameter', query);
      }
    });

    test('prototype names as CSV headers become ordinary data keys of each contact', async () => {
      const headers = ['email', ...PROTOTYPE_KEYS];
      const values = PROTOTYPE_KEYS.map((key, i) => (i % 2 ? `"{""polluted"":""${key}""}"` : `${key}-value`));
      const csv = `${headers.join(',')}\nimport-proto@example.com,${values.join(',')}\nimport-empty@example.com${','.repeat(PROTOTYPE_KEYS.length)}\n`;
      const job = await importCsv(t, auth, csv);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      assert.deepEqual([job.result.createdCount, job.result.failureCount], [2, 0], JSON.stringify(job.result));
      const list = await t.app.inject({ method: 'GET', url: '/contacts?search=import-', headers: auth });
      const byEmail = new Map(json(list).contacts.map((c: ContactJson) => [c.email, c]));
      const expected = Object.create(Object.prototype) as Record<string, unknown>;
      PROTOTYPE_KEYS.forEach((key, i) => Object.defineProperty(expected, key, { value: i % 2 ? `{"polluted":"${key}"}` : `${key}-value`, enumerable: true, writable: true, configurable: true }));
      assert.deepStrictEqual((byEmail.get('import-proto@example.com') as ContactJson).data, expected);
      assert.deepStrictEqual((byEmail.get('import-empty@example.com') as ContactJson).data, {});
      assertPrototypeUntouched(snapshot);
    });
  });
}
