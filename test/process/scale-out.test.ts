// Scale-out on PostgreSQL: two API processes and two workers sharing one
// database. A write through one API is read through the other; an import is
// finished by the surviving worker after the one running it is killed with
// -9, or handed over at once when that worker is stopped with SIGTERM.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ProjectService } from '../../src/domain/projects.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { freshPostgresDatabase, hasPostgres } from '../support/app.js';
import { killAll, startProcess, startServer, type RunningProcess, type ServerProcess } from '../support/server-process.js';

const ROWS = 30_000;

function csv(prefix: string): string {
  const lines = ['email,n'];
  for (let i = 0; i < ROWS; i++) lines.push(`${prefix}${i}@scale.test,${i}`);
  return lines.join('\n') + '\n';
}

async function call(server: ServerProcess, key: string, path: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}

async function upload(server: ServerProcess, key: string, content: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([content]), 'contacts.csv');
  const { status, body } = await call(server, key, '/contacts/import', { method: 'POST', body: form });
  assert.equal(status, 202);
  return body.jobId;
}

async function waitForJob(server: ServerProcess, key: string, jobId: string, done: (job: any) => boolean): Promise<any> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await call(server, key, `/contacts/import/${jobId}`);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`job stuck: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The worker whose log says it started `jobId`, waiting for one to. */
async function holderOf(workers: RunningProcess[], jobId: string): Promise<RunningProcess> {
  const started = (w: RunningProcess) => w.logRecords().some((r) => r.jobId === jobId && r.msg === 'job started');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const holder = workers.find(started);
    if (holder) return holder;
    if (Date.now() > deadline) throw new Error('no worker started the job');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('scale-out: two APIs and two workers on one PostgreSQL', { skip: hasPostgres ? false : 'no PostgreSQL in this run' }, () => {
  after(killAll);

  test('APIs share state; a killed or stopped worker\'s import is finished by the other with exact counts', async () => {
    const database = await freshPostgresDatabase();
    const store = await PostgresStore.connect(database.url);
    const { secretKey } = await new ProjectService(store).createProject('scale');
    await store.close();
    const env = { DATABASE_URL: database.url };
    const [api1, api2] = await Promise.all([startServer({ command: 'api', env }), startServer({ command: 'api', env })]);
    const workers = [startProcess(['worker'], { env }), startProcess(['worker'], { env })];
    try {
      await Promise.all(workers.map((w) => w.waitForLog((r) => r.msg === 'worker started', 20_000)));

      // A write through one API is served by the other at once.
      const created = await call(api1, secretKey, '/contacts', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'shared@scale.test', data: { via: 'api1' } }),
      });
      assert.equal(created.status, 201);
      const read = await call(api2, secretKey, `/contacts/${created.body.id}`);
      assert.deepEqual(read.body, created.body);

      // kill -9 the worker running an import: the other takes it over.
      const killedJob = await upload(api2, secretKey, csv('k'));
      const victim = await holderOf(workers, killedJob);
      await waitForJob(api1, secretKey, killedJob, (job) => job.result.processedRows > 0);
      const killedAt = Date.now();
      await victim.kill();
      const survivor = workers.find((w) => w !== victim)!;
      await survivor.waitForLog((r) => r.jobId === killedJob && r.msg === 'job started', 60_000);
      console.log(`# takeover after kill -9: ${Date.now() - killedAt} ms`);
      const finished = await waitForJob(api1, secretKey, killedJob, (job) => job.state !== 'active' && job.state !== 'queued');
      assert.equal(finished.state, 'completed');
      assert.deepEqual(
        [finished.result.processedRows, finished.result.createdCount, finished.result.updatedCount, finished.result.failureCount],
        [ROWS, ROWS, 0, 0],
      );

      // SIGTERM: the worker commits its batch, gives the job back and exits 0.
      const replacement = startProcess(['worker'], { env });
      await replacement.waitForLog((r) => r.msg === 'worker started', 20_000);
      const stoppedJob = await upload(api1, secretKey, csv('s'));
      const running = await holderOf([survivor, replacement], stoppedJob);
      await waitForJob(api2, secretKey, stoppedJob, (job) => job.result.processedRows > 0);
      assert.equal(await running.stop('SIGTERM'), 0);
      assert.ok(running.logRecords().some((r) => r.jobId === stoppedJob && r.outcome === 'stopped'));
      const done = await waitForJob(api2, secretKey, stoppedJob, (job) => job.state !== 'active' && job.state !== 'queued');
      assert.equal(done.state, 'completed');
      assert.equal(done.result.createdCount, ROWS);
      assert.equal(done.result.processedRows, ROWS);

      const list = await call(api2, secretKey, '/contacts?limit=1');
      assert.equal(list.body.total, 2 * ROWS + 1);
    } finally {
      await killAll();
      await database.drop();
    }
  });
});
