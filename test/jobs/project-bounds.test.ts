// Job slots are shared by every project; each project gets a bounded share.
// JOBS_RUNNING_PER_PROJECT caps how many of its jobs run at once (across
// workers: the claim enforces it), JOBS_PENDING_PER_PROJECT how many it may
// have queued or running (a 429 beyond), and a long job yields its slot
// between batches when another project's job is waiting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/domain/ids.js';
import type { JobRecord, Store } from '../../src/domain/store.js';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { createContact } from '../support/contacts.js';
import { postBulk, uploadCsv, waitForJob } from '../support/jobs.js';

function queued(projectId: string, createdAt: number): JobRecord {
  return {
    projectId,
    id: newId(),
    type: 'bulk-delete',
    state: 'queued',
    payloadJson: '{"contactIds":[]}',
    progress: 0,
    resultJson: '{}',
    failedReason: null,
    attempts: 0,
    createdAt,
    startedAt: null,
    finishedAt: null,
  resumeAtJson: null,
  };
}

const LEASE = 60_000;

for (const kind of storeKinds()) {
  describe(`per-project bounds on jobs (${kind.name})`, () => {
    let t: TestApp;
    let store: Store;
    before(async () => {
      t = await startApp(kind, { limits: { jobsPendingPerProject: 3 } });
      store = t.store;
    });
    after(async () => t.close());

    test('a project at its running cap gets no more slots; projects running fewer go first', async () => {
      const a = (await t.project('a')).project.id;
      const b = (await t.project('b')).project.id;
      const old = Date.now() - 10_000;
      const aJobs = [queued(a, old), queued(a, old + 1), queued(a, old + 2)];
      const bJob = queued(b, old + 3);
      for (const job of [...aJobs, bJob]) assert.equal(await store.jobs.create(job), true);

      const first = await store.jobs.claim('w1', LEASE, [], 1);
      assert.equal(first?.id, aJobs[0]!.id, 'oldest first among projects running nothing');
      const second = await store.jobs.claim('w2', LEASE, [], 1);
      assert.equal(second?.id, bJob.id, 'a, at its cap of 1, is passed over');
      assert.equal(await store.jobs.claim('w3', LEASE, [], 1), undefined, 'nothing left that a cap allows');
      const third = await store.jobs.claim('w3', LEASE, [], 2);
      assert.equal(third?.id, aJobs[1]!.id, 'a cap of 2 lets a second job of a run');
    });

    test("a long job is told to yield only when another project running fewer jobs has one waiting; giving back is no failed attempt", async () => {
      const a = (await t.project('a')).project.id;
      const b = (await t.project('b')).project.id;
      const long = queued(a, Date.now() - 5000);
      await store.jobs.create(long);
      const claimed = await store.jobs.claim('w1', LEASE, [], 2);
      assert.equal(claimed?.id, long.id);
      assert.equal(claimed?.attempts, 1);
      assert.equal(await store.jobs.othersWaiting(a, 2, Date.now() - 1000), false, 'nobody waits');

      const waiting = queued(b, Date.now() - 3000);
      await store.jobs.create(waiting);
      assert.equal(await store.jobs.othersWaiting(a, 2, Date.now() - 5000), false, 'not waiting long enough yet');
      assert.equal(await store.jobs.othersWaiting(a, 2, Date.now() - 1000), true);
      assert.equal(await store.jobs.othersWaiting(b, 2, Date.now() - 1000), false, "a project's own jobs do not count");

      await store.jobs.release({ projectId: a, jobId: long.id, workerId: 'w1', leaseMs: LEASE });
      const next = await store.jobs.claim('w2', LEASE, [], 2);
      assert.equal(next?.id, waiting.id, 'the waiting job goes before the one given back');
      const resumed = await store.jobs.claim('w3', LEASE, [], 2);
      assert.equal(resumed?.id, long.id);
      assert.equal(resumed?.attempts, 1, 'giving a job back did not count as a failed attempt');
    });

    test('jobs past the pending cap are refused with 429 and Retry-After, imports before their file is read; other projects go on', async () => {
      const greedy = await t.project('greedy');
      const other = await t.project('other');
      const contact = await createContact(t, greedy.auth, { email: 'x@example.com' });
      for (let i = 0; i < 3; i++) {
        assert.equal((await postBulk(t, greedy.auth, 'subscribe', { contactIds: [contact.id] })).statusCode, 202);
      }
      const refused = await postBulk(t, greedy.auth, 'subscribe', { contactIds: [contact.id] });
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(refused.headers['retry-after'], '5');
      assert.equal(json(refused).error.code, 'RATE_LIMIT_EXCEEDED');
      assert.match(json(refused).error.message, /already has 3 jobs queued or running/);
      const upload = await uploadCsv(t, greedy.auth, 'email\na@example.com\n');
      assert.equal(upload.statusCode, 429, upload.body);
      assert.equal((await uploadCsv(t, other.auth, 'email\na@example.com\n')).statusCode, 202);
      assert.equal((await store.jobs.countPending(greedy.project.id)), 3, 'nothing more was stored');
    });
  });

  describe(`a long job yields its slot (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true, concurrency: 1 });
    });
    after(async () => t.close());

    test("with one slot, another project's bulk job finishes while a large import is still running", async () => {
      const big = await t.project('big');
      const small = await t.project('small');
      const contact = await createContact(t, small.auth, { email: 'someone@example.com' });
      const rows = Array.from({ length: 60_000 }, (_, i) => `user${i}@example.com,${i}`);
      const upload = await uploadCsv(t, big.auth, `email,n\n${rows.join('\n')}\n`);
      assert.equal(upload.statusCode, 202, upload.body);
      const largeUrl = upload.headers.location as string;
      for (;;) {
        const state = json(await t.app.inject({ method: 'GET', url: largeUrl, headers: big.auth })).state;
        assert.notEqual(state, 'completed', 'the large import ended before the other job could be submitted');
        if (state === 'active') break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const bulk = await postBulk(t, small.auth, 'unsubscribe', { contactIds: [contact.id] });
      const bulkJob = await waitForJob(t, small.auth, bulk.headers.location as string, 60_000);
      const largeJob = await waitForJob(t, big.auth, largeUrl, 120_000);
      assert.equal(bulkJob.state, 'completed');
      assert.equal(largeJob.state, 'completed');
      assert.equal(largeJob.result.createdCount, 60_000, 'the import resumed where it yielded, every row once');
      assert.ok(bulkJob.finishedAt < largeJob.finishedAt, 'the bulk job did not wait for the whole import');
    });
  });
}
