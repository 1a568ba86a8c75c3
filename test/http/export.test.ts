// GET /contacts/export (CONTRACT.md): every matching contact as CSV or
// NDJSON, streamed in page order, and the round trip through the import:
// NDJSON always comes back exactly, CSV when each data key holds one type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { createContact, getContact, listAll, type Auth, type ContactJson } from '../support/contacts.js';
import { importWithOptions } from '../support/jobs.js';

async function exportOf(t: TestApp, auth: Auth, query: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url: '/contacts/export', headers: auth, query });
}

async function exportText(t: TestApp, auth: Auth, query: Record<string, string> = {}): Promise<string> {
  const response = await exportOf(t, auth, query);
  assert.equal(response.statusCode, 200, response.body);
  return response.body;
}

/** The contacts of a project as the round trip must keep them. */
async function essentials(t: TestApp, auth: Auth): Promise<{ email: string; subscribed: boolean; data: unknown }[]> {
  return (await listAll(t, auth, { limit: 100 }))
    .map(({ email, subscribed, data }) => ({ email, subscribed, data }))
    .sort((a, b) => (a.email < b.email ? -1 : 1));
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', '5', '0012', 'true', 'FALSCH', "'x", '=1+1', '@ada', ' spaced ', 'a,b', 'quote"d', 'line\nbreak', 'é€😀'),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
);
const anyValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), scalar, { maxKeys: 2 }));
const KEYS = ['plan', 'seats', 'a.b', 'q"k', '__proto__', 'clé', 'x y'];

