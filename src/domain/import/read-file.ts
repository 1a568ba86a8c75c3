// Reading an import file, the one way the upload check, the preview and the
// job all use: decode it, tell CSV from NDJSON, find the delimiter and the
// columns, and decide each column's type from all of its cells. The layout
// found at upload is stored with the job, so the worker reads the file
// exactly as it was checked.
import type { DataPatch } from '../data.js';
import { emptyData } from '../data.js';
import { isValidEmail, normalizeEmail } from '../email.js';
import { ColumnTypes, checkHeaders, planColumns, type ImportColumns } from './columns.js';
import { consentWord, readCell, withoutProtectiveApostrophe, type ColumnType } from './cells.js';
import { CsvRecordTooLongError, CsvSyntaxError, MAX_RECORD_CHARS, parseCsv } from './csv-parser.js';
import { fileError, openText, type DecodedFile, type Encoding } from './decode.js';
import { readNdjsonLine, ndjsonLines } from './ndjson.js';
import type { Delimiter, ImportOptions } from './options.js';
import { Pacer } from '../pacer.js';

export type ImportFormat = 'csv' | 'ndjson';

/** How to read a file again in the worker: what the upload check found. */
export interface ImportLayout {
  format: ImportFormat;
  encoding: Encoding;
  /** CSV only. */
  delimiter: Delimiter | null;
  /** CSV only: the decided type of each column, one letter each (s, n, b; - for none). */
  types: string | null;
  options: ImportOptions;
}

/** A record, read: a row to upsert, or the reason it is skipped. `source` is the record as written. */
export interface ImportRow {
  row: number;
  email: string;
  subscribed: boolean | undefined;
  data: DataPatch;
  source: string;
}

export interface RowError {
  row: number;
  email: string;
  error: string;
  source: string;
}

export function isRowError(row: ImportRow | RowError): row is RowError {
  return 'error' in row;
}

export interface InspectedFile {
  layout: ImportLayout;
  totalRows: number;
  /** CSV only: the columns with their types decided. */
  columns: ImportColumns | null;
  /** CSV only: the header record as written, for errors.csv. */
  headerSource: string | null;
  /** CSV only: by column index, the first five non-empty cells. */
  samples: string[][];
}

const [QUOTE, LF, CR, COMMA, SEMICOLON, TAB, PIPE, SPACE, NBSP, BOM] = [0x22, 0x0a, 0x0d, 0x2c, 0x3b, 0x09, 0x7c, 0x20, 0xa0, 0xfeff];

const TYPE_LETTERS: Record<ColumnType, string> = { string: 's', number: 'n', boolean: 'b' };
const LETTER_TYPES: Record<string, ColumnType> = { s: 'string', n: 'number', b: 'boolean' };
const MAX_SAMPLES = 5;

/**
 * Counts the delimiters on the header line (the first line with anything on
 * it), outside quotes, as the text is fed to it a piece at a time; the one
 * used most wins, a comma if none is. Each character is looked at once.
 */
export class DelimiterCounter {
  private readonly counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  private quoted = false;
  private content = false;
  /** True once the header line has ended: nothing more is read. */
  done = false;

  feed(text: string): void {
    for (let i = 0; i < text.length && !this.done; i++) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        this.quoted = !this.quoted;
        this.content = true;
      } else if (!this.quoted && (code === LF || code === CR)) {
        if (this.content) this.done = true;
      } else if (!this.quoted && (code === COMMA || code === SEMICOLON || code === TAB || code === PIPE)) {
        this.counts[String.fromCharCode(code) as Delimiter]++;
        this.content = true;
      } else if (code !== SPACE && code !== TAB && code !== NBSP && code !== BOM) this.content = true;
    }
  }

  get delimiter(): Delimiter {
    let best: Delimiter = ',';
    for (const delimiter of [';', '\t', '|'] as const) if (this.counts[delimiter] > this.counts[best]) best = delimiter;
    return best;
  }
}

/**
 * Whether the file is NDJSON (its first character other than white space is
 * `{`) and, for a CSV, its delimiter: read a piece at a time, only as far as
 * the end of the header line.
 */
async function detectLayout(file: DecodedFile, pacer: Pacer): Promise<{ ndjson: boolean; delimiter: Delimiter }> {
  const counter = new DelimiterCounter();
  let first: string | undefined;
  for (const piece of file.pieces()) {
    first ??= /\S/.exec(piece)?.[0];
    if (first === '{') return { ndjson: true, delimiter: ',' };
    counter.feed(piece);
    if (counter.done) break;
    const pause = pacer.pause();
    if (pause) await pause;
  }
  return { ndjson: false, delimiter: counter.delimiter };
}

