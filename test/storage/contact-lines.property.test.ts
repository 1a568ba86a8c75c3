// Contact lines (src/storage/contact-lines.ts), the text an export reads its
// contacts from: PostgreSQL's COPY output or the SQLite store's reading
// thread. Whatever the fields hold and wherever the chunks are cut, the
// contacts come back exactly, including the quoted fields PostgreSQL would
// write for values holding the delimiter, the quote or a line break (which
// stored values never do, but the reader must not misread them if they did).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ContactLines, contactLine } from '../../src/storage/contact-lines.js';
import type { ContactRecord } from '../../src/domain/store.js';
import { csvCell } from '../../src/domain/csv-cell.js';
import { contactJson } from '../../src/domain/contact-json.js';

/** A field as PostgreSQL's COPY (FORMAT csv, DELIMITER 0x02, QUOTE 0x01) writes it. */
function copyField(text: string): string {
  return /[\x01\x02\r\n]/.test(text) ? `\x01${text.replaceAll('\x01', '\x01\x01')}\x01` : text;
}

function copyLine(c: ContactRecord): string {
  const fields = [c.id, c.email, c.subscribed ? 't' : 'f', c.dataJson, String(c.createdAt), String(c.updatedAt)];
  return `${fields.map(copyField).join('\x02')}\n`;
}

const text = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('\x01', '\x02', '\n', '\r', 'a', 'é', '😀', '"'), maxLength: 8 }));
const contactOf = (field: fc.Arbitrary<string>): fc.Arbitrary<ContactRecord> =>
  fc
    .record({
      id: fc.uuid(),
      email: field,
      subscribed: fc.boolean(),
      dataJson: field,
      createdAt: fc.integer({ min: 0, max: 2 ** 45 }),
      updatedAt: fc.integer({ min: 0, max: 2 ** 45 }),
    })
    .map((c) => ({ ...c }));
const contact = contactOf(text);

/** The bytes cut at random places (inside a character's UTF-8 bytes too). */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) (chunks.push(bytes.subarray(from, point)), (from = point));
  chunks.push(bytes.subarray(from));
  return chunks;
}

test('contacts come back exactly from COPY-shaped lines, quoted fields included, however the bytes are cut', () => {
  fc.assert(
    fc.property(fc.array(contact, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (contacts, at) => {
      const reader = new ContactLines();
      const read = cut(Buffer.from(contacts.map(copyLine).join('')), at).flatMap((chunk) => reader.push(chunk));
      reader.end();
      assert.deepEqual(read, contacts);
    }),
    { numRuns: 500 },
  );
});

test('the lines the SQLite reading thread writes read back exactly', () => {
  const plain = fc.string({ unit: fc.constantFrom('a', 'é', '😀', '"', '\\', ',') });
  fc.assert(
    fc.property(fc.array(contactOf(plain), { maxLength: 20 }), (contacts) => {
      const reader = new ContactLines();
      const lines = contacts.map((c) => contactLine(c.id, c.email, c.subscribed, c.dataJson, c.createdAt, c.updatedAt)).join('');
      const read = reader.push(lines);
      reader.end();
      assert.deepEqual(read, contacts);
    }),
  );
});

test('csvCell quotes exactly the cells that hold a quote, the delimiter or a line break, or start or end with white space', () => {
  const reference = (cell: string, delimiter: string) =>
    cell.includes('"') || cell.includes(delimiter) || /[\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replaceAll('"', '""')}"` : cell;
  const cell = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(' ', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000', '"', ',', ';', '|', '\n', '\r', 'a'), maxLength: 6 }));
  fc.assert(
    fc.property(cell, fc.constantFrom(',', ';', '\t', '|'), (text, delimiter) => assert.equal(csvCell(text, delimiter), reference(text, delimiter))),
    { numRuns: 2000 },
  );
});

test('NDJSON written straight from the lines is contactJson of each contact, byte for byte', () => {
  const email = fc.string({ unit: fc.constantFrom('a', '@', '.', 'é', '😀', '"', '\\', '\x03', '\x1f', '\x01', '\n') });
  const data = fc.jsonValue().map((value) => JSON.stringify({ value }));
  const contact = fc
    .record({ id: fc.uuid(), email, subscribed: fc.boolean(), dataJson: data, createdAt: fc.integer({ min: 0, max: 2 ** 45 }), updatedAt: fc.integer({ min: 0, max: 2 ** 45 }) })
    .map((c) => ({ ...c }));
  fc.assert(
    fc.property(fc.array(contact, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (contacts, at) => {
      const reader = new ContactLines();
      let lines = '';
      let count = 0;
      for (const chunk of cut(Buffer.from(contacts.map(copyLine).join('')), at)) {
        const written = reader.pushJson(chunk);
        lines += written.lines;
        count += written.count;
      }
      reader.end();
      assert.equal(count, contacts.length);
      assert.equal(lines, contacts.map((c) => `${contactJson(c)}\n`).join(''));
    }),
    { numRuns: 500 },
  );
});
