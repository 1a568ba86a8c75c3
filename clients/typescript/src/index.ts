// The Rolodex client: openapi-fetch over the generated schema (typed raw
// calls), plus the few things every caller would otherwise write again:
// walking every page, uploading an import, waiting for a job, retrying 429
// and 503, and one typed error for every answer that is not 2xx.
import createClient, { type Client } from 'openapi-fetch';
import { RolodexError } from './errors.js';
import { retryingFetch, sleep, type Fetch, type RetryOptions } from './retry.js';
import type { paths } from './schema.js';
import type {
  BulkAccepted,
  BulkFilter,
  BulkJob,
  BulkOperation,
  ChangePage,
  ChangesQuery,
  ExportFilters,
  Contact,
  ContactCreate,
  ContactFilters,
  ContactListQuery,
  ContactPage,
  ContactPatch,
  ImportAccepted,
  ImportJob,
  ImportOptions,
  Job,
} from './types.js';

export { RolodexError, UNEXPECTED_RESPONSE } from './errors.js';
export type { RetryOptions } from './retry.js';
export type * from './types.js';
export type { components, paths } from './schema.js';

export interface RolodexOptions {
  /** The server root, e.g. `https://contacts.example.com`. */
  baseUrl: string;
  /** A secret key (`sk_…`). */
  key: string;
  /** The fetch to send requests with (default: the global fetch). */
  fetch?: Fetch;
  /** Retries of 429 and 503 (honouring Retry-After); `false` turns them off. */
  retry?: RetryOptions | false;
}

export interface WaitOptions {
  /** Called with the job whenever its state or progress has moved, the first poll included. */
  onProgress?: (job: Job) => void;
  /** Time between polls (default 500 ms). */
  intervalMs?: number;
  /** Stops waiting (the job itself goes on). */
  signal?: AbortSignal;
}

export interface UploadResult extends ImportAccepted {
  /** Where the job's state is read: `/contacts/import/{jobId}`. */
  location: string;
}

export type RolodexClient = ReturnType<typeof createRolodex>;

const FINISHED: ReadonlySet<Job['state']> = new Set(['completed', 'failed']);

