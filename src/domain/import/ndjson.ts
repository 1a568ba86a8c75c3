// NDJSON imports: one JSON object per line, `{ "email", "subscribed"?,
// "data"? }`, each line a row with exactly POST /contacts's rules, so an
// NDJSON export re-imports exactly: the export's read-only fields (`id`,
// `createdAt`, `updatedAt`) are allowed on a line and ignored. Blank lines
// are skipped, not counted; a line that is not such an object is a row
// error, and the rest go on.
import { isPlainObject, type DataPatch } from '../data.js';
import { jsonShapeProblem } from '../json-depth.js';
import { isValidEmail, normalizeEmail } from '../email.js';
import { echoEmail, type ImportRow, type RowError } from './read-file.js';

/** Characters between two chances to pause (a null), as in csv-parser.ts: blank lines are skipped in bulk. */
const SLICE = 1 << 16;

/** The non-blank lines of the text, each without its line break, and a null every SLICE characters. */
export function* ndjsonLines(text: string): Generator<string | null> {
  let start = 0;
  let pauseAt = SLICE;
  while (start < text.length) {
    if (start >= pauseAt) {
      yield null;
      pauseAt = start + SLICE;
    }
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    start = end + 1;
    if (line.trim() !== '') yield line;
  }
}

const FIELDS = new Set(['email', 'subscribed', 'data']);
/**
 * The contact object's read-only fields, as GET /contacts/export writes them:
 * accepted with any value and ignored (the server sets them), so an export
 * re-imports as it is.
 */
const READ_ONLY_FIELDS = new Set(['id', 'createdAt', 'updatedAt']);

export function readNdjsonLine(row: number, line: string): ImportRow | RowError {
  const shapeProblem = jsonShapeProblem(line);
  if (shapeProblem) return { row, email: '', error: shapeProblem, source: line };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { row, email: '', error: 'Not a JSON object on one line', source: line };
  }
  if (!isPlainObject(parsed)) return { row, email: '', error: 'Not a JSON object on one line', source: line };
  const rawEmail = typeof parsed.email === 'string' ? echoEmail(parsed.email) : '';
  const fail = (error: string): RowError => ({ row, email: rawEmail, error, source: line });
  const unknown = Object.keys(parsed).find((key) => !FIELDS.has(key) && !READ_ONLY_FIELDS.has(key));
  if (unknown !== undefined) return fail(`Unknown field "${unknown.slice(0, 100)}"`);
  if (parsed.email === undefined) return fail('Missing email address');
  if (typeof parsed.email !== 'string') return fail('email: Must be a string');
  const email = normalizeEmail(parsed.email);
  if (!isValidEmail(email)) return fail('Invalid email address');
  if (parsed.subscribed !== undefined && typeof parsed.subscribed !== 'boolean') return fail('subscribed: Must be a boolean');
  if (parsed.data !== undefined && !isPlainObject(parsed.data)) return fail('data: Must be an object');
  return {
    row,
    email,
    subscribed: parsed.subscribed as boolean | undefined,
    data: (parsed.data ?? {}) as DataPatch,
    source: line,
  };
}
