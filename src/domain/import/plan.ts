// How rows become contact writes, and how a job counts them. A batch is
// applied in row order, exactly as if each row had been sent to POST
// /contacts, with one difference that matters most for an email platform:
// an import never turns an unsubscribed contact back to subscribed unless
// the `resubscribe` option says so (the row's other changes still apply,
// and the contact is counted in keptUnsubscribedCount).
import type { ContactRecord, ContactWrites } from '../../storage/store.js';
import { initialDataJson, newContact, reviseContact } from '../contacts.js';
import { AppError } from '../errors.js';
import type { ImportOptions } from './options.js';
import { isRowError, type ImportRow, type RowError } from './read-file.js';

/** The first this many row errors are kept in the job's result; all of them go to errors.csv. */
export const MAX_REPORTED_ERRORS = 1000;

export interface ImportResult {
  totalRows: number;
  processedRows: number;
  successCount: number;
  createdCount: number;
  updatedCount: number;
  failureCount: number;
  /** Rows that asked to subscribe a contact that had unsubscribed, kept unsubscribed (resubscribe=false). */
  keptUnsubscribedCount: number;
  format: 'csv' | 'ndjson';
  /** The encoding the file was read in. */
  encoding: string;
  errors: { row: number; email: string; error: string }[];
}

export interface BatchCounts {
  createdCount: number;
  updatedCount: number;
  keptUnsubscribedCount: number;
  /** Every failed row of the batch, with the record as written. */
  failures: RowError[];
}

/** What one row does to the contact it names (`current`, if any), under the options. */
function applyRow(current: ContactRecord | undefined, row: ImportRow, options: ImportOptions): { next: ContactRecord; kept: boolean } {
  if (!current) return { next: newContact(row.email, row.subscribed ?? options.subscribed, initialDataJson(row.data)), kept: false };
  const kept = row.subscribed === true && !current.subscribed && !options.resubscribe;
  const next = reviseContact(current, { subscribed: kept ? undefined : row.subscribed, data: row.data });
  return { next, kept };
}

/** Told of each row's outcome in row order (the preview shows the first few). */
export interface RowObserver {
  applied(row: ImportRow, contact: ContactRecord): void;
  failed(failure: RowError): void;
}

/**
 * Applies a batch of rows, in order, to the contacts they name (`existing`
 * holds those already stored). A later row with the same email sees what the
 * earlier one left; a row that breaks a data limit is skipped whole.
 */
export function planImportBatch(
  existing: ContactRecord[],
  rows: (ImportRow | RowError)[],
  options: ImportOptions,
  observer?: RowObserver,
): { writes: ContactWrites; counts: BatchCounts } {
  const stored = new Map(existing.map((contact) => [contact.email, contact]));
  const latest = new Map<string, ContactRecord>();
  const counts: BatchCounts = { createdCount: 0, updatedCount: 0, keptUnsubscribedCount: 0, failures: [] };
  for (const row of rows) {
    if (isRowError(row)) {
      counts.failures.push(row);
      observer?.failed(row);
      continue;
    }
    const current = latest.get(row.email) ?? stored.get(row.email);
    try {
      const { next, kept } = applyRow(current, row, options);
      latest.set(row.email, next);
      if (current) counts.updatedCount++;
      else counts.createdCount++;
      if (kept) counts.keptUnsubscribedCount++;
      observer?.applied(row, next);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const failure = { row: row.row, email: row.email, error: error.errors?.[0]?.message ?? error.message, source: row.source };
      counts.failures.push(failure);
      observer?.failed(failure);
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

/** The emails a batch reads before it plans. */
export function emailsOf(rows: (ImportRow | RowError)[]): string[] {
  return [...new Set(rows.flatMap((row) => (isRowError(row) ? [] : [row.email])))];
}

export function newImportResult(totalRows: number, format: 'csv' | 'ndjson', encoding: string): ImportResult {
  return {
    totalRows,
    processedRows: 0,
    successCount: 0,
    createdCount: 0,
    updatedCount: 0,
    failureCount: 0,
    keptUnsubscribedCount: 0,
    format,
    encoding,
    errors: [],
  };
}

/** The result after one more batch of `rows` records. */
export function addCounts(result: ImportResult, counts: BatchCounts, rows: number): ImportResult {
  const createdCount = result.createdCount + counts.createdCount;
  const updatedCount = result.updatedCount + counts.updatedCount;
  const room = MAX_REPORTED_ERRORS - result.errors.length;
  const errors =
    room <= 0 || counts.failures.length === 0
      ? result.errors
      : result.errors.concat(counts.failures.slice(0, room).map(({ row, email, error }) => ({ row, email, error })));
  return {
    ...result,
    processedRows: result.processedRows + rows,
    successCount: createdCount + updatedCount,
    createdCount,
    updatedCount,
    failureCount: result.failureCount + counts.failures.length,
    keptUnsubscribedCount: result.keptUnsubscribedCount + counts.keptUnsubscribedCount,
    errors,
  };
}

/** 0-99 while running; 100 only when the job completes. */
export function progressOf(result: ImportResult): number {
  return result.totalRows === 0 ? 99 : Math.min(99, Math.floor((result.processedRows * 100) / result.totalRows));
}
