// A data draft (an import batch's working copy of a contact's data) gives
// exactly what merging and serialising row by row gives: the same stored
// data, the same 400 for the same patch; and a batch naming one contact on
// every row parses and serialises its data once, not once per row.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DataDraft } from '../../src/domain/data-draft.js';
import { mergeData, parseData, patchChanges, serializeData, type DataPatch } from '../../src/domain/data.js';
import { AppError } from '../../src/domain/errors.js';
import { planImportBatch } from '../../src/domain/import/plan.js';
import { DEFAULT_OPTIONS } from '../../src/domain/import/options.js';
import type { ImportRow } from '../../src/domain/import/read-file.js';

const key = fc.oneof(fc.constantFrom('a', 'b', 'plan', '__proto__', '1', '😀', 'k'.repeat(100), 'k'.repeat(101), ''), fc.string({ maxLength: 3 }));
const value = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(1e400, 'x'.repeat(20_000), 'é'.repeat(9_000)),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const patch = fc.dictionary(key, value, { maxKeys: 6 }).map((p) => Object.assign(Object.create(null), p) as DataPatch);

function outcome(work: () => string): string {
  try {
    return work();
  } catch (error) {
    assert.ok(error instanceof AppError);
    return `error: ${error.message}`;
  }
}

describe('data drafts', () => {
  test('patch after patch, a draft stores and refuses exactly what merge-and-serialise does', () => {
    fc.assert(
      fc.property(fc.array(patch, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 120 }), (patches, startKeys) => {
        let json = JSON.stringify(Object.fromEntries(Array.from({ length: startKeys % 101 }, (_, i) => [`s${i}`, i])));
        const draft = DataDraft.parse(json);
        for (const p of patches) {
          const stored = parseData(json);
          const expected = outcome(() => serializeData(mergeData(stored, p)));
          assert.equal(draft.changedBy(p), patchChanges(stored, p));
          const actual = outcome(() => {
            draft.apply(p);
            return draft.toJson();
          });
          if (expected.startsWith('error')) assert.equal(actual, expected);
          else {
            assert.deepEqual(JSON.parse(actual), JSON.parse(expected));
            json = expected;
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a batch of n rows for one contact parses its data once and serialises it once, for n = 2,000 and 4,000', () => {
    const big = JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(300)])));
    const stored = { id: '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11', email: 'one@example.com', subscribed: true, dataJson: big, createdAt: 1, updatedAt: 1 };
    for (const n of [2_000, 4_000]) {
      let parses = 0;
      let serialisations = 0;
      const parse = DataDraft.parse;
      const toJson = DataDraft.prototype.toJson;
      DataDraft.parse = (json: string) => (parses++, parse.call(DataDraft, json));
      DataDraft.prototype.toJson = function (this: DataDraft) {
        serialisations++;
        return toJson.call(this);
      };
      try {
        const rows: ImportRow[] = Array.from({ length: n }, (_, i) => ({
          row: i + 2, email: 'one@example.com', subscribed: undefined, data: { [`k${i % 100}`]: `w${i}` }, source: '',
        }));
        const { writes, counts } = planImportBatch([stored], rows, DEFAULT_OPTIONS);
        assert.equal(counts.updatedCount, n);
        assert.equal(writes.updates.length, 1);
        assert.deepEqual([parses, serialisations], [1, 1], `n = ${n}`);
      } finally {
        DataDraft.parse = parse;
        DataDraft.prototype.toJson = toJson;
      }
    }
  });
});
