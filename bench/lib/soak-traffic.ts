// The soak run's traffic: each client sends one request after another until
// the time is up, picking an operation by weight; imports and bulk jobs come
// on a schedule and are polled to their end, their counts checked.
import { v7 as uuidv7 } from 'uuid';
import { importCsv } from './workload.js';
import { chance, pick, random, rememberEmail, sleep, type Client, type JobRecord, type Project, type StoreName } from './soak-client.js';

const SMALL_IMPORT_EVERY_MS = 3_000;
const BIG_IMPORT_FIRST_MS = 20_000;
const BIG_IMPORT_EVERY_MS = 90_000;
const BIG_IMPORT_ROWS = 17_000; // ≈ 1 MB of the benchmark CSV
const BULK_EVERY_MS = 2_000;
const POLL_MS = 250;
const JOB_DEADLINE_MS = 5 * 60_000;

// ---------------------------------------------------------------- the traffic

const MALFORMED_IDS = ['nope', '123', 'not-a-uuid-at-all', '00000000-0000-0000-0000-00000000000g', 'x'.repeat(300), '%20', "'%3B--", '%E2%9C%93'];
const SEARCHES = {
  1: ['a', 'e', '1', '@', '.', '%', '_', 'z'],
  2: ['s1', '@d', 'ex', '7@', '%_', 'om', 'b1', 'zz'],
  3: ['soak', '.example.com', '@d1', 'big0', '12@', 'user', '%', 'no-such-email', 'S-1'],
};

export class Traffic {
  private emailSeq = 0;
  private next: Record<string, number>;
  /** Set when the server is gone: the clients stop at once. */
  halted = false;
  private bigImports = 0;

  constructor(
    readonly store: StoreName,
    readonly client: Client,
    readonly projects: [Project, Project],
    readonly until: number,
  ) {
    const now = Date.now();
    this.next = { small: now + 1000, big: now + BIG_IMPORT_FIRST_MS, bulk: now + 1500 };
  }

  private freshEmail(): string {
    const n = ++this.emailSeq;
    const email = `s${this.store[0]}-${n}.${random(1e6)}@d${n % 37}.example.com`;
    // Now and then as a client might send it: surrounding spaces, upper case.
    return chance(0.1) ? `  ${email.toUpperCase()} ` : email;
  }

  private due(what: string, every: number): boolean {
    const now = Date.now();
    if (now < this.next[what]!) return false;
    this.next[what] = now + every;
    return true;
  }

  /** One client: requests one after another until the time is up. */
  async run(): Promise<void> {
    while (Date.now() < this.until && !this.halted) {
      const project = chance(0.7) ? this.projects[0] : this.projects[1];
      const other = project === this.projects[0] ? this.projects[1] : this.projects[0];
      if (this.due('big', BIG_IMPORT_EVERY_MS)) await this.bigImport(this.projects[0]);
      else if (this.due('small', SMALL_IMPORT_EVERY_MS)) await this.smallImport(project);
      else if (this.due('bulk', BULK_EVERY_MS)) await this.bulk(project, other);
      else await this.weighted(project, other);
    }
  }

  private async weighted(project: Project, other: Project): Promise<void> {
    const ops: [number, () => Promise<void>][] = [
      [18, () => this.createNew(project)],
      [8, () => this.createExisting(project)],
      [1, () => this.createRace(project)],
      [14, () => this.read(project)],
      [5, () => this.readMissing(project)],
      [10, () => this.list(project)],
      [12, () => this.search(project)],
      [8, () => this.patchData(project)],
      [3, () => this.patchEmail(project)],
      [1, () => this.patchConflict(project)],
      [4, () => this.remove(project)],
      [2, () => this.misc(project, other)],
    ];
    let roll = random(ops.reduce((sum, [weight]) => sum + weight, 0));
    for (const [weight, op] of ops) {
      if (roll < weight) return op();
      roll -= weight;
    }
  }

  private data(): Record<string, unknown> {
    const data: Record<string, unknown> = { plan: pick(['free', 'starter', 'pro']), score: random(1000) };
    if (chance(0.3)) data.tags = ['a', 'b'].slice(0, random(3));
    if (chance(0.2)) data.profile = { city: pick(['Paris', 'Lima', 'Oslo']), seats: random(50) };
    if (chance(0.2)) data.note = null; // deletes the key
    return data;
  }

