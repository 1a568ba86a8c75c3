// Inputs within the documented limits that once cost the square of their
// size, blocking the process for every tenant. Each test counts the work done,
// or uses a size at which the old quadratic code would run for hours: the
// timeout is a backstop against a hang, not a speed assertion.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import fc from 'fast-check';
import type { ErrorObject } from 'ajv';
import { inspectFile } from '../../src/domain/import/read-file.js';
import { jsonShapeProblem } from '../../src/domain/json-depth.js';
import { DEFAULT_OPTIONS } from '../../src/domain/import/options.js';
import { bearerToken, MAX_AUTHORIZATION_LENGTH } from '../../src/domain/keys.js';
import { fieldErrors, MAX_LISTED_ERRORS } from '../../src/http/validation.js';
import { validationError } from '../../src/domain/errors.js';

const HANG = { timeout: 60_000 };

/** Ajv's errors for `contactIds: [0, 0, …]`, behind a proxy that counts every element read. */
function countedErrors(n: number): { errors: ErrorObject[]; reads: () => number } {
  const errors = Array.from({ length: n }, (_, i) => ({
    instancePath: `/contactIds/${i}`,
    schemaPath: '#/properties/contactIds/items/type',
    keyword: 'type',
    params: { type: 'string' },
    message: 'must be string',
  })) as ErrorObject[];
  let reads = 0;
  const proxy = new Proxy(errors, {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
      return Reflect.get(target, property, receiver);
    },
  });
  return { errors: proxy, reads: () => reads };
}

describe('work that grows linearly with the input', () => {
  test('validation errors are collected in one pass: twice the errors, at most twice the reads', () => {
    const small = countedErrors(2_000);
    fieldErrors(small.errors, 'body');
    const large = countedErrors(4_000);
    fieldErrors(large.errors, 'body');
    assert.ok(small.reads() <= 3 * 2_000, `${small.reads()} reads for 2,000 errors`);
    assert.ok(large.reads() <= 2 * small.reads(), `${large.reads()} reads for 4,000 errors vs ${small.reads()} for 2,000`);
  });

  test(`at most ${MAX_LISTED_ERRORS} field errors are listed, and the message says how many there were`, () => {
    const { errors } = countedErrors(80_000);
    const { listed, total } = fieldErrors(errors, 'body');
    assert.equal(listed.length, MAX_LISTED_ERRORS);
    assert.equal(total, 80_000);
    assert.deepEqual(listed[0], { field: 'contactIds.0', message: 'Must be a string' });
    const error = validationError(listed, total);
    assert.equal(error.errors?.length, MAX_LISTED_ERRORS);
    assert.match(error.message, /\(and 79900 more; only the first 100 are listed\)$/);
  });

  test('an anyOf summary still hides its branches, wherever they stand', () => {
    const errors = [
      { instancePath: '/data', keyword: 'type', params: { type: 'object' } },
      { instancePath: '/data', keyword: 'type', params: { type: 'null' } },
      { instancePath: '/data', keyword: 'anyOf', params: {} },
    ] as unknown as ErrorObject[];
    assert.deepEqual(fieldErrors(errors, 'body').listed, [{ field: 'data', message: 'Has the wrong type' }]);
  });

  test('delimiter detection reads 5 MiB of blank lines before the header in one pass', HANG, async () => {
    const file = Buffer.from('\n'.repeat(5 * 1024 * 1024 - 64) + 'email;name\na@b.co;Ada\n');
    const inspected = await inspectFile(file, DEFAULT_OPTIONS);
    assert.equal(inspected.layout.delimiter, ';');
    assert.deepEqual(inspected.columns?.headers, ['email', 'name']);
    assert.equal(inspected.totalRows, 1);
  });

  test('blank lines of spaces, tabs and CRs before the header are skipped as before', async () => {
    const inspected = await inspectFile(Buffer.from(' \r\n  \n\r\nemail\tname\na@b.co\tAda\n'), DEFAULT_OPTIONS);
    assert.equal(inspected.layout.delimiter, '\t');
  });
});

