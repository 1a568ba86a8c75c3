// Reading an import's CSV (CONTRACT.md, "CSV rules"): UTF-8 with an optional
// BOM, RFC 4180 quoting, LF or CRLF, a comma, semicolon or tab delimiter
// detected from the header line. `inspectCsv` checks a whole file before it is
// queued; `csvRecords` reads its records for the worker.
import { CsvSyntaxError, parseCsv } from './csv-parser.js';
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

const MAX_HEADER_LENGTH = 100;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function csvError(message: string) {
  return validationError([{ field: 'file', message }]);
}

function decodeCsv(bytes: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw csvError('The file is not UTF-8 text');
  }
  if (text.includes('\u0000')) throw csvError('The file is not UTF-8 text (it contains NUL bytes)');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The delimiter used most on the header line (the first line with anything
 * on it), outside quotes; a comma if none is. One pass, each character once.
 */
function detectDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) {
      if (content) break;
      continue;
    } else if (!quoted && char in counts) {
      counts[char as Delimiter]++;
      content = true;
    }
    if (char.trim() !== '') content = true;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}

/** Every record of the file, header first; a syntax error is a 400 naming its record. */
function* records(text: string, delimiter: Delimiter): Generator<string[]> {
  try {
    yield* parseCsv(text, delimiter);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw csvError(`CSV syntax error in record ${error.record}: ${error.message}`);
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
  for (const record of records(text, delimiter)) {
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
export function* csvRecords(bytes: Buffer, delimiter: Delimiter, skip = 0): Generator<CsvRecord> {
  let row = 0;
  for (const cells of records(decodeCsv(bytes), delimiter)) {
    row++;
    if (row === 1 || row - 1 <= skip) continue;
    yield { row, cells };
  }
}