  private async createNew(project: Project): Promise<void> {
    const email = this.freshEmail();
    const body: Record<string, unknown> = { email, data: this.data() };
    if (chance(0.3)) body.subscribed = chance(0.5);
    const answer = await this.client.call(project, 'create-new', 'POST', '/contacts', { json: body, expect: [201] });
    if (answer?.status === 201) {
      project.pool.add(answer.json.id, answer.json.email);
      rememberEmail(project, answer.json.email);
    }
  }

  private async createExisting(project: Project): Promise<void> {
    const email = project.emails.length > 0 ? pick(project.emails) : this.freshEmail();
    const body: Record<string, unknown> = { email, data: this.data() };
    if (chance(0.3)) body.subscribed = chance(0.5);
    // 201 when the contact was deleted (or renamed) meanwhile.
    const answer = await this.client.call(project, 'create-existing', 'POST', '/contacts', { json: body, expect: [200, 201] });
    if (answer?.status === 201) project.pool.add(answer.json.id, answer.json.email);
  }

  private async createRace(project: Project): Promise<void> {
    const email = this.freshEmail();
    const send = (n: number) =>
      this.client.call(project, 'create-race', 'POST', '/contacts', { json: { email, data: { racer: n } }, expect: [200, 201] });
    const answers = await Promise.all([send(1), send(2)]);
    if (answers.some((answer) => !answer)) return;
    const statuses = answers.map((answer) => answer!.status).sort();
    if (statuses.join() !== '200,201' && statuses.every((status) => status < 500)) {
      this.client.tally.unexpectedCount++;
      this.client.tally.unexpected.push({
        at: (Date.now() - this.client.started) / 1000,
        op: 'create-race',
        method: 'POST',
        path: '/contacts',
        requestId: '(two requests)',
        requestBody: JSON.stringify({ email }),
        body: `statuses ${statuses.join(', ')}: ${answers.map((answer) => answer!.text.slice(0, 300)).join(' | ')}`,
        expected: [200, 201],
      });
    }
    const created = answers.find((answer) => answer!.status === 201);
    if (created) project.pool.add(created.json.id, created.json.email);
  }

  private async read(project: Project): Promise<void> {
    const contact = project.pool.random();
    if (!contact) return this.createNew(project);
    await this.client.call(project, 'read', 'GET', `/contacts/${contact.id}`, { expect: [200, 404] });
  }

  private async readMissing(project: Project): Promise<void> {
    const id = chance(0.5) ? uuidv7() : pick(MALFORMED_IDS);
    await this.client.call(project, 'read-missing', 'GET', `/contacts/${id}`, { expect: [404] });
  }

  private async walk(project: Project, op: string, query: URLSearchParams, pages: number): Promise<void> {
    for (let page = 0; page < pages; page++) {
      const answer = await this.client.call(project, op, 'GET', `/contacts?${query}`, { expect: [200] });
      if (answer?.status !== 200 || !answer.json?.cursor) return;
      query.set('cursor', answer.json.cursor);
    }
  }

  private async list(project: Project): Promise<void> {
    const query = new URLSearchParams({ limit: String(1 + random(100)) });
    if (chance(0.3)) query.set('subscribed', String(chance(0.5)));
    if (chance(0.1)) query.delete('limit'); // the default, 20
    await this.walk(project, 'list', query, 1 + random(4));
  }

  private async search(project: Project): Promise<void> {
    const length = pick([1, 2, 3] as const);
    const query = new URLSearchParams({ search: pick(SEARCHES[length]), limit: String(1 + random(50)) });
    if (chance(0.2)) query.set('subscribed', String(chance(0.5)));
    await this.walk(project, `search-${length === 3 ? '3+' : length}`, query, chance(0.3) ? 2 : 1);
  }

  private async patchData(project: Project): Promise<void> {
    const contact = project.pool.random();
    if (!contact) return this.createNew(project);
    const body: Record<string, unknown> = chance(0.05) ? { data: null } : { data: this.data() };
    if (chance(0.3)) body.subscribed = chance(0.5);
    await this.client.call(project, 'patch-data', 'PATCH', `/contacts/${contact.id}`, { json: body, expect: [200, 404] });
  }

  private async patchEmail(project: Project): Promise<void> {
    const contact = project.pool.random();
    if (!contact) return this.createNew(project);
    const answer = await this.client.call(project, 'patch-email', 'PATCH', `/contacts/${contact.id}`, {
      json: { email: this.freshEmail() },
      expect: [200, 404],
    });
    if (answer?.status === 200) {
      project.pool.setEmail(contact.id, answer.json.email);
      rememberEmail(project, answer.json.email);
    }
  }

