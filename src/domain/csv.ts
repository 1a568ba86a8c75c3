// Reading an import's CSV (CONTRACT.md, "CSV rules"): UTF-8 with an optional
// BOM, RFC 4180 quoting, LF or CRLF, a comma, semicolon or tab delimiter
// detected from the header line. `inspectCsv` checks a whole file before it is
// queued; `csvRecords` streams its records to the worker.
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { validationError } from './errors.js';
import { codePointLength } from './text.js';

export type Delimiter = ',' | ';' | '\t';

export interface CsvLayout {
  delimiter: Delimiter;
  /** Header names as written (trimmed). */
  headers: string[];
  /** Data records, blank lines not counted. */
  totalRows: number;
}

export interface CsvRecord {
  /** The record's number, the header being 1. */
  row: number;
  cells: string[];
}

export const MAX_HEADER_LENGTH = 100;
const CHUNK_SIZE = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function csvError(message: string) {
  return validationError([{ field: 'file', message }]);
}

export function decodeCsv(bytes: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw csvError('The file is not UTF-8 text');
  }
  if (text.includes('\u0000')) throw csvError('The file is not UTF-8 text (it contains NUL bytes)');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The delimiter used most on the header line, outside quotes; a comma if none is. */
export function detectDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) {
      if (counts[','] + counts[';'] + counts['\t'] > 0 || text.slice(0, i).trim() !== '') break;
    } else if (!quoted && char in counts) counts[char as Delimiter]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}

function parser(delimiter: Delimiter) {
  return parse({
    delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  });
}

/** Every record of the file, header first, yielding to the event loop between chunks. */
async function* records(text: string, delimiter: Delimiter): AsyncGenerator<string[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_SIZE) chunks.push(text.slice(i, i + CHUNK_SIZE));
  const stream = Readable.from(chunks).pipe(parser(delimiter));
  try {
    for await (const record of stream) yield record as string[];
  } catch (error) {
    // Not every parse error's code starts with CSV_ (INVALID_OPENING_QUOTE does not).
    if (!(error instanceof CsvError)) throw error;
    const row = ((error as CsvError & { records?: number }).records ?? 0) + 1;
    throw csvError(`CSV syntax error in record ${row}: ${error.message.replace(/ at line \d+/, '')}`);
  }
}

function checkHeaders(headers: string[]): void {
  const seen = new Map<string, string>();
  headers.forEach((name, index) => {
    if (name.length === 0) throw csvError(`Header ${index + 1} is empty`);
    if (codePointLength(name) > MAX_HEADER_LENGTH) {
      throw csvError(`Header ${index + 1} is longer than ${MAX_HEADER_LENGTH} characters`);
    }
    const folded = name.toLowerCase();
    const first = seen.get(folded);
    if (first !== undefined) throw csvError(`Duplicate header "${name}" (same as "${first}")`);
    seen.set(folded, name);
  });
  if (!seen.has('email')) throw csvError('The header has no "email" column');
}

/** Checks a whole file as CONTRACT.md requires before an import is queued. */
export async function inspectCsv(bytes: Buffer): Promise<CsvLayout> {
  if (bytes.length === 0) throw csvError('The file is empty');
  const text = decodeCsv(bytes);
  const delimiter = detectDelimiter(text);
  let headers: string[] | undefined;
  let totalRows = 0;
  for await (const record of records(text, delimiter)) {
    if (headers === undefined) {
      // Header names are trimmed even when quoted (the parser trims only unquoted cells).
      headers = record.map((name) => name.trim());
      checkHeaders(headers);
    } else totalRows++;
  }
  if (headers === undefined) throw csvError('The file has no header row');
  return { delimiter, headers, totalRows };
}

/** The data records of a file already inspected, after skipping the first `skip`. */
export async function* csvRecords(bytes: Buffer, delimiter: Delimiter, skip = 0): AsyncGenerator<CsvRecord> {
  let row = 0;
  for await (const cells of records(decodeCsv(bytes), delimiter)) {
    row++;
    if (row === 1 || row - 1 <= skip) continue;
    yield { row, cells };
  }
}