export function createRolodex(options: RolodexOptions) {
  const baseFetch: Fetch = options.fetch ?? ((request) => globalThis.fetch(request));
  const raw: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { Authorization: `Bearer ${options.key}` },
    fetch: options.retry === false ? baseFetch : retryingFetch(baseFetch, options.retry),
  });

  /** The data of a 2xx answer, or the API's error thrown. */
  async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T; response: Response }> {
    const { data, error, response } = await call;
    if (!response.ok) throw RolodexError.fromResponse(response, error);
    return { data: data as T, response };
  }

  const contacts = {
    async create(body: ContactCreate): Promise<Contact> {
      return (await ok(raw.POST('/contacts', { body }))).data;
    },
    async get(id: string): Promise<Contact> {
      return (await ok(raw.GET('/contacts/{id}', { params: { path: { id } } }))).data;
    },
    async update(id: string, body: ContactPatch): Promise<Contact> {
      return (await ok(raw.PATCH('/contacts/{id}', { params: { path: { id } }, body }))).data;
    },
    async delete(id: string): Promise<void> {
      await ok(raw.DELETE('/contacts/{id}', { params: { path: { id } } }));
    },
    /** One page; pass the previous page's `cursor` (and the same filters) for the next. */
    async list(query: Partial<ContactListQuery> & Pick<ContactFilters, 'data'> = {}): Promise<ContactPage> {
      return (await ok(raw.GET('/contacts', { params: { query: withDataParameters(query) as ContactListQuery } }))).data;
    },
    /**
     * Every contact matching `filters` as one CSV or NDJSON download, streamed:
     * the response's body (read it as a stream, or `await response.text()`).
     */
    async export(filters: ExportFilters = {}, format: 'csv' | 'ndjson' = 'csv'): Promise<Response> {
      const { response } = await ok(
        raw.GET('/contacts/export', { params: { query: { ...withDataParameters(filters), format } as never }, parseAs: 'stream' }),
      );
      return response;
    },
    /**
     * One page of the change feed, in commit order: from the oldest change
     * kept, or after `since` (an earlier page's `cursor`). Poll with the
     * last `cursor`; a 410 CURSOR_EXPIRED means changes after it were
     * deleted, and the contacts must be read again.
     */
    async changes(query: Partial<ChangesQuery> = {}): Promise<ChangePage> {
      return (await ok(raw.GET('/contacts/changes', { params: { query } }))).data;
    },
    /** Every contact matching `filters`, newest first, fetching page after page (100 a page unless `limit` says). */
    async *all(filters: ContactFilters = {}): AsyncGenerator<Contact, void, undefined> {
      let cursor: string | undefined;
      do {
        const query = { limit: 100, ...filters, ...(cursor === undefined ? {} : { cursor }) };
        const page = await contacts.list(query);
        yield* page.contacts;
        cursor = page.hasMore && page.cursor !== null ? page.cursor : undefined;
      } while (cursor !== undefined);
    },
  };

  const jobs = {
    /** A job by its Location (`/contacts/import/…`, `/contacts/bulk/…`, relative or absolute) or its id. */
    async get(target: string): Promise<Job> {
      const location = jobLocation(target);
      if (location) return getJob(location.kind, location.id);
      // A bare id: imports and bulk jobs share one id space, and the other kind answers 404.
      try {
        return await getJob('import', target);
      } catch (error) {
        if (error instanceof RolodexError && error.statusCode === 404) return getJob('bulk', target);
        throw error;
      }
    },
    /** Polls until the job is `completed` or `failed`, and resolves with it. */
    async wait(target: string, { onProgress, intervalMs = 500, signal }: WaitOptions = {}): Promise<Job> {
      const location = jobLocation(target) ?? (await resolveKind(target));
      let last: Job | undefined;
      for (;;) {
        signal?.throwIfAborted();
        const job = await getJob(location.kind, location.id, signal);
        if (onProgress && (last === undefined || last.state !== job.state || last.progress !== job.progress)) onProgress(job);
        last = job;
        if (FINISHED.has(job.state)) return job;
        await sleep(intervalMs, signal);
      }
    },
  };

  async function getJob(kind: 'import' | 'bulk', jobId: string, signal?: AbortSignal): Promise<Job> {
    const init = { params: { path: { jobId } }, ...(signal ? { signal } : {}) };
    return kind === 'import'
      ? (await ok(raw.GET('/contacts/import/{jobId}', init))).data
      : (await ok(raw.GET('/contacts/bulk/{jobId}', init))).data;
  }

  async function resolveKind(jobId: string): Promise<{ kind: 'import' | 'bulk'; id: string }> {
    const job = await jobs.get(jobId);
    return { kind: job.type === 'import' ? 'import' : 'bulk', id: jobId };
  }

  const imports = {
    /** Queues an import of a CSV or NDJSON file (at most 5 MiB); wait for it with `jobs.wait(result.location)`. */
    async upload(file: Blob | Uint8Array | string, options: ImportOptions = {}): Promise<UploadResult> {
      const { data, response } = await ok(
        raw.POST('/contacts/import', {
          // The body is multipart, built here; `as never` fits whatever body type the document declares.
          body: importForm(file, options) as never,
          bodySerializer: (form: unknown) => form,
        }),
      );
      return { ...data, location: response.headers.get('location') ?? `/contacts/import/${data.jobId}` };
    },
    async get(jobId: string): Promise<ImportJob> {
      return (await ok(raw.GET('/contacts/import/{jobId}', { params: { path: { jobId } } }))).data;
    },
    async wait(jobId: string, options?: WaitOptions): Promise<ImportJob> {
      return (await jobs.wait(jobLocation(jobId) ? jobId : `/contacts/import/${jobId}`, options)) as ImportJob;
    },
  };

  const bulk = {
    /** Queues a bulk job on up to 1,000 contacts by id, or on every contact matching a filter (`{ all: true }` for everyone). */
    async start(operation: BulkOperation, target: { contactIds: string[] } | { filter: BulkFilter; excludeIds?: string[] }): Promise<BulkAccepted> {
      const path = `/contacts/bulk-${operation}` as '/contacts/bulk-delete';
      return (await ok(raw.POST(path, { body: target }))).data;
    },
    async wait(jobId: string, options?: WaitOptions): Promise<BulkJob> {
      return (await jobs.wait(jobLocation(jobId) ? jobId : `/contacts/bulk/${jobId}`, options)) as BulkJob;
    },
  };

  return { raw, contacts, imports, jobs, bulk };
}

/** Filters with `data` spelled as the query wants it: `data.<key>=<value>`. */
function withDataParameters<T extends { data?: Record<string, string | number | boolean> }>(filters: T): Omit<T, 'data'> {
  const { data, ...rest } = filters;
  const query: Record<string, unknown> = { ...rest };
  for (const [key, value] of Object.entries(data ?? {})) query[`data.${key}`] = String(value);
  return query as Omit<T, 'data'>;
}

/** The multipart body of an import: the options as fields first, then the file. */
function importForm(file: Blob | Uint8Array | string, options: ImportOptions): FormData {
  const { filename = 'contacts.csv', mapping, ...flags } = options;
  const form = new FormData();
  if (mapping !== undefined) form.append('mapping', JSON.stringify(mapping));
  for (const [name, value] of Object.entries(flags)) {
    if (value !== undefined) form.append(name, String(value));
  }
  const blob = file instanceof Blob ? file : new Blob([file], { type: 'text/csv' });
  form.append('file', blob, filename);
  return form;
}

const JOB_PATH = /(?:^|\/)contacts\/(import|bulk)\/([^/?#]+)\/?(?:[?#].*)?$/;

function jobLocation(target: string): { kind: 'import' | 'bulk'; id: string } | undefined {
  const match = JOB_PATH.exec(target);
  if (!match) return undefined;
  return { kind: match[1] as 'import' | 'bulk', id: decodeURIComponent(match[2]!) };
}
