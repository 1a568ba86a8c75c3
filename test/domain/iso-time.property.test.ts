// isoTime writes times from a cache of the day's prefix; it must write
// exactly what Date.prototype.toISOString writes, for any time, in any order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoTime } from '../../src/domain/contact-json.js';

const LATEST = 8.64e15; // the largest time a Date holds

test('isoTime writes what toISOString writes, for any sequence of times', () => {
  const near = (base: number) => fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }).map((offset) => base + offset);
  const time = fc.oneof(
    fc.integer({ min: -LATEST, max: LATEST }),
    fc.integer({ min: 0, max: 4_102_444_800_000 }), // 1970 to 2100
    near(Date.UTC(2026, 11, 1)),
    near(0),
    near(253_402_300_800_000), // the year 10000
    fc.double({ min: -1e13, max: 1e13, noNaN: true }),
  );
  fc.assert(
    fc.property(fc.array(time, { minLength: 1, maxLength: 50 }), (times) => {
      for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
    }),
    { numRuns: 2000 },
  );
});

test('isoTime at the edges of a day, a year and the fast range', () => {
  const edges = [0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 86_399_999, 86_400_000, -1, -86_400_000, 951_782_400_000, 951_868_799_999];
  for (const ms of [...edges, 253_402_300_799_999, 253_402_300_800_000, 1.5, -0.5]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
  }
  assert.throws(() => isoTime(Number.NaN), RangeError);
});
