// The CSV reader agrees with csv-parse (the reference implementation of RFC
// 4180 we used before) on every well-formed file: random fields with quotes,
// delimiters, line breaks and spaces, under each delimiter and line ending.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { CsvRecordTooLongError, CsvSyntaxError, MAX_RECORD_CHARS, parseCsv } from '../../src/domain/import/csv-parser.js';
import { openText } from '../../src/domain/import/decode.js';
import type { Delimiter } from '../../src/domain/import/options.js';
import { lines, records } from '../../src/domain/import/read-file.js';

// Records whose cells are all empty are skipped (csv-parse's own option for
// it trims quoted cells first, so it would also drop a record holding one tab).
const reference = (text: string, delimiter: string) =>
  (parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][]).filter((cells) =>
    cells.some((cell) => cell !== ''),
  );

/** The records alone, without the reader's pause points. */
const recordsOf = (text: string, delimiter: string) => [...parseCsv(text, delimiter)].filter((record) => record !== null);
const ours = (text: string, delimiter: string) => recordsOf(text, delimiter).map((record) => record.cells);

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
        for (const record of recordsOf(text, delimiter)) {
          const again = recordsOf(text.slice(record.start, record.end), delimiter);
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

  test('the reader offers a pause every 64 Ki characters, between fields as between records (a field is at most a record long)', () => {
    const size = 1_000_000; // under MAX_RECORD_CHARS: one record as long as a record may be
    const files = {
      'blank lines before the header': '\n'.repeat(4 * size) + 'email\na@b.co\n',
      'a header of 250,000 columns': 'email' + ',col'.repeat(size / 4) + '\n',
      'one field of "" pairs': `email\n"${'""'.repeat(size / 2)}"\n`,
    };
    for (const [what, text] of Object.entries(files)) {
      const pauses = [...parseCsv(text, ',')].filter((record) => record === null).length;
      assert.ok(pauses >= Math.floor((text.length - 100) / 65536), `${what}: ${pauses} pauses in ${text.length} characters`);
    }
    const pairs = recordsOf(`email\n"${'""'.repeat(size / 2)}"\n`, ',');
    assert.equal(pairs[1]!.cells[0], '"'.repeat(size / 2));
  });

  test('a record over MAX_RECORD_CHARS is refused, before its "" pairs are undone', () => {
    const exactly = `email\n${'x'.repeat(MAX_RECORD_CHARS)}\n`;
    assert.equal(recordsOf(exactly, ',')[1]!.cells[0]!.length, MAX_RECORD_CHARS);
    for (const text of [
      `email\n${'x'.repeat(MAX_RECORD_CHARS + 1)}\n`,
      `email\n"${'x'.repeat(MAX_RECORD_CHARS)}"\n`,
      `email\n${'x,'.repeat(MAX_RECORD_CHARS)}\n`,
      `email\n"${'""'.repeat(4 * MAX_RECORD_CHARS)}"\n`,
    ]) {
      let pauses = 0;
      assert.throws(
        () => {
          for (const record of parseCsv(text, ',')) if (record === null) pauses++;
        },
        (error: unknown) => error instanceof CsvRecordTooLongError && error.record === 2,
      );
      assert.ok(pauses <= MAX_RECORD_CHARS / 65536 + 2, `${pauses} pauses before the refusal`);
    }
  });
});

describe('reading a file a piece at a time', () => {
  const whole = (text: string, delimiter: string) =>
    recordsOf(text, delimiter).map((record) => ({ cells: record.cells, source: text.slice(record.start, record.end) }));
  const inPieces = (bytes: Buffer, delimiter: Delimiter, pieceBytes: number) =>
    [...records(openText(bytes, undefined, pieceBytes), delimiter)].filter((record) => record !== null);

  test('gives the records and their text exactly as reading it whole, wherever the pieces end', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(',', ';', '\t', '|'),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.array(fc.record({ value: fieldText, quote: fc.boolean(), pad: fc.constantFrom('', ' ') }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        (delimiter, newline, rows, pieceBytes) => {
          const text = rows.map((row) => row.map((f) => `${f.pad}${render(f.value, delimiter, f.quote)}${f.pad}`).join(delimiter)).join(newline);
          assert.deepEqual(inPieces(Buffer.from(text), delimiter as Delimiter, pieceBytes), whole(text, delimiter), JSON.stringify({ text, pieceBytes }));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('errors name the same record as reading it whole', () => {
    for (const text of ['a\nb\n"c\n', 'a\n"b"x\n', 'a\nb"c\n', `a\nb\n${'x'.repeat(MAX_RECORD_CHARS + 1)}\n`]) {
      let expected: unknown;
      try {
        whole(text, ',');
      } catch (error) {
        expected = (error as CsvSyntaxError).record;
      }
      assert.ok(expected, text.slice(0, 20));
      // A record cut by a piece is read again with the next: tiny pieces under a long record would be slow.
      for (const pieceBytes of text.length > 100 ? [65536, 100_000] : [1, 2, 3, 5, 65536]) {
        assert.throws(() => inPieces(Buffer.from(text), ',', pieceBytes), (error: any) => new RegExp(`record ${expected}\\b`, 'i').test(error.message), `${pieceBytes}`);
      }
    }
  });

  test('NDJSON lines come out whole, wherever the pieces end', () => {
    const text = '{"email":"a@b.co"}\r\n\n  \n{"email":"c@d.co","data":{"k":"é😀"}}\n{"email":"e@f.co"}';
    for (const pieceBytes of [1, 2, 3, 7, 64, 1024]) {
      assert.deepEqual([...lines(openText(Buffer.from(text), undefined, pieceBytes))].filter((line) => line !== null), [
        '{"email":"a@b.co"}',
        '{"email":"c@d.co","data":{"k":"é😀"}}',
        '{"email":"e@f.co"}',
      ]);
    }
  });
});
