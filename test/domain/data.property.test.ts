// Property tests for the `data` rules (src/domain/data.ts): the merge equals a
// simple Map-based model, including keys such as __proto__, and never touches
// Object.prototype; the limits are judged exactly as the model says.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DATA_LIMITS, mergeData, parseData, patchChanges, sameJson, serializeData, type JsonValue } from '../../src/domain/data.js';
import { reviseContact, type Contact } from '../../src/domain/contacts.js';
import { AppError } from '../../src/domain/errors.js';

const RUNS = { numRuns: 300 };

const specialKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '0', '1', 'a', 'b', ''];
const key = fc.oneof(fc.constantFrom(...specialKeys), fc.string({ maxLength: 6 }), fc.string({ minLength: 99, maxLength: 102 }));
const value = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>;
const storedValue = value.filter((v) => v !== null);
const patchValue = fc.oneof(fc.constant(null), value);
const stored = fc.dictionary(key, storedValue, { maxKeys: 60 });
const patch = fc.dictionary(key, patchValue, { maxKeys: 60 });

/** The rule, spelled out with a Map: null deletes, anything else overwrites, the rest stays. */
function model(current: Record<string, JsonValue>, change: Record<string, JsonValue>): Map<string, JsonValue> {
  const next = new Map(Object.entries(current));
  for (const [k, v] of Object.entries(change)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  return next;
}

function withinLimits(data: Map<string, JsonValue>): boolean {
  const keysFit = [...data.keys()].every((k) => [...k].length >= 1 && [...k].length <= DATA_LIMITS.maxKeyLength);
  const bytes = Buffer.byteLength(JSON.stringify(Object.fromEntries(data)));
  return data.size <= DATA_LIMITS.maxKeys && keysFit && bytes <= DATA_LIMITS.maxBytes;
}

/** JSON with object keys sorted: equal exactly when two values are the same JSON value. */
function canonical(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('data merge (property)', () => {
  test('mergeData equals the Map model for random stored data and patches, __proto__ and friends included', () => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    fc.assert(
      fc.property(stored, patch, (current, change) => {
        const before = [JSON.stringify(Object.entries(current)), JSON.stringify(Object.entries(change))];
        const merged = mergeData(current, change);
        const expected = model(current, change);
        assert.equal(Object.getPrototypeOf(merged), null, 'a prototype-free object');
        assert.deepEqual(Object.keys(merged).sort(), [...expected.keys()].sort());
        for (const [k, v] of expected) assert.ok(Object.hasOwn(merged, k) && merged[k] === v, k);
        assert.deepEqual([JSON.stringify(Object.entries(current)), JSON.stringify(Object.entries(change))], before, 'inputs untouched');
      }),
      RUNS,
    );
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  test('serializeData accepts exactly what is within the limits, and stored JSON reads back as the model', () => {
    fc.assert(
      fc.property(stored, patch, (current, change) => {
        const expected = model(current, change);
        const merged = mergeData(current, change);
        if (!withinLimits(expected)) {
          assert.throws(() => serializeData(merged), (error) => error instanceof AppError && error.code === 'VALIDATION_ERROR');
          return;
        }
        const json = serializeData(merged);
        const readBack = parseData(json);
        assert.equal(Object.getPrototypeOf(readBack), null);
        assert.deepEqual(Object.keys(readBack).sort(), [...expected.keys()].sort());
        for (const [k, v] of expected) assert.equal(canonical(readBack[k]!), canonical(v), k);
      }),
      RUNS,
    );
  });

  test('sameJson is equality of JSON values, whatever the order of object keys', () => {
    const json = value;
    const shuffled = (v: JsonValue): JsonValue => {
      if (Array.isArray(v)) return v.map(shuffled);
      if (v !== null && typeof v === 'object') {
        const entries = Object.entries(v).reverse().map(([k, inner]) => [k, shuffled(inner)] as const);
        const copy = Object.create(null) as Record<string, JsonValue>;
        for (const [k, inner] of entries) copy[k] = inner;
        return copy;
      }
      return v;
    };
    fc.assert(
      fc.property(json, json, (a, b) => {
        assert.equal(sameJson(a, b), canonical(a) === canonical(b));
        assert.equal(sameJson(a, shuffled(a)), true);
      }),
      RUNS,
    );
  });

  test('patchChanges is true exactly when the merged data differs from the stored data by value', () => {
    fc.assert(
      fc.property(stored, patch, (current, change) => {
        const data = parseData(JSON.stringify(current));
        const differs = canonical(Object.fromEntries(model(data, change))) !== canonical(data);
        assert.equal(patchChanges(data, change), differs);
      }),
      RUNS,
    );
  });

  test('reviseContact keeps the very same contact (no write, same updatedAt) exactly when the merge changes nothing', () => {
    fc.assert(
      fc.property(stored, patch, (current, change) => {
        const expected = model(current, change);
        fc.pre(withinLimits(new Map(Object.entries(current))) && withinLimits(expected));
        const contact: Contact = {
          id: '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11',
          email: 'ada@example.com',
          subscribed: true,
          dataJson: serializeData(mergeData(Object.create(null), current)),
          createdAt: 1_000,
          updatedAt: 2_000,
        };
        const revised = reviseContact(contact, { data: change }, 1_500);
        const unchanged = canonical(Object.fromEntries(expected)) === canonical(current);
        assert.equal(revised === contact, unchanged);
        if (!unchanged) assert.equal(revised.updatedAt, 2_001, 'moves strictly forward even when the clock is behind');
      }),
      RUNS,
    );
  });
});