function recordTooLong(what: 'Record' | 'Line', number: number) {
  return fileError(
    `${what} ${number} is longer than ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters: ` +
      'no contact needs that much (data holds at most 32 KiB), so the file is not read',
  );
}

/** A CSV record: its cells, and its text as written (for errors.csv). */
export interface SourcedRecord {
  cells: string[];
  source: string;
}

/**
 * Every record of the file, header first, read a piece at a time: a record
 * cut by the end of a piece is read again with the next (records are at most
 * MAX_RECORD_CHARS long, so this costs a bounded amount). A syntax error is a
 * 400 naming its record. A null is a chance to pause (see csv-parser.ts).
 */
export function* records(file: DecodedFile, delimiter: Delimiter): Generator<SourcedRecord | null> {
  try {
    const pieces = file.pieces();
    let carry = '';
    let count = 0;
    for (;;) {
      const piece = pieces.next();
      const final = piece.done === true;
      const text = final ? carry : carry + piece.value;
      const parser = parseCsv(text, delimiter, { final, firstRecord: count });
      let next = parser.next();
      for (; !next.done; next = parser.next()) {
        const record = next.value;
        if (record === null) {
          yield null;
          continue;
        }
        count++;
        yield { cells: record.cells, source: text.slice(record.start, record.end) };
      }
      if (final) return;
      carry = text.slice(next.value);
      yield null;
    }
  } catch (error) {
    if (error instanceof CsvRecordTooLongError) throw recordTooLong('Record', error.record);
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw fileError(`CSV syntax error in record ${error.record}: ${error.message}`);
  }
}

/**
 * The non-blank lines of an NDJSON file, read a piece at a time, and a null
 * between pieces; a line over MAX_RECORD_CHARS is a 400 naming it.
 */
export function* lines(file: DecodedFile): Generator<string | null> {
  let carry = '';
  let count = 0;
  function* complete(text: string): Generator<string | null> {
    for (const line of ndjsonLines(text)) {
      if (line !== null) {
        count++;
        if (line.length > MAX_RECORD_CHARS) throw recordTooLong('Line', count);
      }
      yield line;
    }
  }
  for (const piece of file.pieces()) {
    const text = carry + piece;
    const end = text.lastIndexOf('\n') + 1;
    yield* complete(text.slice(0, end));
    carry = text.slice(end);
    if (carry.length > MAX_RECORD_CHARS + 1) throw recordTooLong('Line', count + 1);
    yield null;
  }
  yield* complete(carry);
}

/** The next record, pausing as the reader asks: the header may be a megabyte long. */
async function nextRecord(all: Generator<SourcedRecord | null>, pacer: Pacer): Promise<SourcedRecord | undefined> {
  for (let next = all.next(); !next.done; next = all.next()) {
    if (next.value) return next.value;
    const pause = pacer.pause();
    if (pause) await pause;
  }
  return undefined;
}

/** Header names are trimmed even when quoted (the parser trims only unquoted cells). */
function headersOf(record: SourcedRecord | undefined): string[] {
  if (!record) throw fileError('The file has no header row');
  return record.cells.map((name) => name.trim());
}

/**
 * Checks a whole file as an import requires before anything is queued, and
 * finds its layout. In slices (see pacer.ts): a 5 MiB file is 80,000 records.
 */
export async function inspectFile(bytes: Buffer, options: ImportOptions): Promise<InspectedFile> {
  const pacer = new Pacer();
  const file = openText(bytes, options.encoding);
  const { encoding } = file;
  const detected = await detectLayout(file, pacer);
  if (detected.ndjson) {
    let totalRows = 0;
    for (const line of lines(file)) {
      if (line === null) {
        const pause = pacer.pause();
        if (pause) await pause;
        continue;
      }
      totalRows++;
      const pause = pacer.step();
      if (pause) await pause;
    }
    return {
      layout: { format: 'ndjson', encoding, delimiter: null, types: null, options },
      totalRows,
      columns: null,
      headerSource: null,
      samples: [],
    };
  }
  const delimiter = options.delimiter ?? detected.delimiter;
  const all = records(file, delimiter);
  const header = await nextRecord(all, pacer);
  const headers = headersOf(header);
  await checkHeaders(headers);
  const types = new ColumnTypes(await planColumns(headers, options.mapping));
  const samples: string[][] = [];
  let totalRows = 0;
  for (const record of all) {
    if (!record) {
      const pause = pacer.pause();
      if (pause) await pause;
      continue;
    }
    const { cells } = record;
    totalRows++;
    // Over the record's own cells, not the header's: a file may have any
    // number of columns, and a short record must cost only what it holds.
    const end = Math.min(cells.length, headers.length);
    for (let index = 0; index < end; index++) {
      const cell = cells[index]!;
      if (cell === '') continue;
      const unprotected = withoutProtectiveApostrophe(cell);
      types.see(index, unprotected ?? cell, unprotected !== undefined);
      const columnSamples = (samples[index] ??= []);
      if (columnSamples.length < MAX_SAMPLES) columnSamples.push(unprotected ?? cell);
    }
    const pause = pacer.step();
    if (pause) await pause;
  }
  const columns = types.decide();
  let letters = '';
  for (let index = 0; index < headers.length; index++) {
    const column = columns.data[index];
    letters += column ? TYPE_LETTERS[column.type] : '-';
    const pause = pacer.step();
    if (pause) await pause;
  }
  return {
    layout: { format: 'csv', encoding, delimiter, types: letters, options },
    totalRows,
    columns,
    headerSource: header!.source,
    samples,
  };
}