  /** Two contacts only this client knows yet; giving one the other's email must be a 409. */
  private async patchConflict(project: Project): Promise<void> {
    const made: { id: string; email: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const answer = await this.client.call(project, 'create-new', 'POST', '/contacts', { json: { email: this.freshEmail() }, expect: [201] });
      if (answer?.status !== 201) return;
      made.push({ id: answer.json.id, email: answer.json.email });
    }
    const [a, b] = made as [{ id: string; email: string }, { id: string; email: string }];
    const email = chance(0.5) ? b.email : `  ${b.email.toUpperCase()}`;
    await this.client.call(project, 'patch-conflict', 'PATCH', `/contacts/${a.id}`, { json: { email, data: { x: 1 } }, expect: [409] });
    for (const contact of made) {
      project.pool.add(contact.id, contact.email);
      rememberEmail(project, contact.email);
    }
  }

  private async remove(project: Project): Promise<void> {
    const contact = project.pool.take();
    if (!contact) return this.createNew(project);
    // 404 when a bulk delete took it meanwhile.
    await this.client.call(project, 'delete', 'DELETE', `/contacts/${contact.id}`, { expect: [204, 404] });
  }

  private async misc(project: Project, other: Project): Promise<void> {
    switch (random(6)) {
      case 0:
        await this.client.call(project, 'bad-cursor', 'GET', '/contacts?cursor=not-a-cursor', { expect: [400] });
        return;
      case 1:
        await this.client.call(project, 'bad-key', 'GET', '/contacts', { key: `sk_${'0'.repeat(43)}`, expect: [401] });
        return;
      case 2:
        await this.client.call(project, 'bad-query', 'GET', `/contacts?limit=${pick(['0', '101', 'x'])}`, { expect: [400] });
        return;
      case 3: {
        // Another project's job is not there.
        const jobs = chance(0.5) ? other.importJobs : other.bulkJobs;
        if (jobs.length === 0) return;
        const kind = jobs === other.importJobs ? 'import' : 'bulk';
        await this.client.call(project, 'foreign-job', 'GET', `/contacts/${kind}/${pick(jobs)}`, { expect: [404] });
        return;
      }
      case 4:
        await this.client.call(project, 'bad-body', 'POST', '/contacts', {
          rawJson: pick(['{"email":', '{"email":"no-at-sign"}', '{"email":"a@b.co","data":null}', '[]']),
          expect: [400],
        });
        return;
      default:
        // A job of the other kind is not there either.
        if (project.importJobs.length === 0) return;
        await this.client.call(project, 'wrong-kind-job', 'GET', `/contacts/bulk/${pick(project.importJobs)}`, { expect: [404] });
    }
  }

  // ------------------------------------------------------------ jobs

