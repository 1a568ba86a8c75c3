// One project's large import must not hold up another project's jobs: jobs of
// a second project, submitted while the large import runs, finish first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { createContact } from '../support/contacts.js';
import { postBulk, uploadCsv, waitForJob } from '../support/jobs.js';

const LARGE_ROWS = 60_000;

for (const kind of storeKinds()) {
  describe(`fairness between projects (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    test("a bulk job and a small import of another project finish before a running large import", async () => {
      const big = await t.project('big');
      const small = await t.project('small');
      const contact = await createContact(t, small.auth, { email: 'someone@example.com' });

      const rows = Array.from({ length: LARGE_ROWS }, (_, i) => `user${i}@example.com,plan-${i % 7},${i}`);
      const upload = await uploadCsv(t, big.auth, `email,plan,n\n${rows.join('\n')}\n`);
      assert.equal(upload.statusCode, 202, upload.body);
      const largeUrl = upload.headers.location as string;
      // Submit the other project's jobs only once the large import is running.
      for (;;) {
        const state = json(await t.app.inject({ method: 'GET', url: largeUrl, headers: big.auth })).state;
        assert.notEqual(state, 'completed', 'the large import ended before the other jobs could be submitted');
        if (state === 'active') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      const bulk = await postBulk(t, small.auth, 'unsubscribe', { contactIds: [contact.id] });
      assert.equal(bulk.statusCode, 202, bulk.body);
      const smallImport = await uploadCsv(t, small.auth, 'email,plan\na@example.com,x\nb@example.com,y\n');
      assert.equal(smallImport.statusCode, 202, smallImport.body);

      const bulkJob = await waitForJob(t, small.auth, bulk.headers.location as string, 60_000);
      const smallJob = await waitForJob(t, small.auth, smallImport.headers.location as string, 60_000);
      const largeNow = json(await t.app.inject({ method: 'GET', url: largeUrl, headers: big.auth }));
      assert.equal(bulkJob.state, 'completed');
      assert.equal(smallJob.state, 'completed');
      assert.notEqual(largeNow.state, 'completed', 'the large import is still running when the small jobs are done');

      const largeJob = await waitForJob(t, big.auth, largeUrl, 120_000);
      assert.equal(largeJob.state, 'completed');
      assert.equal(largeJob.result.createdCount, LARGE_ROWS);
      assert.ok(bulkJob.finishedAt < largeJob.finishedAt && smallJob.finishedAt < largeJob.finishedAt);
      assert.ok(bulkJob.createdAt > largeJob.createdAt && smallJob.createdAt > largeJob.createdAt, 'submitted after it');
    });
  });
}
