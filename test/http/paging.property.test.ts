// Property test of cursor paging through HTTP (CONTRACT.md, GET /contacts):
// while contacts are created and deleted between page fetches, a walk returns
// every matching contact that existed at the start and still exists, exactly
// once and in order, and none created during the walk.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { createContact, deleteContact, listPage, type Auth } from '../support/contacts.js';

interface Step {
  /** New contacts made before the next page, by their `subscribed`. */
  creates: boolean[];
  /** Picks among the contacts that exist at that moment (old or new). */
  deletes: number[];
}

const scenario = fc.record({
  initial: fc.array(fc.boolean(), { maxLength: 20 }),
  limit: fc.integer({ min: 1, max: 6 }),
  filter: fc.constantFrom(undefined, 'true', 'false'),
  steps: fc.array(
    fc.record({ creates: fc.array(fc.boolean(), { maxLength: 3 }), deletes: fc.array(fc.nat(), { maxLength: 2 }) }),
    { maxLength: 25 },
  ),
});

for (const kind of storeKinds()) {
  describe(`cursor paging (property, ${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    test('a walk with creates and deletes between pages returns each surviving original contact once, in order, and no new one', async () => {
      let serial = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async ({ initial, limit, filter, steps }) => {
          const { auth } = await t.project();
          const make = async (own: Auth, subscribed: boolean) =>
            (await createContact(t, own, { email: `p${serial++}@example.com`, subscribed })).id;
          const existing: string[] = [];
          const subscribedOf = new Map<string, boolean>();
          for (const subscribed of initial) {
            const id = await make(auth, subscribed);
            existing.push(id);
            subscribedOf.set(id, subscribed);
          }
          const matches = (id: string) => filter === undefined || subscribedOf.get(id) === (filter === 'true');
          const original = [...existing].reverse().filter(matches); // newest first
          const originalSet = new Set(existing);
          const query: Record<string, string | number> = filter === undefined ? { limit } : { limit, subscribed: filter };

          const first = await listPage(t, auth, query);
          assert.equal(first.total, original.length, 'total counts the matching contacts at the start');
          const pages = [first.contacts.map((c) => c.id)];
          const deletedAfterPage = new Map<string, number>();
          let cursor = first.cursor;
          for (let page = 0; cursor !== null; page++) {
            assert.ok(page <= original.length, 'the walk ends: each page moves past the last');
            const step: Step = steps[page] ?? { creates: [], deletes: [] };
            for (const subscribed of step.creates) {
              const id = await make(auth, subscribed);
              existing.push(id);
              subscribedOf.set(id, subscribed);
            }
            for (const pick of step.deletes) {
              if (existing.length === 0) break;
              const [id] = existing.splice(pick % existing.length, 1);
              assert.equal((await deleteContact(t, auth, id!)).statusCode, 204);
              deletedAfterPage.set(id!, page);
            }
            const next = await listPage(t, auth, { ...query, cursor });
            assert.ok(next.contacts.length <= limit);
            pages.push(next.contacts.map((c) => c.id));
            cursor = next.cursor;
          }

          const walked = pages.flat();
          assert.equal(new Set(walked).size, walked.length, 'no contact twice');
          assert.ok(walked.every((id) => originalSet.has(id) && matches(id)), 'none created during the walk, none outside the filter');
          const positions = walked.map((id) => original.indexOf(id));
          assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'in the original order');
          const survivors = original.filter((id) => !deletedAfterPage.has(id));
          assert.ok(survivors.every((id) => walked.includes(id)), 'every surviving original contact is returned');
          pages.forEach((ids, page) => {
            for (const id of ids) {
              const deleted = deletedAfterPage.get(id);
              assert.ok(deleted === undefined || page <= deleted, 'a deleted contact never appears after its deletion');
            }
          });
        }),
        { numRuns: 40 },
      );
    });
  });
}
