// Exports: every contact that matches a filter, as CSV or NDJSON, in page
// order, a page at a time, so memory stays flat whatever the project's size
// and a reader that stops reading stops the reading of the store.
//
// What comes back when a file is imported again (see docs/api.md):
// - NDJSON: one contact object per line; the import ignores id, createdAt
//   and updatedAt, so email, subscription and data come back exactly.
// - CSV: `email,subscribed,createdAt,updatedAt`, then one column per data key
//   found in the export, sorted. A string cell is written so that the import
//   reads back that very string (protectForCsv: `'5` for the text "5"); numbers,
//   booleans and nested values (compact JSON) as written. A column comes back
//   with its type when the key holds one type in every contact.
import { Readable } from 'node:stream';
import { contactJson, isoTime } from './contact-json.js';
import { csvCell } from './csv-cell.js';
import { validationError } from './errors.js';
import { checkFilter, type FilterInput } from './filter.js';
import { protectForCsv } from './import/cells.js';
import type { ContactRecord, Store } from './store.js';

export type ExportFormat = 'csv' | 'ndjson';

/** Data keys a CSV export may have as columns; more is a 400 that points to NDJSON. */
export const MAX_CSV_DATA_COLUMNS = 1000;
const FIXED_COLUMNS = ['email', 'subscribed', 'createdAt', 'updatedAt'];

export interface Export {
  /** The body, a page of contacts per chunk (the CSV's header first). */
  chunks: AsyncGenerator<string>;
  /** How many contacts were written so far. */
  written(): number;
}

/**
 * The chunks as a byte stream that reads ahead by at most one chunk: in
 * object mode Readable.from would hold 16 pages ahead of a slow reader.
 */
export function exportStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 });
}

function csvValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return '';
    case 'string':
      return csvCell(protectForCsv(value));
    case 'number': // A JSON number is finite: its text is its JSON, and never needs quotes.
    case 'boolean':
      return String(value);
    default:
      return csvCell(JSON.stringify(value));
  }
}

/**
 * Why these data keys cannot each be a column that imports back as that key:
 * the import trims header names and compares them without case, so keys that
 * differ only in case from each other or from a fixed column, or that start
 * or end with spaces, would be refused or renamed. Undefined when they can.
 */
function columnProblem(keys: string[]): string | undefined {
  const seen = new Map(FIXED_COLUMNS.map((name) => [name.toLowerCase(), name]));
  const clashes: string[] = [];
  for (const key of keys) {
    if (key !== key.trim()) {
      clashes.push(`"${key}" (spaces around it)`);
      continue;
    }
    const other = seen.get(key.toLowerCase());
    if (other !== undefined) clashes.push(`"${key}" (same as "${other}" but for case)`);
    else seen.set(key.toLowerCase(), key);
  }
  if (clashes.length === 0) return undefined;
  const listed = clashes.slice(0, 10).join(', ') + (clashes.length > 10 ? ` and ${clashes.length - 10} more` : '');
  return `These data keys cannot be CSV columns that import back as they are: ${listed}. Export as NDJSON (format=ndjson), which keeps every key`;
}

export class ExportService {
  constructor(private readonly store: Store) {}

  /**
   * Checks the filter and, for CSV, the columns (a 400 before anything is
   * written), then gives the body to read.
   */
  async open(projectId: string, input: FilterInput, format: ExportFormat): Promise<Export> {
    const filter = checkFilter(input);
    let written = 0;
    const store = this.store;
    const pages = filter === 'nothing' ? emptyPages() : store.contacts.stream(projectId, filter);
    if (format === 'ndjson') {
      const byStore = filter === 'nothing' ? undefined : store.contacts.streamJson?.(projectId, filter);
      if (byStore) return ndjsonWrittenByStore(byStore);
      return {
        written: () => written,
        chunks: (async function* () {
          for await (const page of pages) {
            written += page.length;
            yield page.map((contact) => `${contactJson(contact)}\n`).join('');
          }
        })(),
      };
    }
    const keys = filter === 'nothing' ? [] : await store.contacts.dataKeys(projectId, filter, MAX_CSV_DATA_COLUMNS);
    if (keys.length > MAX_CSV_DATA_COLUMNS) {
      throw validationError([{
        field: 'format',
        message: `These contacts have more than ${MAX_CSV_DATA_COLUMNS} different data keys, too many for CSV columns. Export as NDJSON (format=ndjson)`,
      }]);
    }
    keys.sort();
    const problem = columnProblem(keys);
    if (problem) throw validationError([{ field: 'format', message: problem }]);
    const header = [...FIXED_COLUMNS, ...keys].map((name) => csvCell(name)).join(',');
    return {
      written: () => written,
      chunks: (async function* () {
        yield `${header}\r\n`;
        for await (const page of pages) {
          written += page.length;
          yield page.map((contact) => csvLine(contact, keys)).join('');
        }
      })(),
    };
  }
}

function ndjsonWrittenByStore(batches: AsyncGenerator<{ lines: string; count: number }>): Export {
  let written = 0;
  return {
    written: () => written,
    chunks: (async function* () {
      for await (const { lines, count } of batches) {
        written += count;
        yield lines;
      }
    })(),
  };
}

async function* emptyPages(): AsyncGenerator<ContactRecord[]> {}

function csvLine(contact: ContactRecord, keys: string[]): string {
  let line = `${csvCell(contact.email)},${contact.subscribed},${isoTime(contact.createdAt)},${isoTime(contact.updatedAt)}`;
  if (keys.length > 0) {
    const data = JSON.parse(contact.dataJson) as Record<string, unknown>;
    for (const key of keys) line += `,${csvValue(Object.hasOwn(data, key) ? data[key] : undefined)}`;
  }
  return `${line}\r\n`;
}
