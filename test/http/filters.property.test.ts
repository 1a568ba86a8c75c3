// Property test of the list filters (CONTRACT.md, GET /contacts): random
// contacts, random combinations of every filter, and the API's pages walked
// to the end compared with the same filter applied to a model of the project.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { createContact, listAll, listPage, patchContact, type ContactJson } from '../support/contacts.js';

type Scalar = string | number | boolean;

const dataValue: fc.Arbitrary<Scalar> = fc.oneof(
  fc.constantFrom('pro', 'free', '5', 'true', '', 'a b', 'Pro'),
  fc.constantFrom(5, 0, 1.5, -2),
  fc.boolean(),
);
const contactSpec = fc.record({
  local: fc.constantFrom('ann', 'bob', 'cy_d', 'd%e', 'ann.bob', 'x'),
  subscribed: fc.boolean(),
  data: fc.dictionary(fc.constantFrom('plan', 'seats', 'a.b', 'q"k', '__proto__'), dataValue, { maxKeys: 3 }),
  /** Patched afterwards (moves updatedAt, and may change the data). */
  patch: fc.option(fc.dictionary(fc.constantFrom('plan', 'seats'), dataValue, { maxKeys: 1 }), { nil: undefined }),
});

/** A filter of one to three conditions, built from picks among the contacts' own values so that many match. */
const conditionSpec = fc.oneof(
  fc.record({ kind: fc.constant('search' as const), value: fc.constantFrom('ann', 'b', '_', '%', '.', 'example', 'NN', 'zzz') }),
  fc.record({ kind: fc.constant('subscribed' as const), value: fc.constantFrom('true', 'false') }),
  fc.record({ kind: fc.constantFrom('email' as const, 'createdAfter' as const, 'createdBefore' as const, 'updatedAfter' as const, 'updatedBefore' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('data' as const),
    key: fc.constantFrom('plan', 'seats', 'a.b', 'q"k', '__proto__', 'none'),
    value: fc.constantFrom('pro', '5', 'true', '', '1.5', 'free', 'Pro', 'false', '0'),
  }),
);
const filterSpec = fc.uniqueArray(conditionSpec, { minLength: 1, maxLength: 3, selector: (c) => (c.kind === 'data' ? `data.${c.key}` : c.kind) });

function matchesData(data: Record<string, unknown>, key: string, value: string): boolean {
  if (!Object.hasOwn(data, key)) return false;
  if (value === '') return true;
  const stored = data[key];
  return stored === value || ((typeof stored === 'number' || typeof stored === 'boolean') && JSON.stringify(stored) === value);
}

for (const kind of storeKinds()) {
  describe(`list filters (property, ${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    test('every combination of filters returns, across its pages, exactly the contacts the model matches, newest first, with their total', async () => {
      let serial = 0;
      let nonEmpty = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(contactSpec, { minLength: 1, maxLength: 12 }), fc.array(filterSpec, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 5 }), async (specs, filters, limit) => {
          const { auth } = await t.project();
          const contacts: ContactJson[] = [];
          for (const spec of specs) {
            const email = `${spec.local}${serial++}@Example.com`;
            contacts.push(await createContact(t, auth, { email, subscribed: spec.subscribed, data: { ...spec.data } }));
          }
          for (const [i, spec] of specs.entries()) {
            if (spec.patch === undefined) continue;
            const response = await patchContact(t, auth, contacts[i]!.id, { data: { ...spec.patch } });
            assert.equal(response.statusCode, 200);
            contacts[i] = JSON.parse(response.body) as ContactJson;
          }
          const newestFirst = [...contacts].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));

          for (const spec of filters) {
            const query: Record<string, string | number> = { limit };
            const pick = (n: number) => newestFirst[n % newestFirst.length]!;
            const time = (text: string | number) => Date.parse(String(text));
            const tests: ((c: ContactJson) => boolean)[] = [];
            for (const condition of spec) {
              switch (condition.kind) {
                case 'search':
                  query.search = condition.value;
                  tests.push((c) => c.email.includes(condition.value.toLowerCase()));
                  break;
                case 'subscribed':
                  query.subscribed = condition.value;
                  tests.push((c) => String(c.subscribed) === condition.value);
                  break;
                case 'email': {
                  const email = pick(condition.pick).email;
                  query.email = email.toUpperCase();
                  tests.push((c) => c.email === email);
                  break;
                }
                case 'data':
                  query[`data.${condition.key}`] = condition.value;
                  tests.push((c) => matchesData(c.data, condition.key, condition.value));
                  break;
                default: {
                  const field = condition.kind.startsWith('created') ? 'createdAt' : 'updatedAt';
                  const bound = pick(condition.pick)[field];
                  query[condition.kind] = bound;
                  tests.push(condition.kind.endsWith('After') ? (c) => time(c[field]) > time(bound) : (c) => time(c[field]) < time(bound));
                }
              }
            }
            const expected = newestFirst.filter((c) => tests.every((test) => test(c)));
            if (expected.length > 0) nonEmpty++;

            const first = await listPage(t, auth, query);
            assert.equal(first.total, expected.length, `total for ${JSON.stringify(query)}`);
            const walked = await listAll(t, auth, query);
            assert.deepEqual(walked.map((c) => c.email), expected.map((c) => c.email), `pages for ${JSON.stringify(query)}`);
          }
        }),
        { numRuns: 60 },
      );
      assert.ok(nonEmpty > 20, `most filters match some contacts (${nonEmpty} did)`);
    });
  });
}
