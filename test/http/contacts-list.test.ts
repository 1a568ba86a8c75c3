// GET /contacts (CONTRACT.md): limit, search, subscribed, order, cursors and
// total, and 400s for every invalid or unknown query parameter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, createContacts, listAll, listPage, type Auth, type ContactJson } from '../support/contacts.js';

const EMAILS = [
  'ada_lovelace@example.com',
  'adalovelace@example.com',
  'grace%hopper@navy.mil',
  'GRACEHOPPER@navy.mil',
  'alan.turing@bletchley.uk',
  'x@y.io',
  'a"q@quote.io',
  'zz*top@band.io',
];

for (const kind of storeKinds()) {
  describe(`GET /contacts (${kind.name})`, () => {
    let t: TestApp;
    let auth: Auth;
    let all: ContactJson[]; // newest first
    before(async () => {
      t = await startApp(kind);
      auth = (await t.project()).auth;
      const created = await createContacts(t, auth, EMAILS);
      // Every other contact unsubscribed: index 1, 3, 5, 7.
      for (const [i, c] of created.entries()) if (i % 2 === 1) await t.app.inject({ method: 'PATCH', url: `/contacts/${c.id}`, headers: auth, payload: { subscribed: false } });
      all = (await listPage(t, auth, { limit: 100 })).contacts;
    });
    after(async () => t.close());

    const emailsFor = async (query: Record<string, string | number>) => (await listAll(t, auth, { ...query, limit: 3 })).map((c) => c.email);
    const expected = (match: (c: ContactJson) => boolean) => all.filter(match).map((c) => c.email);
    const invalid = (query: string, field: string) =>
      t.app.inject({ method: 'GET', url: `/contacts?${query}`, headers: auth }).then((r) =>
        assertError(r, 400, { code: 'VALIDATION_ERROR', errors: [{ field, message: /./ }] }),
      );

    test('newest first (createdAt desc, then id desc), with the exact page shape and total', async () => {
      const page = await listPage(t, auth, { limit: 100 });
      assert.deepEqual(page.contacts.map((c) => c.email), EMAILS.map((e) => e.toLowerCase()).reverse());
      const sorted = [...page.contacts].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
      assert.deepEqual(page.contacts, sorted);
      assert.equal(page.total, EMAILS.length);
      assert.equal(page.hasMore, false);
      assert.equal(page.cursor, null);
    });

    test('limit defaults to 20 and accepts 1 and 100', async () => {
      const { auth: own } = await t.project();
      await createContacts(t, own, Array.from({ length: 101 }, (_, i) => `n${i}@example.com`));
      const first = await listPage(t, own);
      assert.equal(first.contacts.length, 20);
      assert.equal(first.hasMore, true);
      assert.equal(first.total, 101);
      assert.equal((await listPage(t, own, { limit: 1 })).contacts.length, 1);
      const hundred = await listPage(t, own, { limit: 100 });
      assert.equal(hundred.contacts.length, 100);
      const last = await listPage(t, own, { limit: 100, cursor: hundred.cursor! });
      assert.equal(last.contacts.length, 1);
      assert.deepEqual([last.hasMore, last.cursor], [false, null]);
    });

    test('400 VALIDATION_ERROR for a limit that is not a plain integer 1–100, or given twice', async () => {
      for (const value of ['0', '101', '-1', '1.5', '2.0', '1e1', '0x10', '+5', '05', '%205', '5%20', 'abc', '', '%20', 'true']) {
        await invalid(`limit=${value}`, 'limit');
      }
      await invalid('limit=5&limit=5', 'limit');
    });

    test('400 VALIDATION_ERROR for an unknown parameter, naming it', async () => {
      await t.app.inject({ method: 'GET', url: '/contacts?page=2', headers: auth }).then((r) =>
        assertError(r, 400, { code: 'VALIDATION_ERROR', errors: [{ field: 'page', message: 'Unknown query parameter' }] }),
      );
      await invalid('Limit=5', 'Limit');
      await invalid('project=x', 'project');
    });

    test('search is a case-insensitive substring of the email (3+ characters)', async () => {
      assert.deepEqual(await emailsFor({ search: 'LOVELACE' }), expected((c) => c.email.includes('lovelace')));
      assert.equal((await emailsFor({ search: 'LOVELACE' })).length, 2);
      assert.deepEqual(await emailsFor({ search: 'navy.mil' }), ['gracehopper@navy.mil', 'grace%hopper@navy.mil']);
      assert.deepEqual(await emailsFor({ search: 'ing@bletch' }), ['alan.turing@bletchley.uk']);
      assert.deepEqual(await emailsFor({ search: 'nobody-has-this' }), []);
    });

    test('1- and 2-character searches work (and match anywhere in the email)', async () => {
      assert.deepEqual(await emailsFor({ search: 'X' }), expected((c) => c.email.includes('x')));
      assert.deepEqual(await emailsFor({ search: '@y' }), ['x@y.io']);
      assert.deepEqual(await emailsFor({ search: 'io' }), expected((c) => c.email.includes('io')));
      assert.deepEqual(await emailsFor({ search: 'k' }), expected((c) => c.email.includes('k')));
    });

    test('% and _ are ordinary characters: "_" matches only emails containing "_", "%" only those with "%"', async () => {
      assert.deepEqual(await emailsFor({ search: '_' }), ['ada_lovelace@example.com']);
      assert.deepEqual(await emailsFor({ search: '%' }), ['grace%hopper@navy.mil']);
      assert.deepEqual(await emailsFor({ search: 'a_l' }), ['ada_lovelace@example.com']);
      assert.deepEqual(await emailsFor({ search: 'e%h' }), ['grace%hopper@navy.mil']);
      assert.deepEqual(await emailsFor({ search: '%%' }), []);
      assert.deepEqual(await emailsFor({ search: '___' }), []);
    });

    test('quotes, * and other search-syntax characters are literal too', async () => {
      assert.deepEqual(await emailsFor({ search: '"' }), ['a"q@quote.io']);
      assert.deepEqual(await emailsFor({ search: 'a"q' }), ['a"q@quote.io']);
      assert.deepEqual(await emailsFor({ search: 'z*t' }), ['zz*top@band.io']);
      for (const search of ['"""', 'a OR b', 'NEAR(a b)', '^ada', '*', "'--", '\\']) {
        assert.deepEqual(await emailsFor({ search }), expected((c) => c.email.includes(search)), search);
      }
    });

    test('a search containing characters no email can hold (NUL, controls, spaces) matches nothing, never a 500', async () => {
      for (const search of ['\u0000', 'a\u0000b', '\u0000\u0000\u0000', 'ada\u0001', 'ada lovelace', '\t']) {
        const page = await listPage(t, auth, { search });
        assert.deepEqual([page.contacts, page.total], [[], 0], JSON.stringify(search));
      }
    });

    test('search is 1–254 characters: 254 accepted, empty, 255 or given twice → 400', async () => {
      assert.deepEqual((await listPage(t, auth, { search: 'a'.repeat(254) })).contacts, []);
      await invalid('search=', 'search');
      await invalid(`search=${'a'.repeat(255)}`, 'search');
      await invalid('search=a&search=b', 'search');
    });

    test('subscribed=true|false filters; any other value → 400', async () => {
      assert.deepEqual(await emailsFor({ subscribed: 'true' }), expected((c) => c.subscribed));
      assert.deepEqual(await emailsFor({ subscribed: 'false' }), expected((c) => !c.subscribed));
      assert.equal((await emailsFor({ subscribed: 'false' })).length, 4);
      for (const value of ['1', '0', 'TRUE', 'yes', '', 'true&subscribed=false']) await invalid(`subscribed=${value}`, 'subscribed');
    });

    test('total counts the same filters (search, subscribed, both) and is only on the first page', async () => {
      const cases: [Record<string, string>, (c: ContactJson) => boolean][] = [
        [{}, () => true],
        [{ search: 'a' }, (c) => c.email.includes('a')],
        [{ search: 'navy' }, (c) => c.email.includes('navy')],
        [{ subscribed: 'true' }, (c) => c.subscribed],
        [{ subscribed: 'false' }, (c) => !c.subscribed],
        [{ search: 'a', subscribed: 'false' }, (c) => c.email.includes('a') && !c.subscribed],
        [{ search: 'example', subscribed: 'true' }, (c) => c.email.includes('example') && c.subscribed],
      ];
      for (const [query, match] of cases) {
        const first = await listPage(t, auth, { ...query, limit: 1 });
        assert.equal(first.total, expected(match).length, JSON.stringify(query));
        if (first.cursor) {
          const second = await listPage(t, auth, { ...query, limit: 1, cursor: first.cursor });
          assert.ok(!('total' in second), 'no total on a later page');
        }
        assert.deepEqual(await emailsFor(query), expected(match), JSON.stringify(query));
      }
    });

    test('cursor is null exactly when hasMore is false; the walk visits every contact once, in order', async () => {
      for (const limit of [1, 2, 3, 7, 8, 9]) {
        const walked = await listAll(t, auth, { limit });
        assert.deepEqual(walked, all, `limit ${limit}`);
      }
      const exact = await listPage(t, auth, { limit: EMAILS.length });
      assert.deepEqual([exact.hasMore, exact.cursor], [false, null], 'a page that ends exactly at the last contact');
    });

    test('400 INVALID_CURSOR for a cursor that cannot be decoded or was tampered with', async () => {
      const { cursor } = await listPage(t, auth, { limit: 1 });
      const tampered = Buffer.from(Buffer.from(cursor!, 'base64url').toString().replace(/.$/, (last) => (last === 'x' ? 'y' : 'x'))).toString('base64url');
      const cursors = ['abc', 'not a cursor', '!!!!', 'eyJ9', cursor!.slice(0, -2), cursor! + 'AA', tampered, 'a'.repeat(300), Buffer.from('1.2.3').toString('base64url')];
      for (const bad of cursors) {
        const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: auth, query: { cursor: bad } });
        assert.equal(response.statusCode, 400, bad);
        assertError(response, 400, { code: 'INVALID_CURSOR', message: /cursor/ });
      }
    });

    test('a cursor keeps working after the contact it points at is deleted', async () => {
      const { auth: own } = await t.project();
      const made = await createContacts(t, own, ['c1@example.com', 'c2@example.com', 'c3@example.com', 'c4@example.com']);
      const first = await listPage(t, own, { limit: 2 });
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/contacts/${made[2]!.id}`, headers: own })).statusCode, 204);
      const second = await listPage(t, own, { limit: 2, cursor: first.cursor! });
      assert.deepEqual(second.contacts.map((c) => c.email), ['c2@example.com', 'c1@example.com']);
    });

    test('a new contact after a write to an older one does not change its place (order is by creation)', async () => {
      const { auth: own } = await t.project();
      const [older] = await createContacts(t, own, ['old@example.com', 'new@example.com']);
      await t.app.inject({ method: 'PATCH', url: `/contacts/${older!.id}`, headers: own, payload: { data: { touched: true } } });
      await createContact(t, own, { email: 'OLD@example.com', data: { again: 1 } }, 200);
      assert.deepEqual((await listPage(t, own)).contacts.map((c) => c.email), ['new@example.com', 'old@example.com']);
    });
  });
}