for (const kind of storeKinds()) {
  describe(`GET /contacts/export (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true, limits: { exportsPerProject: 1 } });
    });
    after(async () => t.close());

    test('CSV: the fixed columns, then each data key as a column, sorted; an attachment named by the day', async () => {
      const { auth } = await t.project();
      const ada = await createContact(t, auth, { email: 'ada@example.com', data: { plan: 'pro', seats: 5, tags: ['a', 'b'], note: '5' } });
      const bob = await createContact(t, auth, { email: 'bob@example.com', subscribed: false, data: { plan: 'free', trial: true } });
      const response = await exportOf(t, auth);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/);
      assert.equal(
        response.body,
        'email,subscribed,createdAt,updatedAt,note,plan,seats,tags,trial\r\n' +
          `bob@example.com,false,${bob.createdAt},${bob.updatedAt},,free,,,true\r\n` +
          `ada@example.com,true,${ada.createdAt},${ada.updatedAt},'5,pro,5,"[""a"",""b""]",\r\n`,
      );
    });

    test('NDJSON: one contact object per line, exactly as GET /contacts/:id gives it, newest first', async () => {
      const { auth } = await t.project();
      const made: ContactJson[] = [];
      for (let i = 0; i < 5; i++) made.push(await createContact(t, auth, { email: `n${i}@example.com`, data: { i, s: `v${i}` } }));
      // Addresses and data whose JSON has escapes, and text beyond ASCII.
      made.push(await createContact(t, auth, { email: 'quo"te\\back@example.com', data: { s: 'tab\tline\nquote"\u0001', n: 1e21, x: -0.5, u: 'é€😀\u2028' } }));
      made.push(await createContact(t, auth, { email: 'ünï@exämple.com', subscribed: false, data: { nested: { a: [1, 'two', null, true] } } }));
      for (const subscribed of [undefined, 'true', 'false']) {
        const response = await exportOf(t, auth, { format: 'ndjson', ...(subscribed && { subscribed }) });
        assert.equal(response.headers['content-type'], 'application/x-ndjson; charset=utf-8');
        assert.match(String(response.headers['content-disposition']), /filename="contacts-[\d-]+\.ndjson"/);
        const lines = response.body.split('\n');
        assert.equal(lines.pop(), '', 'every line ends with a newline');
        const expected = made.filter((c) => subscribed === undefined || String(c.subscribed) === subscribed).reverse();
        // Byte for byte what GET /contacts/:id answers.
        const bodies = await Promise.all(expected.map(async (c) => (await getContact(t, auth, c.id)).body));
        assert.deepEqual(lines, bodies);
      }
    });

    test('the filters of the list apply; a filter that nothing can match gives the header alone', async () => {
      const { auth } = await t.project();
      for (let i = 0; i < 30; i++) await createContact(t, auth, { email: `f${i}@example.com`, subscribed: i % 2 === 0, data: { n: i % 3 } });
      const query = { subscribed: 'false', 'data.n': '1', search: 'f' };
      const listed = (await listAll(t, auth, query)).map((c) => c.email);
      const exported = (await exportText(t, auth, { ...query, format: 'ndjson' })).trim().split('\n').map((line) => JSON.parse(line).email);
      assert.deepEqual(exported, listed);
      assert.equal(listed.length, 5);
      assert.equal(await exportText(t, auth, { search: ' ' }), 'email,subscribed,createdAt,updatedAt\r\n');
      assert.equal(await exportText(t, auth, { search: ' ', format: 'ndjson' }), '');
    });

    test('more than a page of contacts streams whole, in page order', async () => {
      const { auth } = await t.project();
      const lines = ['email,subscribed,tier'];
      for (let i = 0; i < 2500; i++) lines.push(`bulk${i}@example.com,${i % 5 !== 0},${i % 4}`);
      const job = await importWithOptions(t, auth, lines.join('\n'), {});
      assert.equal(job.result.createdCount, 2500);
      const exported = (await exportText(t, auth, { format: 'ndjson' })).trim().split('\n').map((line) => JSON.parse(line).email);
      const listed = (await listAll(t, auth, { limit: 100 })).map((c) => c.email);
      assert.equal(exported.length, 2500);
      assert.deepEqual(exported, listed);
      const csv = (await exportText(t, auth, { subscribed: 'false' })).split('\r\n');
      assert.equal(csv.length, 1 + 500 + 1);
    });

    test('bad requests are 400s before anything is sent: a format, a filter, data keys that cannot be CSV columns', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'clash@example.com', data: { Email: 'x', plan: 'a', Plan: 'b', ' pad': 1 } });
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ format: 'xlsx' }, 'format', /csv|ndjson/],
        [{ limit: '10' }, 'limit', /Unknown query parameter/],
        [{ createdAfter: 'today' }, 'createdAfter', /ISO 8601/],
        [{}, 'format', /"Email" \(same as "email" but for case\), "plan" \(same as "Plan" but for case\)/],
      ];
      for (const [query, field, message] of cases) {
        const response = await exportOf(t, auth, query);
        assert.equal(response.statusCode, 400, JSON.stringify(query));
        const error = json(response).error;
        assert.equal(error.errors[0].field, field);
        assert.match(error.errors[0].message, message);
      }
      assert.match(json(await exportOf(t, auth)).error.message, /" pad" \(spaces around it\).*format=ndjson/);
      assert.equal((await exportOf(t, auth, { format: 'ndjson' })).statusCode, 200, 'NDJSON keeps every key');
    });

    test('a client that goes away stops the export and frees its slot', async () => {
      const { auth } = await t.project();
      // 12 MB of NDJSON: more than the sockets between client and server buffer, so the export cannot end unread.
      const padding = 'x'.repeat(2000);
      for (let file = 0; file < 3; file++) {
        const lines = ['email,padding'];
        for (let i = 0; i < 2000; i++) lines.push(`gone${file}-${i}@example.com,${padding}`);
        await importWithOptions(t, auth, lines.join('\n'), {});
      }
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      {
        const abort = new AbortController();
        const response = await fetch(`${address}/contacts/export?format=ndjson`, { headers: auth, signal: abort.signal });
        assert.equal(response.status, 200);
        const reader = response.body!.getReader();
        await reader.read();
        // The project may stream one export at a time (exportsPerProject: 1): a second is refused while the first runs.
        const second = await fetch(`${address}/contacts/export`, { headers: auth });
        await second.body?.cancel();
        assert.equal(second.status, 503);
        assert.ok(Number(second.headers.get('retry-after')) >= 1);
        abort.abort();
        await reader.cancel().catch(() => {});
        let status = 503;
        for (let i = 0; i < 100 && status === 503; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          const again = await fetch(`${address}/contacts/export`, { headers: auth });
          status = again.status;
          await again.body?.cancel();
        }
        assert.equal(status, 200, 'the slot is free once the client has gone');
      }
    });
  });

  describe(`export and import again (property, ${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    test('an NDJSON export re-imports into a new project exactly; a CSV export does when each key holds one type', async () => {
      let serial = 0;
      const contactsArb = fc.array(
        fc.record({ subscribed: fc.boolean(), data: fc.dictionary(fc.constantFrom(...KEYS), anyValue, { maxKeys: 4 }) }),
        { minLength: 1, maxLength: 8 },
      );
      await fc.assert(
        fc.asyncProperty(contactsArb, async (specs) => {
          const source = await t.project();
          for (const spec of specs) {
            await createContact(t, source.auth, { email: `Rt${serial++}@Example.com`, subscribed: spec.subscribed, data: spec.data });
          }
          const original = await essentials(t, source.auth);

          const ndjsonTarget = await t.project();
          const ndjson = await exportText(t, source.auth, { format: 'ndjson' });
          const ndjsonJob = await importWithOptions(t, ndjsonTarget.auth, ndjson, {});
          assert.equal(ndjsonJob.state, 'completed', JSON.stringify(ndjsonJob));
          assert.deepEqual(await essentials(t, ndjsonTarget.auth), original);

          // CSV: only when every key holds one scalar type whose cells read back as that type.
          const typeOf = (value: unknown) => (typeof value === 'number' && !/^-?(0|[1-9]\d*)(\.\d+)?$/.test(String(value)) ? 'odd' : typeof value);
          const types = new Map<string, Set<string>>();
          for (const spec of specs) for (const [key, value] of Object.entries(spec.data)) (types.get(key) ?? types.set(key, new Set()).get(key)!).add(typeOf(value));
          const singleTyped = [...types.values()].every((set) => set.size === 1 && ['string', 'number', 'boolean'].includes([...set][0]!));
          if (!singleTyped) return;
          const csvTarget = await t.project();
          const csv = await exportText(t, source.auth);
          const csvJob = await importWithOptions(t, csvTarget.auth, csv, {});
          assert.equal(csvJob.state, 'completed', JSON.stringify(csvJob));
          assert.equal(csvJob.result.failureCount ?? 0, 0, JSON.stringify(csvJob.result));
          assert.deepEqual(await essentials(t, csvTarget.auth), original, csv);
        }),
        { numRuns: 40 },
      );
    });
  });
}
