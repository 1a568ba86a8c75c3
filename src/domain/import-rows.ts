// What one CSV record means for a contact (CONTRACT.md, "CSV rules"), and how
// a batch of records becomes contact writes: applied in row order, exactly as
// if each row had been sent to POST /contacts.
import type { ContactRecord, ContactWrites } from '../storage/store.js';
import { initialDataJson, newContact, reviseContact } from './contacts.js';
import { emptyData, type DataPatch, type JsonValue } from './data.js';
import { isValidEmail, normalizeEmail } from './email.js';
import { AppError } from './errors.js';
import { PLAIN_NUMBER } from './text.js';

export interface ImportColumns {
  email: number;
  subscribed: number | undefined;
  /** By column index, the data key of every other column (its header as written). */
  dataKeys: (string | undefined)[];
}

export interface RowError {
  row: number;
  email: string;
  error: string;
}

export interface ImportRow {
  row: number;
  email: string;
  subscribed: boolean | undefined;
  data: DataPatch;
}

export interface ImportCounts {
  createdCount: number;
  updatedCount: number;
  errors: RowError[];
}

export function importColumns(headers: string[]): ImportColumns {
  const folded = headers.map((header) => header.toLowerCase());
  const subscribed = folded.indexOf('subscribed');
  return {
    email: folded.indexOf('email'),
    subscribed: subscribed === -1 ? undefined : subscribed,
    dataKeys: headers.map((key, index) => (folded[index] === 'email' || folded[index] === 'subscribed' ? undefined : key)),
  };
}


/** `true`/`false` in any case → boolean; a canonical number → number; else the text. */
function typeCell(text: string): JsonValue {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (PLAIN_NUMBER.test(text) && String(Number(text)) === text) return Number(text);
  return text;
}

// A Map, not an object literal: a cell such as `constructor` or `__proto__` must not find a value.
const SUBSCRIBED = new Map<string, boolean>([
  ['true', true], ['yes', true], ['1', true],
  ['false', false], ['no', false], ['0', false],
]);

/** A record as a row to upsert, or the reason it is skipped. */
export function readRow(row: number, cells: string[], columns: ImportColumns): ImportRow | RowError {
  const rawEmail = cells[columns.email] ?? '';
  if (rawEmail === '') return { row, email: rawEmail, error: 'Missing email address' };
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) return { row, email: rawEmail, error: 'Invalid email address' };

  let subscribed: boolean | undefined;
  const rawSubscribed = columns.subscribed === undefined ? '' : (cells[columns.subscribed] ?? '');
  if (rawSubscribed !== '') {
    subscribed = SUBSCRIBED.get(rawSubscribed.toLowerCase());
    if (subscribed === undefined) {
      return { row, email: rawEmail, error: `Invalid subscribed value "${rawSubscribed}" (use true/false, yes/no or 1/0)` };
    }
  }

  // Over the record's own cells, not the header's: a file may have any number
  // of columns, and a short record must cost only what it holds.
  const data = emptyData();
  const end = Math.min(cells.length, columns.dataKeys.length);
  for (let index = 0; index < end; index++) {
    const key = columns.dataKeys[index];
    const cell = cells[index]!;
    if (key !== undefined && cell !== '') data[key] = typeCell(cell);
  }
  return { row, email, subscribed, data };
}

export function isRowError(row: ImportRow | RowError): row is RowError {
  return 'error' in row;
}

/**
 * Applies a batch of rows, in order, to the contacts they name (`existing`
 * holds those already stored). A later row with the same email sees what the
 * earlier one left; a row that breaks a data limit is skipped whole.
 */
export function planImportBatch(
  existing: ContactRecord[],
  rows: (ImportRow | RowError)[],
): { writes: ContactWrites; counts: ImportCounts } {
  const stored = new Map(existing.map((contact) => [contact.email, contact]));
  const latest = new Map<string, ContactRecord>();
  const counts: ImportCounts = { createdCount: 0, updatedCount: 0, errors: [] };
  for (const row of rows) {
    if (isRowError(row)) {
      counts.errors.push(row);
      continue;
    }
    const current = latest.get(row.email) ?? stored.get(row.email);
    try {
      const next = current
        ? reviseContact(current, { subscribed: row.subscribed, data: row.data })
        : newContact(row.email, row.subscribed, initialDataJson(row.data));
      latest.set(row.email, next);
      if (current) counts.updatedCount++;
      else counts.createdCount++;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      counts.errors.push({ row: row.row, email: row.email, error: error.errors?.[0]?.message ?? error.message });
    }
  }
  const writes: ContactWrites = { inserts: [], updates: [], deletes: [] };
  for (const [email, contact] of latest) {
    const before = stored.get(email);
    if (!before) writes.inserts.push(contact);
    else if (contact !== before) writes.updates.push(contact);
  }
  return { writes, counts };
}
