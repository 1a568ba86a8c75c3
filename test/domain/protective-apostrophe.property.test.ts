// The protective apostrophe (src/domain/import/cells.ts), both sides of it:
// protectForCsv is what GET /contacts/export writes for a string in a CSV
// cell, withoutProtectiveApostrophe what the import takes off again. For any
// string s, the cell protectForCsv(s) reads back as exactly s, in a column
// that is text; and a whole file shaped as the export is read back, string
// for string, by the import's own reader (inspectFile, openFile).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ColumnTyping, protectForCsv, readCell, withoutProtectiveApostrophe } from '../../src/domain/import/cells.js';
import { DEFAULT_OPTIONS } from '../../src/domain/import/options.js';
import { inspectFile, isRowError, openFile } from '../../src/domain/import/read-file.js';

const RUNS = { numRuns: 1000 };

/** Excel's TRUE and FALSE in the languages the import knows, and true/false: written out here, not imported. */
const BOOLEAN_WORDS = ['true', 'false', 'wahr', 'falsch', 'vrai', 'faux', 'verdadero', 'falso', 'vero', 'waar', 'onwaar', 'verdadeiro', 'sant', 'falskt'];

/** A boolean word in random case. */
const booleanWord = fc
  .tuple(fc.constantFrom(...BOOLEAN_WORDS), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }))
  .map(([word, upper]) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

/** Strings made of the characters the rule is about, so that its edges come up often. */
const edgy = fc.string({
  unit: fc.constantFrom("'", "'", '@', '=', '+', '-', '0', '7', '.', 'e', 'a', 'T', 'r', 'u', 'F', 'l', 's', ' ', '\t', '"', ',', '\n', 'é', '😀'),
  maxLength: 6,
});

/** Any string: printable ASCII, any Unicode, the rule's own characters, boolean words with something around them. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  edgy,
  booleanWord,
  fc.tuple(fc.constantFrom('', "'", "''", ' ', '@'), booleanWord, fc.constantFrom('', ' ', 'x', "'")).map((parts) => parts.join('')),
);

/** What the import reads from one cell of a data column that it decides the type of: the value, and the column's type. */
function readAlone(cell: string): { value: unknown; type: string } {
  const unprotected = withoutProtectiveApostrophe(cell);
  const typing = new ColumnTyping();
  typing.see(unprotected ?? cell, unprotected !== undefined);
  return { value: readCell(unprotected ?? cell, typing.type, false), type: typing.type };
}

describe('the protective apostrophe', () => {
  test('which cells lose it, and what they read as', () => {
    const cases: [cell: string, read: string | undefined][] = [
      // As spreadsheets write it: before digits, +, - and =.
      ["'02134", '02134'], ["'+4915112345678", '+4915112345678'], ["'-3", '-3'], ["'=A1", '=A1'], ["'-", '-'],
      // As the export also writes it: before @, before another apostrophe, before a boolean word, alone.
      ["'@handle", '@handle'], ["''", "'"], ["'''", "''"], ["''5", "'5"], ["''abc", "'abc"],
      ["'true", 'true'], ["'FALSE", 'FALSE'], ["'Wahr", 'Wahr'], ["'falskt", 'falskt'], ["'VeRdAdErO", 'VeRdAdErO'],
      ["'", ''],
      // Anything else keeps its apostrophe (and is not protected).
      ["'abc", undefined], ["'yes", undefined], ["'no", undefined], ["'truee", undefined], ["'true ", undefined], ["' 5", undefined],
      ["'.5", undefined], ["'#", undefined], ["'é", undefined],
      // No apostrophe, or not in front.
      ['5', undefined], ['', undefined], ['a\'b', undefined], ['true', undefined], ['@x', undefined],
    ];
    for (const [cell, read] of cases) assert.equal(withoutProtectiveApostrophe(cell), read, JSON.stringify(cell));
  });

  test('a protected cell makes its column text, beside cells that are numbers or booleans', () => {
    const typing = new ColumnTyping();
    typing.see('5', false);
    typing.see('', true); // the cell `'`
    assert.equal(typing.type, 'string');
    const booleans = new ColumnTyping();
    booleans.see('false', false);
    booleans.see('true', true); // the cell `'true`
    assert.equal(booleans.type, 'string');
  });

  test('protectForCsv adds the apostrophe exactly when the export rule says so', () => {
    const cases: [string, string][] = [
      ['', "'"], ['5', "'5"], ['02134', "'02134"], ['+1', "'+1"], ['-x', "'-x"], ['=SUM(A1)', "'=SUM(A1)"], ['@home', "'@home"],
      ["'", "''"], ["'quoted'", "''quoted'"], ['true', "'true"], ['FALSE', "'FALSE"], ['Faux', "'Faux"],
      ['hello', 'hello'], ['yes', 'yes'], [' 5', ' 5'], ['true!', 'true!'], ['.5', '.5'], ['a@b', 'a@b'], ['Infinity', 'Infinity'],
    ];
    for (const [s, cell] of cases) assert.equal(protectForCsv(s), cell, JSON.stringify(s));
  });

  test('for any string s, the cell protectForCsv(s) reads back as exactly s, and its column is text', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const cell = protectForCsv(s);
        assert.ok(cell === s || cell === `'${s}`, 'at most one apostrophe is added');
        const unprotected = withoutProtectiveApostrophe(cell);
        if (unprotected !== undefined) assert.equal(cell, `'${unprotected}`, 'exactly one apostrophe is removed');
        assert.deepEqual(readAlone(cell), { value: s, type: 'string' });
      }),
      RUNS,
    );
  });

  test('a cell with a leading apostrophe loses exactly one, or none', () => {
    fc.assert(
      fc.property(anyString, (rest) => {
        const read = withoutProtectiveApostrophe(`'${rest}`);
        assert.ok(read === undefined || read === rest);
        // The export never writes `'` + rest unless the reader would take the apostrophe off.
        if (read === undefined) assert.equal(protectForCsv(rest), rest);
      }),
      RUNS,
    );
  });
});

