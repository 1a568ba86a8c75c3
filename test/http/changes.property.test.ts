// Property test of the change feed (docs/api.md, "Change feed"): random
// sequences of API creates, updates (email changes included) and deletes,
// small imports (CSV and NDJSON) and bulk jobs (by ids and by filter), then
// the whole feed read in pages of random sizes and replayed onto nothing:
// it must give the project exactly as the listing shows it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { allChanges, byId, replay } from '../support/changes.js';
import { createContact, deleteContact, listAll, patchContact, type Auth } from '../support/contacts.js';
import { importCsv, postBulk, runBulk, waitForJob, type BulkOperation } from '../support/jobs.js';

const EMAILS = 6;
const email = (n: number) => `p${n}@example.com`;
const plan = fc.constantFrom('pro', 'free');
const operation = fc.constantFrom<BulkOperation>('subscribe', 'unsubscribe', 'delete');

const step = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), email: fc.nat(EMAILS - 1), subscribed: fc.option(fc.boolean(), { nil: undefined }), plan }),
  fc.record({
    kind: fc.constant('patch' as const),
    target: fc.nat(),
    email: fc.option(fc.nat(EMAILS - 1), { nil: undefined }),
    subscribed: fc.option(fc.boolean(), { nil: undefined }),
    plan: fc.option(plan, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('delete' as const), target: fc.nat() }),
  fc.record({
    kind: fc.constant('import' as const),
    ndjson: fc.boolean(),
    rows: fc.array(fc.record({ email: fc.nat(EMAILS - 1), plan, subscribed: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('bulk' as const), operation, targets: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }),
  fc.record({
    kind: fc.constant('bulkByFilter' as const),
    operation,
    filter: fc.oneof(fc.record({ subscribed: fc.boolean() }), fc.record({ data: fc.record({ plan }) })),
  }),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** Runs one step through the HTTP API; `ids` are every id the project ever had (targets pick among them). */
async function apply(t: TestApp, auth: Auth, ids: string[], s: Step): Promise<void> {
  const target = (n: number) => ids[n % ids.length] ?? '00000000-0000-7000-8000-000000000000';
  switch (s.kind) {
    case 'create': {
      const response = await t.app.inject({
        method: 'POST', url: '/contacts', headers: auth, payload: { email: email(s.email), subscribed: s.subscribed, data: { plan: s.plan } },
      });
      assert.ok([200, 201].includes(response.statusCode), response.body);
      ids.push(JSON.parse(response.body).id);
      return;
    }
    case 'patch': {
      const body = { email: s.email === undefined ? undefined : email(s.email), subscribed: s.subscribed, data: s.plan && { plan: s.plan } };
      const response = await patchContact(t, auth, target(s.target), body);
      assert.ok([200, 404, 409].includes(response.statusCode), response.body); // 409: the email is taken
      return;
    }
    case 'delete':
      assert.ok([204, 404].includes((await deleteContact(t, auth, target(s.target))).statusCode));
      return;
    case 'import': {
      const file = s.ndjson
        ? s.rows.map((row) => JSON.stringify({ email: email(row.email), subscribed: row.subscribed, data: { plan: row.plan } })).join('\n')
        : `email,subscribed,plan\n${s.rows.map((row) => `${email(row.email)},${row.subscribed},${row.plan}`).join('\n')}`;
      const job = await importCsv(t, auth, `${file}\n`);
      assert.equal(job.state, 'completed');
      ids.push(...(await listAll(t, auth)).map((contact) => contact.id).filter((id) => !ids.includes(id)));
      return;
    }
    case 'bulk':
      assert.equal((await runBulk(t, auth, s.operation, s.targets.map(target))).state, 'completed');
      return;
    case 'bulkByFilter': {
      const response = await postBulk(t, auth, s.operation, { filter: s.filter });
      assert.equal(response.statusCode, 202, response.body);
      assert.equal((await waitForJob(t, auth, response.headers.location as string)).state, 'completed');
    }
  }
}

for (const kind of storeKinds()) {
  describe(`change feed (property, ${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    test('the feed, read in pages of any size and replayed onto nothing, is the project', async () => {
      const seen = { 'contact.created': 0, 'contact.updated': 0, 'contact.deleted': 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), async (steps, limits) => {
          const { auth } = await t.project();
          const ids: string[] = [];
          for (const s of steps) await apply(t, auth, ids, s);
          let page = 0;
          const read = await allChanges(t, auth, undefined, () => limits[page++ % limits.length]!);
          for (const change of read.changes) seen[change.type]++;
          assert.deepEqual(replay(read.changes), byId(await listAll(t, auth)));
        }),
        { numRuns: 25 },
      );
      assert.ok(Object.values(seen).every((n) => n > 0), `the runs made changes of every type (${JSON.stringify(seen)})`);
    });
  });
}
