// Accepting an import and previewing one: the same reading (read-file.ts) and
// the same planning (plan.ts) as the job that applies it, so a preview says
// exactly what the import will do to the contacts as they are now.
import type { ContactRecord, JobRecord, Store } from '../store.js';
import { csvCell } from '../csv-cell.js';
import type { JobService } from '../jobs.js';
import { parseData, type ContactData } from '../data.js';
import { roleOf, type ImportColumns } from './columns.js';
import { Pacer } from '../pacer.js';
import type { ImportOptions } from './options.js';
import { addCounts, emailsOf, newImportResult, planImportBatch, type ImportResult } from './plan.js';
import { inspectFile, openFile, type ImportLayout, type ImportRow, type RowError } from './read-file.js';

/**
 * Rows the preview plans at once. Small, so that few rows outlive a young-
 * generation garbage collection: at 5,000 a preview of 80,000 rows spent a
 * third of its second copying rows that were still waiting to be planned.
 */
const PREVIEW_BATCH_SIZE = 1000;
const PREVIEW_ROWS = 20;

export interface PreviewColumn {
  header: string;
  target: 'email' | 'subscribed' | 'data' | 'skip';
  key: string | null;
  type: string | null;
  samples: string[];
}

export type PreviewRow =
  | { row: number; email: string; subscribed: boolean; data: ContactData }
  | { row: number; email: string; error: string };

export interface ImportPreview {
  format: 'csv' | 'ndjson';
  encoding: string;
  delimiter: string | null;
  totalRows: number;
  columns: PreviewColumn[];
  rows: PreviewRow[];
  counts: { create: number; update: number; failure: number; keptUnsubscribed: number };
  errors: ImportResult['errors'];
}

function previewColumns(columns: ImportColumns | null, samples: string[][]): PreviewColumn[] {
  if (!columns) return [];
  return columns.headers.map((header, index) => {
    const role = roleOf(columns, index);
    const data = columns.data[index];
    return {
      header,
      target: role,
      key: data?.key ?? null,
      type: role === 'data' ? data!.type : role === 'subscribed' ? 'boolean' : role === 'email' ? 'string' : null,
      samples: samples[index] ?? [],
    };
  });
}

/** The payload and first result of the job that imports `file`: a 400 for what an upload refuses. */
export async function importJob(file: Buffer, options: ImportOptions): Promise<{ payload: ImportLayout; result: ImportResult }> {
  const { layout, totalRows } = await inspectFile(file, options);
  return { payload: layout, result: newImportResult(totalRows, layout.format, layout.encoding) };
}

const FAILURES_PAGE = 1000;

export class ImportService {
  constructor(
    private readonly store: Store,
    readonly jobs: JobService,
  ) {}

  /** The import's preview: every row planned against the project's contacts as they are, nothing written. */
  async preview(projectId: string, file: Buffer, options: ImportOptions): Promise<ImportPreview> {
    const inspected = await inspectFile(file, options);
    const { layout } = inspected;
    let result = newImportResult(inspected.totalRows, layout.format, layout.encoding);
    const rows: PreviewRow[] = [];
    const observer = {
      applied(row: ImportRow, now: () => ContactRecord) {
        if (rows.length < PREVIEW_ROWS) {
          const contact = now();
          rows.push({ row: row.row, email: contact.email, subscribed: contact.subscribed, data: parseData(contact.dataJson) });
        }
      },
      failed(failure: RowError) {
        if (rows.length < PREVIEW_ROWS) rows.push({ row: failure.row, email: failure.email, error: failure.error });
      },
    };
    let batch: (ImportRow | RowError)[] = [];
    const plan = async () => {
      const existing = await this.store.contacts.getByEmails(projectId, emailsOf(batch));
      const { counts } = planImportBatch(existing, batch, options, observer);
      result = addCounts(result, counts, batch.length);
      batch = [];
    };
    // The file is read a second time, as the job will read it, rather than
    // holding every parsed record from the check above: kept, 80,000 records
    // made the preview's garbage collections cost more than the second read.
    const pacer = new Pacer();
    for (const row of (await openFile(file, layout)).rows()) {
      if (!row) {
        const pause = pacer.pause();
        if (pause) await pause;
        continue;
      }
      batch.push(row);
      if (batch.length >= PREVIEW_BATCH_SIZE) await plan();
      const pause = pacer.step();
      if (pause) await pause;
    }
    await plan();
    return {
      format: layout.format,
      encoding: layout.encoding,
      delimiter: layout.delimiter,
      totalRows: inspected.totalRows,
      columns: previewColumns(inspected.columns, inspected.samples),
      rows,
      counts: {
        create: result.createdCount,
        update: result.updatedCount,
        failure: result.failureCount,
        keptUnsubscribed: result.keptUnsubscribedCount,
      },
      errors: result.errors,
    };
  }

  /**
   * errors.csv: every failed row as written, under the file's own header
   * (with its delimiter), `row` and `error` first; remove those two, fix the
   * cells, and the file imports again. An NDJSON import's failed lines come
   * as a third column, `line`. Read from the store a page at a time.
   */
  async *errorsCsv(job: JobRecord): AsyncGenerator<string> {
    const layout = JSON.parse(job.payloadJson) as ImportLayout;
    const delimiter = layout.delimiter ?? ',';
    let headerWritten = false;
    const header = (source?: string) => {
      headerWritten = true;
      if (layout.format === 'ndjson') return 'row,error,line\r\n';
      return source === undefined ? `row${delimiter}error\r\n` : `row${delimiter}error${delimiter}${source}\r\n`;
    };
    let after = 0;
    for (;;) {
      const failures = await this.store.jobs.listFailures(job.projectId, job.id, after, FAILURES_PAGE);
      let out = '';
      for (const failure of failures) {
        if (failure.row === 1 && layout.format === 'csv') {
          out += header(failure.source);
          continue;
        }
        if (!headerWritten) out += header();
        const source = layout.format === 'ndjson' ? csvCell(failure.source, ',') : failure.source;
        out += `${failure.row}${delimiter}${csvCell(failure.error, delimiter)}${delimiter}${source}\r\n`;
      }
      if (failures.length === 0 && !headerWritten) out += header();
      if (out) yield out;
      if (failures.length < FAILURES_PAGE) return;
      after = failures[failures.length - 1]!.row;
    }
  }
}
