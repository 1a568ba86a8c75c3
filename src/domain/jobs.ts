// Accepting jobs and reporting on them: CSV imports and bulk subscribe,
// unsubscribe and delete. Everything is checked before a job is stored; the
// job row is then the only truth about it (see src/jobs/ for the worker).
import type { JobRecord, JobType, Store } from './store.js';
import { importJob } from './import/import-service.js';
import type { ImportOptions } from './import/options.js';
import { AppError, notFound } from './errors.js';
import { newId, isId } from './ids.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export type BulkOperation = 'subscribe' | 'unsubscribe' | 'delete';

export interface JobPage {
  jobs: JobRecord[];
  cursor: string | null;
  hasMore: boolean;
}

export interface BulkPayload {
  contactIds: string[];
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

  async acceptImport(projectId: string, file: Buffer, options: ImportOptions): Promise<string> {
    const { payload, result } = await importJob(file, options);
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

  /** The project's jobs of one kind, newest first, a page at a time. */
  async list(projectId: string, kind: 'import' | 'bulk', limit: number, cursor?: string): Promise<JobPage> {
    const before = cursor === undefined ? undefined : decodeCursor(projectId, cursor).id;
    const types: JobType[] = kind === 'import' ? ['import'] : ['bulk-subscribe', 'bulk-unsubscribe', 'bulk-delete'];
    const rows = await this.store.jobs.listPage(projectId, types, limit + 1, before);
    const hasMore = rows.length > limit;
    const jobs = hasMore ? rows.slice(0, limit) : rows;
    const last = jobs[jobs.length - 1];
    return { jobs, hasMore, cursor: hasMore && last ? encodeCursor(projectId, { createdAt: last.createdAt, id: last.id }) : null };
  }

  /** A job of this project and kind; any other answers 404 like a missing one. */
  async get(projectId: string, id: string, kind: 'import' | 'bulk'): Promise<JobRecord> {
    const job = isId(id) ? await this.store.jobs.get(projectId, id) : undefined;
    if (!job || (kind === 'import') !== (job.type === 'import')) throw notFound('Job');
    return job;
  }
}
