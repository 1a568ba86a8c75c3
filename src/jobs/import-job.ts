// Runs an import: reads the stored CSV past the records already processed and
// applies it in batches. Each batch (its contact writes, the job's counters
// and its errors) commits in one transaction, so a worker killed at any
// instant resumes, from processedRows, with every row applied exactly once.
import { csvRecords, type CsvRecord } from '../domain/csv.js';
import { importColumns, isRowError, planImportBatch, readRow, type ImportCounts } from '../domain/import-rows.js';
import { MAX_REPORTED_ERRORS, type ImportPayload, type ImportResult } from '../domain/jobs.js';
import { failJob, yieldToEventLoop, type JobContext, type JobOutcome } from './job-context.js';

const IMPORT_BATCH_SIZE = 5000;

function addCounts(result: ImportResult, counts: ImportCounts, rows: number): ImportResult {
  const createdCount = result.createdCount + counts.createdCount;
  const updatedCount = result.updatedCount + counts.updatedCount;
  const failureCount = result.failureCount + counts.errors.length;
  const errors =
    result.errors.length >= MAX_REPORTED_ERRORS
      ? result.errors
      : result.errors.concat(counts.errors.slice(0, MAX_REPORTED_ERRORS - result.errors.length));
  return {
    ...result,
    processedRows: result.processedRows + rows,
    successCount: createdCount + updatedCount,
    createdCount,
    updatedCount,
    failureCount,
    errors,
  };
}

/** 0-99 while running; 100 only when the job completes. */
function progressOf(result: ImportResult): number {
  return result.totalRows === 0 ? 99 : Math.min(99, Math.floor((result.processedRows * 100) / result.totalRows));
}

export async function runImportJob(context: JobContext): Promise<JobOutcome> {
  const { store, job, lease } = context;
  const file = await store.jobs.readFile(job.projectId, job.id);
  if (!file) return failJob(context, 'The uploaded file is no longer available');
  const payload = JSON.parse(job.payloadJson) as ImportPayload;
  const columns = importColumns(payload.headers);
  let result = JSON.parse(job.resultJson) as ImportResult;

  const applyBatch = async (batch: CsvRecord[], final: boolean): Promise<boolean> => {
    const rows = batch.map((record) => readRow(record.row, record.cells, columns));
    const emails = [...new Set(rows.flatMap((row) => (isRowError(row) ? [] : [row.email])))];
    let next = result;
    const applied = await store.jobs.step(lease, { emails }, (existing) => {
      const { writes, counts } = planImportBatch(existing, rows);
      next = addCounts(result, counts, batch.length);
      return {
        writes,
        progress: {
          progress: final ? 100 : progressOf(next),
          resultJson: JSON.stringify(next),
          outcome: final ? { state: 'completed', failedReason: null } : undefined,
        },
      };
    });
    if (applied) result = next;
    return applied;
  };

  // The records already applied are exactly the ones counted as processed.
  let batch: CsvRecord[] = [];
  for (const record of csvRecords(file, payload.delimiter, result.processedRows)) {
    batch.push(record);
    if (batch.length < IMPORT_BATCH_SIZE) continue;
    if (!(await applyBatch(batch, false))) return 'lost';
    batch = [];
    if (context.stopping()) return 'stopped';
    if (await context.othersWaiting()) return 'yielded';
    await yieldToEventLoop();
  }
  return (await applyBatch(batch, true)) ? 'done' : 'lost';
}
