// GET /contacts/import/:jobId (CONTRACT.md): the status object, its counts
// while running and at the end, the error list, who may read it, and what an
// import leaves behind (updatedAt, the uploaded file).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, errorWithoutRequestId, listAll, NEVER_ID, type Auth } from '../support/contacts.js';
import { importCsv, jobAppsPerSuite, runBulk, storedFileCount, uploadCsv, waitForJob } from '../support/jobs.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const STATUS_KEYS = ['id', 'type', 'state', 'progress', 'result', 'failedReason', 'createdAt', 'startedAt', 'finishedAt'];
const RESULT_KEYS = [
  'totalRows', 'processedRows', 'successCount', 'createdCount', 'updatedCount', 'failureCount', 'keptUnsubscribedCount', 'format', 'encoding', 'errors',
];
const COUNT_KEYS = RESULT_KEYS.slice(0, 7);

/** The shape of an import status, and the count rules that hold at every moment. */
function assertImportStatus(job: any): void {
  assert.deepEqual(Object.keys(job), STATUS_KEYS);
  assert.deepEqual(Object.keys(job.result), RESULT_KEYS);
  assert.equal(job.type, 'import');
  assert.ok(['queued', 'active', 'completed', 'failed'].includes(job.state), job.state);
  assert.ok(Number.isInteger(job.progress) && job.progress >= 0 && job.progress <= 100, `progress ${job.progress}`);
  assert.equal(job.progress === 100, job.state === 'completed', 'progress is 100 exactly when completed');
  const r = job.result;
  for (const key of COUNT_KEYS) assert.ok(Number.isInteger(r[key]) && r[key] >= 0, key);
  assert.equal(r.successCount, r.createdCount + r.updatedCount);
  assert.equal(r.processedRows, r.successCount + r.failureCount);
  assert.ok(r.processedRows <= r.totalRows);
  assert.ok(Array.isArray(r.errors) && r.errors.length <= Math.min(1000, r.failureCount));
  assert.match(job.createdAt, ISO);
  for (const key of ['startedAt', 'finishedAt']) if (job[key] !== null) assert.match(job[key], ISO);
  assert.equal(job.startedAt === null, job.state === 'queued');
  assert.equal(job.finishedAt === null, job.state === 'queued' || job.state === 'active');
  if (job.state !== 'failed') assert.equal(job.failedReason, null);
  if (job.state === 'completed') assert.equal(r.processedRows, r.totalRows);
}

function rows(n: number, row: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => row(i)).join('\n');
}