  /** Polls a job to its end; problems with its counts are the caller's. */
  private async poll(project: Project, kind: 'import' | 'bulk', id: string, started: number): Promise<JobRecord> {
    const record: JobRecord = { kind, id, state: 'unknown', seconds: 0, problems: [] };
    const deadline = Date.now() + JOB_DEADLINE_MS;
    let misses = 0;
    for (;;) {
      const answer = await this.client.call(project, `${kind}-poll`, 'GET', `/contacts/${kind}/${id}`, { expect: [200] });
      if (answer?.status === 200) {
        record.state = answer.json.state;
        (record as JobRecord & { job?: unknown }).job = answer.json;
        if (record.state === 'completed' || record.state === 'failed') break;
      } else if (++misses >= 10) {
        record.problems.push(`the job could not be read ${misses} times`);
        break;
      }
      if (Date.now() > deadline || this.halted) {
        record.problems.push(`still ${record.state} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
        break;
      }
      await sleep(POLL_MS);
    }
    record.seconds = (Date.now() - started) / 1000;
    if (record.state !== 'completed') record.problems.push(`ended ${record.state}: ${(record as any).job?.failedReason ?? ''}`);
    this.client.tally.jobs.push(record);
    return record;
  }

  private async upload(project: Project, op: string, csv: string, badRows: number): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
    const started = Date.now();
    const answer = await this.client.call(project, op, 'POST', '/contacts/import', { form, expect: [202] });
    if (answer?.status !== 202) return;
    const id = answer.json.jobId as string;
    project.importJobs.push(id);
    const record = await this.poll(project, 'import', id, started);
    const job = (record as any).job;
    if (record.state !== 'completed' || !job) return;
    const r = job.result;
    const check = (ok: boolean, what: string) => ok || record.problems.push(what);
    check(job.progress === 100, `progress ${job.progress} when completed`);
    check(r.processedRows === r.totalRows, `processedRows ${r.processedRows} ≠ totalRows ${r.totalRows}`);
    check(r.successCount === r.createdCount + r.updatedCount, `successCount ${r.successCount} ≠ created ${r.createdCount} + updated ${r.updatedCount}`);
    check(r.processedRows === r.successCount + r.failureCount, `processedRows ${r.processedRows} ≠ success + failures`);
    check(r.failureCount === badRows, `failureCount ${r.failureCount}, sent ${badRows} bad rows`);
  }

  private async smallImport(project: Project): Promise<void> {
    const rows = 20 + random(130);
    const lines = ['email,subscribed,plan,score,note'];
    const emails: string[] = [];
    let badRows = 0;
    for (let i = 0; i < rows; i++) {
      if (chance(0.02)) {
        badRows++;
        lines.push(`${pick(['not-an-email', 'two@@at.example.com', '@x.example.com'])},,free,1,bad`);
        continue;
      }
      if (chance(0.01)) {
        badRows++;
        lines.push(`${this.freshEmail().trim()},maybe,free,1,bad subscribed`);
        continue;
      }
      const email = chance(0.4) && project.emails.length > 0 ? pick(project.emails) : this.freshEmail().trim();
      emails.push(email);
      lines.push(`${email},${pick(['', '', 'yes', 'no', 'TRUE', '0'])},${pick(['free', 'pro', ''])},${random(1000)},"note ${i}, quoted"`);
    }
    const csv = lines.join(chance(0.3) ? '\r\n' : '\n') + '\n';
    await this.upload(project, 'import-small', csv, badRows);
    for (const email of emails) rememberEmail(project, email.toLowerCase());
  }

  private async bigImport(project: Project): Promise<void> {
    // Three recurring files: the first import of each creates, the next ones update.
    const csv = importCsv(`big${this.bigImports++ % 3}-`, BIG_IMPORT_ROWS);
    await this.upload(project, 'import-big', csv, 0);
  }

  private async bulk(project: Project, other: Project): Promise<void> {
    const operation = pick(['subscribe', 'unsubscribe', 'unsubscribe', 'subscribe', 'delete'] as const);
    const ids: string[] = [];
    const mine = chance(0.1) ? 200 + random(700) : 1 + random(50);
    for (let i = 0; i < mine; i++) {
      const contact = operation === 'delete' ? project.pool.take() : project.pool.random();
      if (contact) ids.push(contact.id);
    }
    const notFound = new Set<string>();
    for (let i = random(4); i > 0; i--) {
      const foreign = other.pool.random();
      if (foreign) notFound.add(foreign.id);
    }
    for (let i = random(3); i > 0; i--) notFound.add(pick(MALFORMED_IDS));
    for (let i = random(3); i > 0; i--) notFound.add(uuidv7());
    ids.push(...notFound);
    if (ids.length === 0) return;
    if (chance(0.2)) ids.push(ids[0]!); // duplicates count once
    const distinct = new Set(ids).size;
    const started = Date.now();
    const body: Record<string, unknown> = { contactIds: ids };
    if (chance(0.2)) body.mode = 'ids';
    const answer = await this.client.call(project, `bulk-${operation}`, 'POST', `/contacts/bulk-${operation}`, { json: body, expect: [202] });
    if (answer?.status !== 202) return;
    const id = answer.json.jobId as string;
    project.bulkJobs.push(id);
    const record = await this.poll(project, 'bulk', id, started);
    const job = (record as any).job;
    if (record.state !== 'completed' || !job) return;
    const r = job.result;
    const check = (ok: boolean, what: string) => ok || record.problems.push(what);
    check(r.totalRequested === distinct, `totalRequested ${r.totalRequested}, sent ${distinct} distinct ids`);
    check(r.totalRequested === r.successCount + r.unchangedCount + r.failureCount, 'totalRequested ≠ success + unchanged + failures');
    // Another project's, missing and malformed ids are never found (the
    // project's own may have been deleted meanwhile: at least these).
    check(r.failureCount >= notFound.size, `failureCount ${r.failureCount} < ${notFound.size} ids not in the project`);
  }
}