/** The columns of a file already inspected, as the upload check decided them. */
async function columnsOf(headers: string[], layout: ImportLayout): Promise<ImportColumns> {
  const columns = await planColumns(headers, layout.options.mapping);
  for (const column of columns.data) {
    if (column && !column.forced) column.type = LETTER_TYPES[layout.types![column.index]!] ?? 'string';
  }
  return columns;
}

const cellError = (header: string, cell: string, type: ColumnType) =>
  `Column "${header}": "${cell.length > 40 ? `${cell.slice(0, 40)}…` : cell}" is not a ${type}`;

/** An email cell as a row error repeats it: no address is longer than 254 characters, so no more is shown. */
export function echoEmail(cell: string): string {
  return cell.length > 256 ? `${cell.slice(0, 254)}…` : cell;
}

/** A CSV record as a row to upsert, or the reason it is skipped. */
export function readCsvRow(row: number, cells: string[], source: string, columns: ImportColumns): ImportRow | RowError {
  const rawEmail = echoEmail(cells[columns.email] ?? '');
  if (rawEmail === '') return { row, email: rawEmail, error: 'Missing email address', source };
  const email = normalizeEmail(cells[columns.email]!);
  if (!isValidEmail(email)) return { row, email: rawEmail, error: 'Invalid email address', source };

  let subscribed: boolean | undefined;
  const rawSubscribed = columns.subscribed === undefined ? '' : (cells[columns.subscribed] ?? '');
  if (rawSubscribed !== '') {
    subscribed = consentWord(rawSubscribed);
    if (subscribed === undefined) {
      const header = columns.headers[columns.subscribed!];
      return { row, email: rawEmail, error: `Column "${header}": "${rawSubscribed}" is not a subscription status (use yes/no, true/false or 1/0)`, source };
    }
  }

  const data = emptyData();
  const end = Math.min(cells.length, columns.data.length);
  for (let index = 0; index < end; index++) {
    const column = columns.data[index];
    const cell = cells[index]!;
    if (column === undefined || cell === '') continue;
    const text = withoutProtectiveApostrophe(cell) ?? cell;
    const value = readCell(text, column.type, column.forced);
    if (value === undefined) return { row, email: rawEmail, error: cellError(columns.headers[index]!, cell, column.type), source };
    data[column.key] = value;
  }
  return { row, email, subscribed, data, source };
}

export interface OpenedFile {
  /** CSV only: the header record as written, for errors.csv. */
  headerSource: string | null;
  /**
   * The rows, after skipping the first `skip`. A null is a chance to pause:
   * the reader has scanned a long stretch (one record may be megabytes).
   */
  rows(skip?: number): Generator<ImportRow | RowError | null>;
}

/** A file already inspected, read again with the layout the upload check found. */
export async function openFile(bytes: Buffer, layout: ImportLayout): Promise<OpenedFile> {
  const pacer = new Pacer();
  const file = openText(bytes, layout.encoding);
  if (layout.format === 'ndjson') {
    return {
      headerSource: null,
      *rows(skip = 0) {
        let row = 0;
        for (const line of lines(file)) {
          if (line === null) {
            yield null;
            continue;
          }
          row++;
          if (row > skip) yield readNdjsonLine(row, line);
        }
      },
    };
  }
  const header = await nextRecord(records(file, layout.delimiter!), pacer);
  const columns = await columnsOf(headersOf(header), layout);
  return {
    headerSource: header!.source,
    *rows(skip = 0) {
      let row = 0;
      for (const record of records(file, layout.delimiter!)) {
        if (!record) {
          yield null;
          continue;
        }
        row++;
        if (row === 1) continue;
        if (row - 1 <= skip) continue;
        yield readCsvRow(row, record.cells, record.source, columns);
      }
    },
  };
}