for (const kind of storeKinds()) {
  describe(`GET /contacts/import/:jobId (${kind.name})`, () => {
    let t: TestApp;
    let idle: TestApp;
    jobAppsPerSuite(kind, (working, queuing) => ((t = working), (idle = queuing)));

    const get = (app: TestApp, auth: Auth, url: string) => app.app.inject({ method: 'GET', url, headers: auth });

    test('a queued job: state queued, progress 0, totals known, no start or finish, its file stored', async () => {
      const { auth } = await idle.project();
      const response = await uploadCsv(idle, auth, 'email\na@example.com\nb@example.com\n');
      assert.equal(response.statusCode, 202);
      const { jobId } = json(response);
      const status = await get(idle, auth, response.headers.location as string);
      assert.equal(status.statusCode, 200);
      assert.equal(status.headers['content-type'], 'application/json; charset=utf-8');
      const job = json(status);
      assertImportStatus(job);
      assert.deepEqual(
        { ...job, createdAt: 'x' },
        {
          id: jobId, type: 'import', state: 'queued', progress: 0,
          result: {
            totalRows: 2, processedRows: 0, successCount: 0, createdCount: 0, updatedCount: 0, failureCount: 0,
            keptUnsubscribedCount: 0, format: 'csv', encoding: 'utf-8', errors: [],
          },
          failedReason: null, createdAt: 'x', startedAt: null, finishedAt: null,
        },
      );
      assert.equal(await storedFileCount(idle, jobId), 1);
    });

    test('a completed job: exact counts, progress 100, ordered timestamps, and its file deleted', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'old@example.com' });
      const text = 'email,subscribed,n\nold@example.com,,1\nnew@example.com,no,2\nbad,,3\nnew@example.com,,4\nx@example.com,perhaps,5\n';
      const response = await uploadCsv(t, auth, text);
      const job = await waitForJob(t, auth, response.headers.location as string);
      assertImportStatus(job);
      assert.equal(job.id, json(response).jobId);
      assert.equal(job.state, 'completed');
      assert.equal(job.progress, 100);
      assert.deepEqual(
        { ...job.result, errors: job.result.errors.map((e: any) => e.row) },
        {
          totalRows: 5, processedRows: 5, successCount: 3, createdCount: 1, updatedCount: 2, failureCount: 2,
          keptUnsubscribedCount: 0, format: 'csv', encoding: 'utf-8', errors: [4, 6],
        },
      );
      assert.ok(job.createdAt <= job.startedAt && job.startedAt <= job.finishedAt);
      assert.equal(await storedFileCount(t, job.id), 0, 'the uploaded bytes are deleted when the job ends');
    });

    test('a header-only file completes with zero rows and progress 100', async () => {
      const { auth } = await t.project();
      const job = await importCsv(t, auth, 'email,name\n\n');
      assertImportStatus(job);
      assert.equal(job.state, 'completed');
      assert.equal(job.result.totalRows, 0);
    });

    test('counts obey their rules at every moment of a running import', async () => {
      const { auth } = await t.project();
      const text = 'email,n\n' + rows(12_000, (i) => (i % 7 === 0 ? `bad-${i},${i}` : `u${i}@example.com,${i}`));
      const response = await uploadCsv(t, auth, text);
      const url = response.headers.location as string;
      let last: any;
      for (;;) {
        const response = await get(t, auth, url);
        assert.equal(response.statusCode, 200, response.body);
        const job = json(response);
        assertImportStatus(job);
        assert.equal(job.result.totalRows, 12_000);
        if (last) {
          assert.ok(job.progress >= last.progress, 'progress never goes back');
          assert.ok(job.result.processedRows >= last.result.processedRows);
        }
        last = job;
        if (job.state === 'completed' || job.state === 'failed') break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal(last.state, 'completed');
      assert.equal(last.result.failureCount, Math.ceil(12_000 / 7));
      assert.equal(last.result.createdCount, 12_000 - Math.ceil(12_000 / 7));
    });

    test('errors hold the first 1,000 row errors in row order; failureCount counts them all', async () => {
      const { auth } = await t.project();
      // 2,500 rows across two batches, 1,500 of them bad (three of every five).
      const bad = (i: number) => i % 5 < 3;
      const text = 'email,subscribed\n' + rows(2500, (i) => (bad(i) ? (i % 2 ? `bad${i}@` : `ok${i}@example.com,maybe`) : `ok${i}@example.com,yes`));
      const job = await importCsv(t, auth, text);
      assertImportStatus(job);
      assert.equal(job.result.failureCount, 1500);
      assert.equal(job.result.successCount, 1000);
      assert.equal(job.result.errors.length, 1000);
      const expected = Array.from({ length: 2500 }, (_, i) => i)
        .filter(bad)
        .slice(0, 1000)
        .map((i) => ({ row: i + 2, email: i % 2 ? `bad${i}@` : `ok${i}@example.com` }));
      assert.deepEqual(job.result.errors.map((e: any) => ({ row: e.row, email: e.email })), expected);
    });

    test('the uploaded file is never echoed', async () => {
      const { auth } = await t.project();
      const marker = 'file-content-marker-5f1c';
      const response = await uploadCsv(t, auth, `email,${marker}\na@example.com,${marker}-cell\n`);
      assert.ok(!response.body.includes(marker));
      const job = await waitForJob(t, auth, response.headers.location as string);
      assert.ok(!JSON.stringify(job).includes(marker));
    });

    test('an import id is 404 under /contacts/bulk/, a bulk id is 404 under /contacts/import/', async () => {
      const { auth } = await t.project();
      const contact = await createContact(t, auth, { email: 'a@example.com' });
      const importJob = await importCsv(t, auth, 'email\nb@example.com\n');
      const bulkJob = await runBulk(t, auth, 'unsubscribe', [contact.id]);
      assertError(await get(t, auth, `/contacts/bulk/${importJob.id}`), 404, { code: 'NOT_FOUND' });
      assertError(await get(t, auth, `/contacts/import/${bulkJob.id}`), 404, { code: 'NOT_FOUND' });
    });

    test("another project's job answers 404 exactly like a random id or a malformed one", async () => {
      const owner = await t.project('owner');
      const other = await t.project('other');
      const job = await importCsv(t, owner.auth, 'email\na@example.com\n');
      const contact = await createContact(t, owner.auth, { email: 'b@example.com' });
      const bulkJob = await runBulk(t, owner.auth, 'delete', [contact.id]);
      for (const [route, ownId] of [['import', job.id], ['bulk', bulkJob.id]]) {
        assert.equal((await get(t, owner.auth, `/contacts/${route}/${ownId}`)).statusCode, 200);
        const foreign = await get(t, other.auth, `/contacts/${route}/${ownId}`);
        assertError(foreign, 404, { code: 'NOT_FOUND' });
        for (const id of [NEVER_ID, ownId.toUpperCase(), 'not-a-job-id', '1', `${ownId}x`]) {
          const missing = await get(t, other.auth, `/contacts/${route}/${encodeURIComponent(id)}`);
          assert.deepEqual(errorWithoutRequestId(missing), errorWithoutRequestId(foreign), id);
        }
      }
    });

    test('401 and 403 on both status endpoints, before the id is looked at', async () => {
      const { auth, publicKey } = await t.project();
      const job = await importCsv(t, auth, 'email\na@example.com\n');
      for (const url of [`/contacts/import/${job.id}`, '/contacts/import/nope', `/contacts/bulk/${NEVER_ID}`]) {
        assertError(await get(t, {} as Auth, url), 401, { code: 'UNAUTHORIZED' });
        assertError(await get(t, { authorization: `Bearer sk_${'0'.repeat(43)}` }, url), 401, { code: 'INVALID_API_KEY' });
        assertError(await get(t, { authorization: `Bearer ${publicKey}` }, url), 403, { code: 'SECRET_KEY_REQUIRED' });
      }
    });

    test('updatedAt moves only for contacts the import changed; unchanged rows still count as updated', async () => {
      const { auth } = await t.project();
      const same = await createContact(t, auth, { email: 'same@example.com', subscribed: false, data: { plan: 'pro', seats: 5 } });
      const emailOnly = await createContact(t, auth, { email: 'bare@example.com', data: { a: 1 } });
      const changed = await createContact(t, auth, { email: 'changed@example.com', data: { plan: 'pro' } });
      const flipped = await createContact(t, auth, { email: 'flipped@example.com', subscribed: true });
      await new Promise((resolve) => setTimeout(resolve, 5)); // so a moved updatedAt shows as later
      const text = 'email,subscribed,plan,seats\nSAME@example.com,no,pro,5\nbare@example.com,,,\nchanged@example.com,,basic,\nflipped@example.com,0,,\n';
      const job = await importCsv(t, auth, text);
      assert.deepEqual([job.result.createdCount, job.result.updatedCount, job.result.failureCount], [0, 4, 0]);
      const after = new Map((await listAll(t, auth)).map((c) => [c.email, c]));
      assert.deepEqual(after.get('same@example.com'), same);
      assert.deepEqual(after.get('bare@example.com'), emailOnly);
      for (const before of [changed, flipped]) {
        const now = after.get(before.email)!;
        assert.ok(now.updatedAt > before.updatedAt, `${before.email} updatedAt moved`);
        assert.equal(now.createdAt, before.createdAt);
        assert.equal(now.id, before.id);
      }
      assert.deepEqual(after.get('changed@example.com')?.data, { plan: 'basic' });
      assert.equal(after.get('flipped@example.com')?.subscribed, false);
    });
  });
}
