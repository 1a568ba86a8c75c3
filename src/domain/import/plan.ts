// How rows become contact writes, and how a job counts them. A batch is
// applied in row order, exactly as if each row had been sent to POST
// /contacts, with one difference that matters most for an email platform:
// an import never turns an unsubscribed contact back to subscribed unless
// the `resubscribe` option says so (the row's other changes still apply,
// and the contact is counted in keptUnsubscribedCount).
import type { ContactRecord, ContactWrites } from '../store.js';
import { initialDataJson, newContact } from '../contacts.js';
import type { DataPatch } from '../data.js';
import { DataDraft } from '../data-draft.js';
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

/**
 * A contact as the batch leaves it so far. Its data stays a draft until the
 * batch is written, so a row costs its own cells, however many rows of the
 * batch name the same contact.
 */
class Working {
  private draft: DataDraft | undefined;
  private dataChanged = false;

  constructor(
    /** As stored before the batch; undefined for a contact the batch creates. */
    readonly stored: ContactRecord | undefined,
    private state: Omit<ContactRecord, 'dataJson'>,
    private readonly storedJson: string,
  ) {}

  /** A contact the batch creates: its data serialised at once (most rows name a contact once). */
  static created(row: ImportRow, subscribed: boolean): Working {
    const contact = newContact(row.email, subscribed, initialDataJson(row.data));
    return new Working(undefined, contact, contact.dataJson);
  }

  static of(stored: ContactRecord): Working {
    return new Working(stored, stored, stored.dataJson);
  }

  get subscribed(): boolean {
    return this.state.subscribed;
  }

  /** Applies a row: its data first (which may break a limit and throw, changing nothing), then its subscription. */
  revise(data: DataPatch, subscribed: boolean | undefined): void {
    const changesData = Object.keys(data).length > 0 && this.data().changedBy(data);
    const changesSubscription = subscribed !== undefined && subscribed !== this.state.subscribed;
    if (!changesData && !changesSubscription) return;
    if (changesData) this.patchData(data);
    const updatedAt = Math.max(Date.now(), this.state.updatedAt + 1);
    this.state = { ...this.state, subscribed: subscribed ?? this.state.subscribed, updatedAt };
  }

  /** The contact now, or undefined when nothing changed since it was stored. */
  result(): ContactRecord | undefined {
    const dataJson = this.dataChanged ? this.draft!.toJson() : this.storedJson;
    if (this.stored && !this.dataChanged && this.state === this.stored) return undefined;
    return { ...this.state, dataJson };
  }

  private data(): DataDraft {
    return (this.draft ??= DataDraft.parse(this.storedJson));
  }

  private patchData(data: DataPatch): void {
    if (Object.keys(data).length === 0) return;
    this.data().apply(data);
    this.dataChanged = true;
  }
}

/** Told of each row's outcome in row order (the preview shows the first few). */
export interface RowObserver {
  applied(row: ImportRow, contact: () => ContactRecord): void;
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
  const working = new Map<string, Working>();
  const counts: BatchCounts = { createdCount: 0, updatedCount: 0, keptUnsubscribedCount: 0, failures: [] };
  for (const row of rows) {
    if (isRowError(row)) {
      counts.failures.push(row);
      observer?.failed(row);
      continue;
    }
    let contact = working.get(row.email);
    const storedContact = stored.get(row.email);
    try {
      if (!contact && !storedContact) {
        contact = Working.created(row, row.subscribed ?? options.subscribed);
        counts.createdCount++;
      } else {
        contact ??= Working.of(storedContact!);
        // Never back to subscribed unless asked: the row's other changes still apply.
        const kept = row.subscribed === true && !contact.subscribed && !options.resubscribe;
        contact.revise(row.data, kept ? undefined : row.subscribed);
        counts.updatedCount++;
        if (kept) counts.keptUnsubscribedCount++;
      }
      working.set(row.email, contact);
      const current = contact;
      observer?.applied(row, () => current.result() ?? current.stored!);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const failure = { row: row.row, email: row.email, error: error.errors?.[0]?.message ?? error.message, source: row.source };
      counts.failures.push(failure);
      observer?.failed(failure);
    }
  }
  const writes: ContactWrites = { inserts: [], updates: [], deletes: [] };
  for (const contact of working.values()) {
    const result = contact.result();
    if (!result) continue;
    if (contact.stored) writes.updates.push(result);
    else writes.inserts.push(result);
  }
  return { writes, counts };
}

/** The emails a batch reads before it plans. */
export function emailsOf(rows: (ImportRow | RowError)[]): string[] {
  const emails = new Set<string>();
  for (const row of rows) if (!isRowError(row)) emails.add(row.email);
  return [...emails];
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
