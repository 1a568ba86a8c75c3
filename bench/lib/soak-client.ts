// The soak run's clients: one request with its timeout, counted by
// status; 5xx answers, failures and answers the contract does not allow
// recorded with their request ids; and what the run knows of each project.

export type StoreName = 'sqlite' | 'postgres';

export const REQUEST_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------- randomness

export const random = (n: number): number => Math.floor(Math.random() * n);
export const chance = (p: number): boolean => Math.random() < p;
export function pick<T>(items: readonly T[]): T {
  return items[random(items.length)]!;
}
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- what the run knows of each project

/** Contacts this run created through POST, by id; a random one in O(1). */
export class Pool {
  private ids: string[] = [];
  private index = new Map<string, number>();
  private emails = new Map<string, string>();

  get size(): number {
    return this.ids.length;
  }

  add(id: string, email: string): void {
    if (this.index.has(id)) return;
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    this.emails.set(id, email);
  }

  remove(id: string): void {
    const at = this.index.get(id);
    if (at === undefined) return;
    const last = this.ids.pop()!;
    if (last !== id) {
      this.ids[at] = last;
      this.index.set(last, at);
    }
    this.index.delete(id);
    this.emails.delete(id);
  }

  setEmail(id: string, email: string): void {
    if (this.index.has(id)) this.emails.set(id, email);
  }

  random(): { id: string; email: string } | undefined {
    if (this.ids.length === 0) return undefined;
    const id = pick(this.ids);
    return { id, email: this.emails.get(id)! };
  }

  /** A random contact, no longer handed out (about to be deleted). */
  take(): { id: string; email: string } | undefined {
    const contact = this.random();
    if (contact) this.remove(contact.id);
    return contact;
  }
}

export interface Project {
  name: string;
  key: string;
  pool: Pool;
  /** Recent emails of the project (created or imported), for upserts of existing ones. */
  emails: string[];
  importJobs: string[];
  bulkJobs: string[];
}

export function rememberEmail(project: Project, email: string): void {
  if (project.emails.length < 5000) project.emails.push(email);
  else project.emails[random(5000)] = email;
}

// ---------------------------------------------------------------- counting

export interface Failure {
  at: number; // seconds since traffic started
  op: string;
  method: string;
  path: string;
  requestId: string;
  requestBody?: string;
  status?: number;
  body?: string;
  error?: string;
  expected?: number[];
  serverLog?: string[];
}

export interface JobRecord {
  kind: string;
  id: string;
  state: string;
  seconds: number;
  problems: string[];
}

export class Tally {
  requests = 0;
  byStatus: Record<string, number> = {};
  byOp: Record<string, Record<string, number>> = {};
  latencies: Record<string, number[]> = {};
  serverErrors: Failure[] = [];
  requestErrors: Failure[] = [];
  unexpected: Failure[] = [];
  unexpectedCount = 0;
  jobs: JobRecord[] = [];

  count(op: string, status: string, ms: number): void {
    this.requests++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    const ofOp = (this.byOp[op] ??= {});
    ofOp[status] = (ofOp[status] ?? 0) + 1;
    (this.latencies[op] ??= []).push(ms);
  }
}

// ---------------------------------------------------------------- one request

export interface Answer {
  status: number;
  text: string;
  json: any;
}

export interface CallOptions {
  json?: unknown;
  rawJson?: string;
  form?: FormData;
  /** The project's key by default; a string to send another. */
  key?: string;
  /** Statuses the contract fixes for this call; anything else is reported. */
  expect?: number[];
}

export class Client {
  private seq = 0;

  constructor(
    readonly store: StoreName,
    readonly url: string,
    readonly tally: Tally,
    readonly started: number,
  ) {}

  async call(project: Project, op: string, method: string, path: string, options: CallOptions = {}): Promise<Answer | undefined> {
    const requestId = `soak-${this.store}-${++this.seq}-${random(1e6)}`;
    const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? project.key}`, 'x-request-id': requestId };
    let body: string | FormData | undefined;
    if (options.form) body = options.form;
    else if (options.rawJson !== undefined || options.json !== undefined) {
      body = options.rawJson ?? JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const at = (Date.now() - this.started) / 1000;
    const requestBody = typeof body === 'string' ? body.slice(0, 500) : body ? '(multipart CSV)' : undefined;
    const start = performance.now();
    try {
      const response = await fetch(this.url + path, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await response.text();
      const ms = performance.now() - start;
      this.tally.count(op, String(response.status), ms);
      let json: any;
      if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      const failure: Failure = { at, op, method, path, requestId, requestBody, status: response.status, body: text.slice(0, 2000) };
      if (response.status >= 500) this.tally.serverErrors.push(failure);
      else if (options.expect && !options.expect.includes(response.status)) {
        this.tally.unexpectedCount++;
        if (this.tally.unexpected.length < 100) this.tally.unexpected.push({ ...failure, expected: options.expect });
      }
      return { status: response.status, text, json };
    } catch (error) {
      const ms = performance.now() - start;
      this.tally.count(op, 'error', ms);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message = `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
      this.tally.requestErrors.push({ at, op, method, path, requestId, requestBody, error: message });
      return undefined;
    }
  }
}
