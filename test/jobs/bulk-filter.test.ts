// Bulk jobs by filter (CONTRACT.md, "Bulk jobs by filter"): every contact
// that matches when the job runs, batch by batch, with exact counts;
// excludeIds left alone; an empty filter, or a filter beside contactIds, refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import { createContact, listAll, listPage, type Auth } from '../support/contacts.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/logger.js';
import { importWithOptions, jobAppsPerSuite, postBulk, waitForJob, type BulkOperation } from '../support/jobs.js';

async function runByFilter(t: TestApp, auth: Auth, operation: BulkOperation, body: object): Promise<any> {
  const response = await postBulk(t, auth, operation, body);
  assert.equal(response.statusCode, 202, response.body);
  assert.match(String(response.headers.location), /^\/contacts\/bulk\/[0-9a-f-]{36}$/);
  return waitForJob(t, auth, response.headers.location as string, 60_000);
}

for (const kind of storeKinds()) {
  describe(`bulk jobs by filter (${kind.name})`, () => {
    let t: TestApp;
    let idle: TestApp;
    jobAppsPerSuite(kind, (working, idleApp) => {
      t = working;
      idle = idleApp;
    });

    test('unsubscribe by data and state: exact counts, updatedAt moved, the rest untouched', async () => {
      const { auth } = await t.project();
      for (let i = 0; i < 12; i++) {
        await createContact(t, auth, { email: `u${i}@example.com`, subscribed: i % 4 !== 0, data: { plan: i % 2 === 0 ? 'trial' : 'pro' } });
      }
      const before = new Map((await listAll(t, auth)).map((c) => [c.email, c]));
      const job = await runByFilter(t, auth, 'unsubscribe', { filter: { data: { plan: 'trial' } } });
      assert.equal(job.state, 'completed');
      assert.equal(job.progress, 100);
      assert.deepEqual(job.result, { operation: 'unsubscribe', totalRequested: 6, successCount: 3, unchangedCount: 3, failureCount: 0, errors: [] });
      for (const contact of await listAll(t, auth)) {
        const old = before.get(contact.email)!;
        if (contact.data.plan === 'trial') {
          assert.equal(contact.subscribed, false);
          assert.equal(contact.updatedAt !== old.updatedAt, old.subscribed, contact.email);
        } else assert.deepEqual(contact, old);
      }
    });

    test('{"all": true} deletes every contact, over many steps; excludeIds are left alone', async () => {
      const { auth } = await t.project();
      const lines = ['email,n'];
      for (let i = 0; i < 2600; i++) lines.push(`all${i}@example.com,${i}`);
      await importWithOptions(t, auth, lines.join('\n'), {});
      const keep = (await listPage(t, auth, { limit: 3 })).contacts.map((c) => c.id);
      const job = await runByFilter(t, auth, 'delete', { filter: { all: true }, excludeIds: [...keep, keep[0], 'not-an-id'] });
      assert.deepEqual(job.result, { operation: 'delete', totalRequested: 2597, successCount: 2597, unchangedCount: 0, failureCount: 0, errors: [] });
      assert.deepEqual((await listAll(t, auth)).map((c) => c.id).sort(), [...keep].sort());
    });

    test('a filter over thousands of contacts with few matches walks them all and counts exactly', async () => {
      const { auth } = await t.project();
      const lines = ['email,subscribed,tier'];
      for (let i = 0; i < 3000; i++) lines.push(`w${i}@example.com,${i % 7 !== 0},${i % 100 === 0 ? 'gold' : 'basic'}`);
      await importWithOptions(t, auth, lines.join('\n'), {});
      const job = await runByFilter(t, auth, 'subscribe', { filter: { data: { tier: 'gold' }, subscribed: false } });
      // i % 100 === 0 and i % 7 === 0: i = 0, 700, 1400, 2100, 2800.
      assert.deepEqual(job.result, { operation: 'subscribe', totalRequested: 5, successCount: 5, unchangedCount: 0, failureCount: 0, errors: [] });
      assert.equal((await listPage(t, auth, { 'data.tier': 'gold', subscribed: 'false' })).total, 0);
      assert.equal((await listPage(t, auth, { subscribed: 'false' })).total, 429 - 5);
    });

    test('the filter is applied when the job runs, not when it is accepted', async () => {
      const { auth } = await idle.project();
      const early = await createContact(idle, auth, { email: 'early@example.com', data: { batch: 1 } });
      const response = await postBulk(idle, auth, 'unsubscribe', { filter: { data: { batch: 1 } } });
      assert.equal(response.statusCode, 202);
      // While the job waits (this app has no worker): one contact stops matching, one starts.
      await createContact(idle, auth, { email: 'early@example.com', data: { batch: 2 } }, 200);
      await createContact(idle, auth, { email: 'late@example.com', data: { batch: 1 } });
      const runner = new JobRunner({ store: idle.store, logger: createLogger('silent'), pollMs: 20, leaseMs: 5000 });
      runner.start();
      try {
        const job = await waitForJob(idle, auth, response.headers.location as string);
        assert.deepEqual(job.result, { operation: 'unsubscribe', totalRequested: 1, successCount: 1, unchangedCount: 0, failureCount: 0, errors: [] });
      } finally {
        await runner.stop();
      }
      const after = new Map((await listAll(idle, auth)).map((c) => [c.email, c.subscribed]));
      assert.deepEqual(Object.fromEntries(after), { 'early@example.com': true, 'late@example.com': false });
      assert.equal(early.subscribed, true);
    });

    test('refused with a 400 naming the field: no filter, an empty one, all beside others, both ids and filter, a bad filter', async () => {
      const { auth } = await t.project();
      const cases: [object, string, RegExp][] = [
        [{}, 'contactIds', /Required.*filter/],
        [{ filter: {} }, 'filter', /at least one filter, or \{"all": true\}/],
        [{ filter: { all: true, subscribed: true } }, 'filter.all', /stands alone/],
        [{ filter: { all: false } }, 'filter.all', /./],
        [{ contactIds: ['x'], filter: { all: true } }, 'filter', /not both/],
        [{ contactIds: ['x'], excludeIds: ['y'] }, 'excludeIds', /filter/],
        [{ mode: 'ids', filter: { all: true } }, 'mode', /contactIds/],
        [{ filter: { createdAfter: 'last week' } }, 'filter.createdAfter', /ISO 8601/],
        [{ filter: { email: 'nope' } }, 'filter.email', /Invalid email/],
        [{ filter: { plan: 'pro' } }, 'filter.plan', /Unknown field/],
        [{ filter: { all: true }, excludeIds: Array.from({ length: 1001 }, (_, i) => `id${i}`) }, 'excludeIds', /1000|1,000/],
      ];
      for (const [body, field, message] of cases) {
        const response = await postBulk(t, auth, 'delete', body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        const error = json(response).error;
        assert.equal(error.errors[0].field, field, `${JSON.stringify(body)}: ${JSON.stringify(error)}`);
        assert.match(error.errors[0].message, message);
      }
    });

    test("another project's contacts are never touched, whatever the filter", async () => {
      const mine = await t.project();
      const theirs = await t.project();
      await createContact(t, mine.auth, { email: 'same@example.com' });
      await createContact(t, theirs.auth, { email: 'same@example.com' });
      const job = await runByFilter(t, mine.auth, 'delete', { filter: { email: 'same@example.com' } });
      assert.equal(job.result.successCount, 1);
      assert.equal((await listAll(t, theirs.auth)).length, 1);
    });
  });
}
