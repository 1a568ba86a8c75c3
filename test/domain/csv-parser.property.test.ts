// The CSV reader agrees with csv-parse (the reference implementation of RFC
// 4180 we used before) on every well-formed file: random fields with quotes,
// delimiters, line breaks and spaces, under each delimiter and line ending.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { CsvSyntaxError, parseCsv } from '../../src/domain/import/csv-parser.js';

// Records whose cells are all empty are skipped (csv-parse's own option for
// it trims quoted cells first, so it would also drop a record holding one tab).
const reference = (text: string, delimiter: string) =>
  (parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][]).filter((cells) =>
    cells.some((cell) => cell !== ''),
  );

const ours = (text: string, delimiter: string) => [...parseCsv(text, delimiter)].map((record) => record.cells);

const fieldText = fc.string({ unit: fc.constantFrom('a', 'B', '7', ' ', ',', ';', '|', '\t', '"', '\n', '\r\n', 'é', '😀'), maxLength: 8 });

function render(value: string, delimiter: string, forceQuote: boolean): string {
  const needsQuotes = forceQuote || /[",;\t\r\n]/.test(value) || value !== value.trim() || value === '';
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('CSV reader', () => {
  test('reads well-formed files exactly as csv-parse does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(',', ';', '\t', '|'),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.array(fc.record({ value: fieldText, quote: fc.boolean(), pad: fc.constantFrom('', ' ', '  ') }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (delimiter, newline, rows, finalNewline) => {
          const text =
            rows.map((row) => row.map((f) => `${f.pad}${render(f.value, delimiter, f.quote)}${f.pad}`).join(delimiter)).join(newline) +
            (finalNewline ? newline : '');
          assert.deepEqual(ours(text, delimiter), reference(text, delimiter), JSON.stringify(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("records whose cells are all empty (spreadsheets' ;;;; rows, quoted empties) are skipped like blank lines", () => {
    assert.deepEqual(ours('email;name\n;;;;\n"";  ;""\na@b.co;Ada\n;;\n', ';'), [['email', 'name'], ['a@b.co', 'Ada']]);
  });

  test('each record knows where it was written: its text alone reads back as the same cells', () => {
    fc.assert(
      fc.property(fc.constantFrom(',', ';', '|'), fc.array(fc.array(fieldText, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (delimiter, rows) => {
        const text = rows.map((row) => row.map((value) => render(value, delimiter, false)).join(delimiter)).join('\r\n');
        for (const record of parseCsv(text, delimiter)) {
          const again = [...parseCsv(text.slice(record.start, record.end), delimiter)];
          assert.deepEqual(again.map((r) => r.cells), [record.cells], JSON.stringify(text));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('blank lines are skipped, and numbers count records, not lines', () => {
    assert.deepEqual(ours('a,b\n\n  \r\n"x\ny",2\n\n3,4', ','), [['a', 'b'], ['x\ny', '2'], ['3', '4']]);
  });

  test('syntax errors name the record: unclosed quote, text after a closing quote, a quote inside a field', () => {
    const recordOf = (text: string) => {
      try {
        ours(text, ',');
      } catch (error) {
        assert.ok(error instanceof CsvSyntaxError);
        return error.record;
      }
      return undefined;
    };
    assert.equal(recordOf('a\n\n"b\nc,d\n'), 2);
    assert.equal(recordOf('a\nb\n"c"x,1\n'), 3);
    assert.equal(recordOf('a\nb,c"d\n'), 2);
    assert.equal(recordOf('a,b\n1,2\n'), undefined);
  });
});
