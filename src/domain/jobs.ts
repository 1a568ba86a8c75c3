// Accepting jobs and reporting on them: CSV imports and bulk subscribe,
// unsubscribe and delete. Everything is checked before a job is stored; the
// job row is then the only truth about it (see src/jobs/ for the worker).
import type { JobRecord, JobType, Store } from '../storage/store.js';
import { inspectCsv, type Delimiter } from './csv.js';
import { AppError, invalidField, notFound } from './errors.js';
import { newId, isId } from './ids.js';
import type { RowError } from './import-rows.js';

export const MAX_REPORTED_ERRORS = 1000;

export type BulkOperation = 'subscribe' | 'unsubscribe' | 'delete';

export interface ImportPayload {
  delimiter: Delimiter;
  headers: string[];
}

export interface BulkPayload {
  contactIds: string[];
}

export interface ImportResult {
  totalRows: number;
  processedRows: number;
  successCount: number;
  createdCount: number;
  updatedCount: number;
  failureCount: number;
  errors: RowError[];
}

export interface BulkResult {
  operation: BulkOperation;
  totalRequested: number;
  successCount: number;
  unchangedCount: number;
  failureCount: number;
  errors: { contactId: string; error: string }[];
}

function queuedJob(projectId: string, type: JobType, payload: unknown, result: unknown): JobRecord {
  const id = newId();
  return {
    projectId,
    id,
    type,
    state: 'queued',
    payloadJson: JSON.stringify(payload),
    progress: 0,
    resultJson: JSON.stringify(result),
    failedReason: null,
    attempts: 0,
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
  };
}

function tooManyPending(limit: number): AppError {
  return new AppError(
    'RATE_LIMIT_EXCEEDED',
    `This project already has ${limit} jobs queued or running; send more when some have finished`,
  );
}

export class JobService {
  constructor(
    private readonly store: Store,
    /** Told of every job accepted, so an in-process worker can start at once. */
    private readonly onQueued: () => void = () => {},
    /** Jobs a project may have queued or running at once (JOBS_PENDING_PER_PROJECT). */
    private readonly maxPending = Infinity,
  ) {}

  /** Refuses (429) a job the project has no room for, before its upload is read. */
  async checkRoomForJob(projectId: string): Promise<void> {
    if (Number.isFinite(this.maxPending) && (await this.store.jobs.countPending(projectId)) >= this.maxPending) {
      throw tooManyPending(this.maxPending);
    }
  }

  /** Stores a job; the project's pending cap is checked in the same transaction. */
  private async queue(job: JobRecord, file?: Buffer): Promise<string> {
    if (!(await this.store.jobs.create(job, file, this.maxPending))) throw tooManyPending(this.maxPending);
    this.onQueued();
    return job.id;
  }

  async acceptImport(projectId: string, file: Buffer): Promise<string> {
    const layout = await inspectCsv(file);
    const payload: ImportPayload = { delimiter: layout.delimiter, headers: layout.headers };
    const result: ImportResult = {
      totalRows: layout.totalRows,
      processedRows: 0,
      successCount: 0,
      createdCount: 0,
      updatedCount: 0,
      failureCount: 0,
      errors: [],
    };
    return this.queue(queuedJob(projectId, 'import', payload, result), file);
  }

  async acceptBulk(projectId: string, operation: BulkOperation, contactIds: string[]): Promise<string> {
    const unique = [...new Set(contactIds)];
    const payload: BulkPayload = { contactIds: unique };
    const result: BulkResult = {
      operation,
      totalRequested: unique.length,
      successCount: 0,
      unchangedCount: 0,
      failureCount: 0,
      errors: [],
    };
    return this.queue(queuedJob(projectId, `bulk-${operation}`, payload, result));
  }

  /** A job of this project and kind; any other answers 404 like a missing one. */
  async get(projectId: string, id: string, kind: 'import' | 'bulk'): Promise<JobRecord> {
    const job = isId(id) ? await this.store.jobs.get(projectId, id) : undefined;
    if (!job || (kind === 'import') !== (job.type === 'import')) throw notFound('Job');
    return job;
  }
}
