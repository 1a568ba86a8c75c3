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
import { CsvSyntaxError, parseCsv, type CsvRecordText } from './csv-parser.js';
import { decodeFile, fileError, type Encoding } from './decode.js';
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

function isNdjson(text: string): boolean {
  return /^\s*\{/.test(text);
}

/**
 * The delimiter used most on the header line (the first line with anything
 * on it), outside quotes; a comma if none is. One pass, each character once.
 */
export function detectDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      quoted = !quoted;
      content = true;
    } else if (!quoted && (code === LF || code === CR)) {
      if (content) break;
    } else if (!quoted && (code === COMMA || code === SEMICOLON || code === TAB || code === PIPE)) {
      counts[String.fromCharCode(code) as Delimiter]++;
      content = true;
    } else if (code !== SPACE && code !== TAB && code !== NBSP && code !== BOM) content = true;
  }
  let best: Delimiter = ',';
  for (const delimiter of [';', '\t', '|'] as const) if (counts[delimiter] > counts[best]) best = delimiter;
  return best;
}

/** Every record of the file, header first; a syntax error is a 400 naming its record. */
function* records(text: string, delimiter: Delimiter): Generator<CsvRecordText> {
  try {
    yield* parseCsv(text, delimiter);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw fileError(`CSV syntax error in record ${error.record}: ${error.message}`);
  }
}

/** Header names are trimmed even when quoted (the parser trims only unquoted cells). */
function headersOf(record: CsvRecordText | undefined): string[] {
  if (!record) throw fileError('The file has no header row');
  return record.cells.map((name) => name.trim());
}

/**
 * Checks a whole file as an import requires before anything is queued, and
 * finds its layout. In slices (see pacer.ts): a 5 MiB file is 80,000 records.
 */
export async function inspectFile(bytes: Buffer, options: ImportOptions): Promise<InspectedFile> {
  const { text, encoding } = decodeFile(bytes, options.encoding);
  const pacer = new Pacer();
  if (isNdjson(text)) {
    let totalRows = 0;
    for (const _line of ndjsonLines(text)) {
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
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const all = records(text, delimiter);
  const header = all.next().value as CsvRecordText | undefined;
  const headers = headersOf(header);
  await checkHeaders(headers);
  const types = new ColumnTypes(await planColumns(headers, options.mapping));
  const samples: string[][] = [];
  let totalRows = 0;
  for (const { cells } of all) {
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
    headerSource: text.slice(header!.start, header!.end),
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
  /** The rows, after skipping the first `skip`. */
  rows(skip?: number): Generator<ImportRow | RowError>;
}

/** A file already inspected, read again with the layout the upload check found. */
export async function openFile(bytes: Buffer, layout: ImportLayout): Promise<OpenedFile> {
  const { text } = decodeFile(bytes, layout.encoding);
  if (layout.format === 'ndjson') {
    return {
      headerSource: null,
      *rows(skip = 0) {
        let row = 0;
        for (const line of ndjsonLines(text)) {
          row++;
          if (row > skip) yield readNdjsonLine(row, line);
        }
      },
    };
  }
  const header = records(text, layout.delimiter!).next().value as CsvRecordText | undefined;
  const columns = await columnsOf(headersOf(header), layout);
  return {
    headerSource: text.slice(header!.start, header!.end),
    *rows(skip = 0) {
      const all = records(text, layout.delimiter!);
      all.next();
      let row = 1;
      for (const record of all) {
        row++;
        if (row - 1 <= skip) continue;
        yield readCsvRow(row, record.cells, text.slice(record.start, record.end), columns);
      }
    },
  };
}
