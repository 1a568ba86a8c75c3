// Accepting jobs and reporting on them: CSV imports and bulk subscribe,
// unsubscribe and delete. Everything is checked before a job is stored; the
// job row is then the only truth about it (see src/jobs/ for the worker).
import type { ContactFilter, ContactPosition, JobRecord, JobType, Store } from './store.js';
import { checkFilter, isEmptyFilter, type FilterInput } from './filter.js';
import { importJob } from './import/import-service.js';
import type { ImportOptions } from './import/options.js';
import { AppError, notFound, validationError } from './errors.js';
import { newId, isId } from './ids.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export type BulkOperation = 'subscribe' | 'unsubscribe' | 'delete';

export interface JobPage {
  jobs: JobRecord[];
  cursor: string | null;
  hasMore: boolean;
}

/** What a bulk job works on: the ids given, or every contact that matches a filter when the job runs. */
export type BulkPayload =
  | { contactIds: string[] }
  /** `filter` null: nothing can match (a search for a space, say); the job ends at once with nothing counted. */
  | { filter: ContactFilter | null };

/** A bulk job by filter's place in its walk, kept with each step (JobRecord.resumeAtJson). */
export interface BulkResumeAt {
  /** The last contact scanned; the walk goes on after it. */
  after: ContactPosition;
  /** The contacts that matched when the job started: the base of its progress. */
  estimate: number;
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
    resumeAtJson: null,
  };
}

function newBulkResult(operation: BulkOperation, totalRequested: number): BulkResult {
  return { operation, totalRequested, successCount: 0, unchangedCount: 0, failureCount: 0, errors: [] };
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
    return this.queue(queuedJob(projectId, `bulk-${operation}`, payload, newBulkResult(operation, unique.length)));
  }

  /**
   * A bulk job over every contact that matches the filter when the job runs
   * (totalRequested counts them as it goes). `{ all: true }` is every
   * contact; an empty filter is refused, so that "all" is always said.
   */
  async acceptBulkByFilter(
    projectId: string,
    operation: BulkOperation,
    input: FilterInput & { all?: boolean },
    excludeIds: string[] = [],
  ): Promise<string> {
    const { all, ...conditions } = input;
    if (all === undefined && isEmptyFilter(conditions)) {
      throw validationError([{ field: 'filter', message: 'Say which contacts: give at least one filter, or {"all": true} for every contact' }]);
    }
    if (all !== undefined && !isEmptyFilter(conditions)) {
      throw validationError([{ field: 'filter.all', message: '"all" stands alone: leave it out to act on the contacts the other filters match' }]);
    }
    const checked = checkFilter(conditions, 'filter.', excludeIds);
    const payload: BulkPayload = { filter: checked === 'nothing' ? null : checked };
    return this.queue(queuedJob(projectId, `bulk-${operation}`, payload, newBulkResult(operation, 0)));
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
