// The CSV reader agrees with csv-parse (the reference implementation of RFC
// 4180 we used before) on every well-formed file: random fields with quotes,
// delimiters, line breaks and spaces, under each delimiter and line ending.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { CsvSyntaxError, parseCsv } from '../../src/domain/csv-parser.js';

const reference = (text: string, delimiter: string) =>
  parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];

const ours = (text: string, delimiter: string) => [...parseCsv(text, delimiter)];

const fieldText = fc.string({ unit: fc.constantFrom('a', 'B', '7', ' ', ',', ';', '\t', '"', '\n', '\r\n', 'é', '😀'), maxLength: 8 });

function render(value: string, delimiter: string, forceQuote: boolean): string {
  const needsQuotes = forceQuote || /[",;\t\r\n]/.test(value) || value !== value.trim() || value === '';
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('CSV reader', () => {
  test('reads well-formed files exactly as csv-parse does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(',', ';', '\t'),
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