describe('floods of errors over HTTP', () => {
  const [sqlite] = storeKinds().filter((kind) => kind.name === 'sqlite');
  let t: TestApp;
  let auth: { authorization: string };
  before(async () => {
    t = await startApp(sqlite!);
    auth = (await t.project()).auth;
  });
  after(async () => t.close());

  test('16,000 unknown fields: the first 100 listed, the rest counted; 16,000 ids: one maxItems error; more members than any request holds: refused unparsed', async () => {
    const body = `{"email":"a@example.com",${Array.from({ length: 16_000 }, (_, i) => `"f${i}":1`).join(',')}}`;
    const response = await t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, 'content-type': 'application/json' }, payload: body });
    assert.equal(response.statusCode, 400);
    const { error } = JSON.parse(response.body);
    assert.equal(error.errors.length, 100);
    assert.deepEqual(error.errors[0], { field: 'f0', message: 'Unknown field: custom fields go under "data"' });
    assert.match(error.message, /\(and 15900 more; only the first 100 are listed\)$/);
    const ids = `{"contactIds":[${Array(16_000).fill(0).join(',')}]}`;
    const bulk = await t.app.inject({ method: 'POST', url: '/contacts/bulk-delete', headers: { ...auth, 'content-type': 'application/json' }, payload: ids });
    assert.equal(bulk.statusCode, 400);
    assert.deepEqual(JSON.parse(bulk.body).error.errors, [{ field: 'contactIds', message: 'Must NOT have more than 1000 items' }]);
    const huge = `{"email":"a@example.com",${Array.from({ length: 96_000 }, (_, i) => `"f${i}":1`).join(',')}}`;
    const refused = await t.app.inject({ method: 'POST', url: '/contacts', headers: { ...auth, 'content-type': 'application/json' }, payload: huge });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(JSON.parse(refused.body).error.errors, [
      { field: 'body', message: 'An object or array has more than 16,384 members, more than any request can hold' },
    ]);
  });
});

describe('the JSON shape check', () => {
  test('counts members per container: 16,384 pass, 16,385 do not, and many full containers side by side pass', () => {
    const array = (n: number) => `[${Array(n).fill('0').join(',')}]`;
    assert.equal(jsonShapeProblem(`{"a":${array(16_384)}}`), undefined);
    assert.match(jsonShapeProblem(`{"a":${array(16_385)}}`) ?? '', /more than 16,384 members/);
    assert.equal(jsonShapeProblem(`[${Array(16_000).fill(array(50)).join(',')}]`), undefined);
    assert.equal(jsonShapeProblem(`{"k":"${',' .repeat(100_000)}"}`), undefined, 'commas inside strings are not members');
  });
});

describe('the Authorization header', () => {
  const OLD = /^bearer(?:[ \t]+(.*?))?[ \t]*$/is;
  const oldToken = (header: string) => OLD.exec(header)?.[1] || undefined;

  test('is read exactly as before for every header of ordinary length', () => {
    const text = fc.string({ unit: fc.constantFrom('b', 'B', 'e', 'a', 'r', 'R', ' ', '\t', 'x', 's', 'k', '_'), maxLength: 24 });
    fc.assert(
      fc.property(fc.constantFrom('', 'Bearer', 'bearer', 'BEARER', 'Bearer ', 'Basic '), text, (prefix, rest) => {
        const header = prefix + rest;
        assert.equal(bearerToken(header), oldToken(header), JSON.stringify(header));
      }),
      { numRuns: 2000 },
    );
  });

  test('a long run of spaces inside the token costs one pass (the old expression backtracked for hours)', HANG, () => {
    const header = 'Bearer x' + ' '.repeat(MAX_AUTHORIZATION_LENGTH - 20) + 'y';
    assert.equal(bearerToken(header), header.slice(7));
    const huge = 'Bearer x' + ' '.repeat(1_000_000) + 'y';
    assert.equal(bearerToken(huge), huge.slice(7), 'over the cap: the rest as it stands, a token no key matches');
  });
});
