// Bulk subscribe, unsubscribe and delete (CONTRACT.md, the bulk endpoints and
// GET /contacts/bulk/:jobId): what is accepted, what each job does, and that
// another project's contacts are reported not found and never touched.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { json, storeKinds, type TestApp } from '../support/app.js';
import {
  assertError, createContact, getContact, listPage, NEVER_ID, UUID_V7, type Auth, type ContactJson,
} from '../support/contacts.js';
import { jobAppsPerSuite, postBulk, runBulk, storedJobCount, waitForJob, type BulkOperation } from '../support/jobs.js';

const OPERATIONS: { operation: BulkOperation; message: string }[] = [
  { operation: 'subscribe', message: 'Bulk subscribe queued' },
  { operation: 'unsubscribe', message: 'Bulk unsubscribe queued' },
  { operation: 'delete', message: 'Bulk delete queued' },
];
const STATUS_KEYS = ['id', 'type', 'state', 'progress', 'result', 'failedReason', 'createdAt', 'startedAt', 'finishedAt'];
const RESULT_KEYS = ['operation', 'totalRequested', 'successCount', 'unchangedCount', 'failureCount', 'errors'];
const ids = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const notFound = (contactId: string) => ({ contactId, error: 'Contact not found' });

for (const kind of storeKinds()) {
  describe(`bulk jobs (${kind.name})`, () => {
    let t: TestApp;
    let idle: TestApp;
    jobAppsPerSuite(kind, (working, queuing) => ((t = working), (idle = queuing)));

    async function contactsOf(auth: Auth, specs: { email: string; subscribed: boolean }[]): Promise<ContactJson[]> {
      const created: ContactJson[] = [];
      for (const spec of specs) created.push(await createContact(t, auth, { ...spec, data: { tag: spec.email } }));
      return created;
    }

    async function fetchContact(auth: Auth, id: string): Promise<ContactJson | undefined> {
      const response = await getContact(t, auth, id);
      return response.statusCode === 404 ? undefined : json(response);
    }

    for (const { operation } of OPERATIONS) {
      test(`bulk-${operation}: 400 for a bad body, with nothing queued`, async () => {
        const { auth } = await t.project();
        // Each bad body, and the field its 400 names.
        const bad: [unknown, string][] = [
          [{}, 'contactIds'], [{ contactIds: [] }, 'contactIds'], [{ contactIds: ids(1001) }, 'contactIds'],
          [{ contactIds: [...ids(1000), '0'] }, 'contactIds'], [{ contactIds: 'abc' }, 'contactIds'],
          [{ contactIds: null }, 'contactIds'], [{ contactIds: { 0: NEVER_ID } }, 'contactIds'],
          [{ contactIds: [NEVER_ID, 7] }, 'contactIds.1'], [{ contactIds: [null] }, 'contactIds.0'],
          [{ contactIds: [NEVER_ID], mode: 'all' }, 'mode'], [{ contactIds: [NEVER_ID], mode: 'IDS' }, 'mode'],
          [{ contactIds: [NEVER_ID], mode: null }, 'mode'], [{ contactIds: [NEVER_ID], extra: true }, 'extra'],
          [[NEVER_ID], 'body'],
        ];
        const jobsBefore = await storedJobCount(t);
        for (const [body, field] of bad) {
          const response = await postBulk(t, auth, operation, body);
          assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field, message: /./ }] });
        }
        const text = await t.app.inject({
          method: 'POST', url: `/contacts/bulk-${operation}`, headers: { ...auth, 'content-type': 'text/plain' }, payload: NEVER_ID,
        });
        assertError(text, 415, { code: 'UNSUPPORTED_MEDIA_TYPE' });
        assert.equal(await storedJobCount(t), jobsBefore, 'no job was stored');
      });
    }

    test('202 with Location and exactly {message, jobId}; mode "ids" and 1,000 ids are accepted', async () => {
      const { auth } = await t.project();
      for (const { operation, message } of OPERATIONS) {
        for (const body of [{ contactIds: [NEVER_ID] }, { contactIds: [NEVER_ID], mode: 'ids' }, { contactIds: ids(1000) }]) {
          const response = await postBulk(t, auth, operation, body);
          assert.equal(response.statusCode, 202, response.body);
          assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
          const accepted = json(response);
          assert.deepEqual(Object.keys(accepted), ['message', 'jobId']);
          assert.equal(accepted.message, message);
          assert.match(accepted.jobId, UUID_V7);
          assert.equal(response.headers.location, `/contacts/bulk/${accepted.jobId}`);
          const job = await waitForJob(t, auth, response.headers.location as string);
          assert.equal(job.result.failureCount, body.contactIds.length);
        }
      }
    });

    test('401 and 403 come before body validation', async () => {
      const { publicKey } = await t.project();
      for (const [headers, status, code] of [
        [{}, 401, 'UNAUTHORIZED'],
        [{ authorization: `Bearer sk_${'0'.repeat(43)}` }, 401, 'INVALID_API_KEY'],
        [{ authorization: `Bearer ${publicKey}` }, 403, 'SECRET_KEY_REQUIRED'],
      ] as const) {
        for (const body of [{ contactIds: [] }, { contactIds: [NEVER_ID] }]) {
          assertError(await postBulk(t, headers as Auth, 'delete', body), status, { code });
        }
      }
    });

    test('a queued bulk job: its status before any worker runs it', async () => {
      const { auth } = await idle.project();
      const response = await postBulk(idle, auth, 'unsubscribe', { contactIds: [NEVER_ID, NEVER_ID, 'x'] });
      const status = json(await idle.app.inject({ method: 'GET', url: response.headers.location as string, headers: auth }));
      assert.deepEqual(
        { ...status, createdAt: 'x' },
        {
          id: json(response).jobId, type: 'bulk-unsubscribe', state: 'queued', progress: 0,
          result: { operation: 'unsubscribe', totalRequested: 2, successCount: 0, unchangedCount: 0, failureCount: 0, errors: [] },
          failedReason: null, createdAt: 'x', startedAt: null, finishedAt: null,
        },
      );
    });

    for (const operation of ['subscribe', 'unsubscribe'] as const) {
      test(`bulk-${operation}: changed, unchanged and not found counted; updatedAt moves only for changed contacts`, async () => {
        const { auth } = await t.project();
        const target = operation === 'subscribe';
        const [change1, change2, same] = await contactsOf(auth, [
          { email: 'c1@example.com', subscribed: !target },
          { email: 'c2@example.com', subscribed: !target },
          { email: 'same@example.com', subscribed: target },
        ]);
        await new Promise((resolve) => setTimeout(resolve, 5)); // so a moved updatedAt shows as later
        const requested = [change1!.id, NEVER_ID, same!.id, change2!.id, change1!.id, 'not-a-uuid', NEVER_ID, ''];
        const job = await runBulk(t, auth, operation, requested);
        assert.deepEqual(Object.keys(job), STATUS_KEYS);
        assert.deepEqual(Object.keys(job.result), RESULT_KEYS);
        assert.equal(job.type, `bulk-${operation}`);
        assert.equal(job.state, 'completed');
        assert.equal(job.progress, 100);
        assert.equal(job.failedReason, null);
        assert.ok(job.createdAt <= job.startedAt && job.startedAt <= job.finishedAt);
        assert.deepEqual(job.result, {
          operation, totalRequested: 6, successCount: 2, unchangedCount: 1, failureCount: 3,
          errors: [notFound(NEVER_ID), notFound('not-a-uuid'), notFound('')],
        });
        for (const before of [change1!, change2!]) {
          const now = (await fetchContact(auth, before.id))!;
          assert.equal(now.subscribed, target);
          assert.ok(now.updatedAt > before.updatedAt);
          assert.deepEqual({ ...now, subscribed: before.subscribed, updatedAt: before.updatedAt }, before);
        }
        assert.deepEqual(await fetchContact(auth, same!.id), same, 'an unchanged contact keeps its updatedAt');
      });
    }

    test('bulk-delete removes the contacts (GET 404, list totals drop); a second delete finds none', async () => {
      const { auth } = await t.project();
      const [a, b, keep] = await contactsOf(auth, [
        { email: 'a@example.com', subscribed: true },
        { email: 'b@example.com', subscribed: false },
        { email: 'keep@example.com', subscribed: true },
      ]);
      assert.equal((await listPage(t, auth)).total, 3);
      const job = await runBulk(t, auth, 'delete', [a!.id, b!.id, a!.id, NEVER_ID]);
      assert.equal(job.type, 'bulk-delete');
      assert.deepEqual(job.result, {
        operation: 'delete', totalRequested: 3, successCount: 2, unchangedCount: 0, failureCount: 1, errors: [notFound(NEVER_ID)],
      });
      assert.equal((await getContact(t, auth, a!.id)).statusCode, 404);
      assert.equal((await getContact(t, auth, b!.id)).statusCode, 404);
      assert.deepEqual(await fetchContact(auth, keep!.id), keep);
      assert.equal((await listPage(t, auth)).total, 1);
      assert.equal((await listPage(t, auth, { subscribed: 'false' })).total, 0);
      const again = await runBulk(t, auth, 'delete', [a!.id, b!.id]);
      assert.deepEqual(again.result.errors, [notFound(a!.id), notFound(b!.id)]);
      assert.equal(again.result.successCount, 0);
    });

    test("another project's ids are reported not found, and its contacts are untouched", async () => {
      const mine = await t.project('mine');
      const theirs = await t.project('theirs');
      const [own] = await contactsOf(mine.auth, [{ email: 'own@example.com', subscribed: true }]);
      const foreign = [];
      for (const subscribed of [true, false, true]) {
        foreign.push(await createContact(t, theirs.auth, { email: `f-${foreign.length}@example.com`, subscribed, data: { k: 1 } }));
      }
      const foreignIds = foreign.map((c) => c.id);
      for (const operation of ['unsubscribe', 'subscribe', 'delete'] as const) {
        const job = await runBulk(t, mine.auth, operation, [...foreignIds, own!.id]);
        assert.equal(job.result.failureCount, 3, operation);
        assert.deepEqual(job.result.errors, foreignIds.map(notFound));
        assert.equal(job.result.successCount + job.result.unchangedCount, 1);
      }
      for (const contact of foreign) {
        const response = await getContact(t, theirs.auth, contact.id);
        assert.equal(response.statusCode, 200);
        assert.deepEqual(json(response), contact);
      }
      assert.equal((await listPage(t, theirs.auth)).total, 3);
    });

    test('1,000 ids in one job: every one counted, the result exact', async () => {
      const { auth } = await t.project();
      const contacts = await contactsOf(auth, ids(300).map((i) => ({ email: `u${i}@example.com`, subscribed: Number(i) % 2 === 0 })));
      const missing = ids(700).map((i) => `00000000-0000-7000-8000-${i.padStart(12, '0')}`);
      const job = await runBulk(t, auth, 'unsubscribe', [...contacts.map((c) => c.id), ...missing]);
      assert.equal(job.result.totalRequested, 1000);
      assert.equal(job.result.successCount, 150);
      assert.equal(job.result.unchangedCount, 150);
      assert.equal(job.result.failureCount, 700);
      assert.deepEqual(job.result.errors, missing.map(notFound));
      assert.equal((await listPage(t, auth, { subscribed: 'true' })).total, 0);
    });
  });
}
