// Properties of imports beyond row-by-row equivalence (import-equivalence):
// an NDJSON file of random contacts, shaped like an export, imports as
// exactly those contacts; and for random CSV files against random existing
// contacts, the preview's counts and rows are what the import then does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { contactsByEmail, createContact } from '../support/contacts.js';
import { importCsv, uploadWithOptions, waitForJob } from '../support/jobs.js';

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const dataKey = fc.oneof(fc.constantFrom('plan', 'First Name', '__proto__', 'constructor', 'ü', '1', 'a,b', 'say "hi"'), fc.string({ minLength: 1, maxLength: 5 }));
const contact = fc.record({
  email: fc.constantFrom('ada', 'bo', 'cy', 'di', 'ed', 'fay', 'gus', 'hal').chain((name) => fc.constantFrom(`${name}@example.com`, `${name}@sub.example.org`)),
  subscribed: fc.boolean(),
  data: fc.dictionary(dataKey, jsonValue.filter((v) => v !== null), { maxKeys: 5 }),
});

for (const kind of storeKinds()) {
  describe(`import properties (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    test('an NDJSON export of random contacts imports as exactly those contacts', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(contact, { selector: (c) => c.email, minLength: 1, maxLength: 12 }), async (contacts) => {
          const { auth } = await t.project('ndjson');
          const file = contacts.map((c) => JSON.stringify(c)).join('\n') + '\n';
          const job = await importCsv(t, auth, file);
          assert.equal(job.state, 'completed');
          assert.deepEqual([job.result.createdCount, job.result.failureCount], [contacts.length, 0]);
          const stored = await contactsByEmail(t, auth);
          for (const expected of contacts) {
            const got = stored.get(expected.email);
            assert.equal(got?.subscribed, expected.subscribed);
            assert.deepEqual(got?.data, JSON.parse(JSON.stringify(expected.data)), file);
          }
        }),
        { numRuns: 15 },
      );
    });

    test('the preview counts and rows of a random file against random contacts are what its import then does', async () => {
      const cell = fc.constantFrom('', 'x', '1', '2.5', 'true', 'FALSE', '02134', 'yes', 'no', 'maybe');
      const row = fc.record({
        email: fc.oneof(fc.constantFrom('ada', 'bo', 'cy', 'di').map((n) => `${n}@example.com`), fc.constantFrom('bad', '', 'x@@y.z')),
        subscribed: fc.constantFrom('', 'yes', 'no', 'true', 'WAHR', '0', 'perhaps'),
        a: cell,
        b: cell,
      });
      const seed = fc.record({ email: fc.constantFrom('ada', 'bo', 'cy').map((n) => `${n}@example.com`), subscribed: fc.boolean(), a: fc.integer() });
      await fc.assert(
        fc.asyncProperty(
          fc.array(row, { minLength: 1, maxLength: 20 }), // the preview shows the first 20 rows
          fc.uniqueArray(seed, { selector: (s) => s.email, maxLength: 3 }),
          fc.boolean(),
          async (rows, seeds, resubscribe) => {
            const { auth } = await t.project('preview');
            for (const s of seeds) await createContact(t, auth, { email: s.email, subscribed: s.subscribed, data: { a: s.a } });
            const text = 'email,subscribed,a,b\n' + rows.map((r) => [r.email, r.subscribed, r.a, r.b].join(',')).join('\n') + '\n';
            const options = { resubscribe: String(resubscribe) };
            const previewed = await uploadWithOptions(t, auth, text, options, '/contacts/import/preview');
            assert.equal(previewed.statusCode, 200, previewed.body);
            const preview = json(previewed);
            const response = await uploadWithOptions(t, auth, text, options);
            assert.equal(response.statusCode, 202, response.body);
            const job = await waitForJob(t, auth, response.headers.location as string);
            assert.deepEqual(
              preview.counts,
              { create: job.result.createdCount, update: job.result.updatedCount, failure: job.result.failureCount, keptUnsubscribed: job.result.keptUnsubscribedCount },
              text,
            );
            assert.deepEqual(preview.errors, job.result.errors, text);
            // The last planned state of each contact is what is stored.
            const stored = await contactsByEmail(t, auth);
            const last = new Map<string, { subscribed: boolean; data: unknown }>();
            for (const r of preview.rows) if (!('error' in r)) last.set(r.email, { subscribed: r.subscribed, data: r.data });
            for (const [email, state] of last) {
              assert.deepEqual({ subscribed: stored.get(email)?.subscribed, data: stored.get(email)?.data }, state, text);
            }
          },
        ),
        { numRuns: 20 },
      );
    });
  });
}