// ---- a whole CSV as the export writes it (the contract), read by the import ----

/** RFC 4180 quoting, and quotes around a cell with spaces at either end (unquoted cells are trimmed). */
function quoted(cell: string): string {
  return /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replaceAll('"', '""')}"` : cell;
}

describe('an export-shaped CSV, read by the import', () => {
  test('every string comes back exactly; createdAt and updatedAt are not data', async () => {
    const row = fc.record({
      subscribed: fc.boolean(),
      // undefined: the contact has no such key (an empty cell).
      note: fc.option(anyString.filter((s) => !s.includes('\u0000')), { nil: undefined, freq: 6 }),
      code: fc.option(fc.constantFrom('', '5', '007', 'true', "'", '@x', 'x'), { nil: undefined, freq: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'), async (rows, eol) => {
        const lines = ['email,subscribed,createdAt,updatedAt,note,code'];
        rows.forEach((r, i) => {
          const cells = [`c${i}@example.com`, String(r.subscribed), '2026-01-01T00:00:00.000Z', '2026-01-02T03:04:05.678Z'];
          for (const value of [r.note, r.code]) cells.push(value === undefined ? '' : quoted(protectForCsv(value)));
          lines.push(cells.join(','));
        });
        const bytes = Buffer.from(lines.join(eol) + eol);
        const inspected = await inspectFile(bytes, { ...DEFAULT_OPTIONS });
        assert.equal(inspected.totalRows, rows.length);
        const columns = inspected.columns!;
        assert.deepEqual(
          Array.from(columns.data, (column) => column && [column.key, column.type]),
          [undefined, undefined, undefined, undefined, ['note', 'string'], ['code', 'string']],
        );
        const read = [...(await openFile(bytes, inspected.layout)).rows()].filter((r) => r !== null);
        assert.equal(read.length, rows.length);
        read.forEach((got, i) => {
          assert.ok(!isRowError(got), JSON.stringify(got));
          const expected: Record<string, string> = {};
          if (rows[i]!.note !== undefined) expected.note = rows[i]!.note!;
          if (rows[i]!.code !== undefined) expected.code = rows[i]!.code!;
          assert.deepEqual(
            { email: got.email, subscribed: got.subscribed, data: { ...got.data } },
            { email: `c${i}@example.com`, subscribed: rows[i]!.subscribed, data: expected },
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});
