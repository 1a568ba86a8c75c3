// The list filters' exact rules (CONTRACT.md, GET /contacts): data values by
// their text, instants, the errors for bad filters, and the broad filters
// that a store answers by walking rather than among a few candidates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appPerSuite, json, storeKinds, type TestApp } from '../support/app.js';
import { createContact, listAll, listPage, patchContact, type Auth } from '../support/contacts.js';

function emails(contacts: { email: string }[]): string[] {
  return contacts.map((c) => c.email).sort();
}

for (const kind of storeKinds()) {
  describe(`list filters (${kind.name})`, () => {
    let app: TestApp;
    const t = () => app;
    appPerSuite(kind, (ready) => {
      app = ready;
    });
    async function list(auth: Auth, query: Record<string, string>) {
      return t().app.inject({ method: 'GET', url: '/contacts', headers: auth, query });
    }

    test('data.<key>=<value> matches the string, and a number or boolean written the same; an empty value asks for the key', async () => {
      const { auth } = await t().project();
      await createContact(t(), auth, { email: 'num@example.com', data: { seats: 5, flag: true, plan: 'pro' } });
      await createContact(t(), auth, { email: 'text@example.com', data: { seats: '5', flag: 'true', plan: 'Pro' } });
      await createContact(t(), auth, { email: 'other@example.com', data: { seats: 5.5, flag: false, nested: { plan: 'pro' } } });
      await createContact(t(), auth, { email: 'none@example.com' });

      assert.deepEqual(emails(await listAll(t(), auth, { 'data.seats': '5' })), ['num@example.com', 'text@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.seats': '5.0' })), []);
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.flag': 'true' })), ['num@example.com', 'text@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.plan': 'pro' })), ['num@example.com'], 'values are compared exactly (case too)');
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.plan': '' })), ['num@example.com', 'text@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.nested': '' })), ['other@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.nested': '{"plan":"pro"}' })), [], 'nested values match no text');
      assert.deepEqual(emails(await listAll(t(), auth, { 'data.seats': '5', 'data.plan': 'Pro' })), ['text@example.com']);
      const page = await listPage(t(), auth, { 'data.seats': '5', limit: 1 });
      assert.equal(page.total, 2);
      assert.equal(page.contacts.length, 1);
    });

    test('keys are any text: dots, quotes, brackets, a dollar sign, __proto__, non-ASCII', async () => {
      const { auth } = await t().project();
      const keys = ['a.b', 'q"k', '[0]', '$x', '__proto__', 'constructor', 'clé', 'back\\slash'];
      for (const [i, key] of keys.entries()) {
        await createContact(t(), auth, { email: `k${i}@example.com`, data: JSON.parse(`{${JSON.stringify(key)}: "v${i}"}`) });
      }
      for (const [i, key] of keys.entries()) {
        assert.deepEqual(emails(await listAll(t(), auth, { [`data.${key}`]: `v${i}` })), [`k${i}@example.com`], key);
        assert.deepEqual(emails(await listAll(t(), auth, { [`data.${key}`]: '' })), [`k${i}@example.com`], key);
      }
    });

    test('email is one exact address in any case; search treats % and _ as ordinary characters', async () => {
      const { auth } = await t().project();
      await createContact(t(), auth, { email: 'ada_1@example.com' });
      await createContact(t(), auth, { email: 'adax1@example.com' });
      await createContact(t(), auth, { email: 'ad%a@example.com' });
      assert.deepEqual(emails(await listAll(t(), auth, { email: ' ADA_1@Example.COM ' })), ['ada_1@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { email: 'ada@example.com' })), []);
      assert.deepEqual(emails(await listAll(t(), auth, { search: 'a_1' })), ['ada_1@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { search: 'd%' })), ['ad%a@example.com']);
    });

    test('times: after is strictly later, before strictly earlier, to the millisecond; offsets and finer fractions are read exactly', async () => {
      const { auth } = await t().project();
      const first = await createContact(t(), auth, { email: 'first@example.com' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await createContact(t(), auth, { email: 'second@example.com' });
      const at = Date.parse(first.createdAt);
      const iso = (ms: number) => new Date(ms).toISOString();
      assert.deepEqual(emails(await listAll(t(), auth, { createdAfter: first.createdAt })), ['second@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { createdBefore: second.createdAt })), ['first@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { createdAfter: iso(at - 1), createdBefore: iso(at + 1) })), ['first@example.com']);
      // 0.5 ms before and after the first contact's instant.
      const base = iso(at).slice(0, -1);
      assert.deepEqual(emails(await listAll(t(), auth, { createdAfter: `${base}0005Z`, createdBefore: iso(at + 1) })), []);
      assert.deepEqual(emails(await listAll(t(), auth, { createdBefore: `${base}0005Z`, createdAfter: iso(at - 1) })), ['first@example.com']);
      const shifted = new Date(at + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      assert.deepEqual(emails(await listAll(t(), auth, { createdAfter: shifted })), ['second@example.com']);

      await new Promise((resolve) => setTimeout(resolve, 5));
      const patched = json<{ updatedAt: string }>(await patchContact(t(), auth, first.id, { data: { seen: true } }));
      assert.deepEqual(emails(await listAll(t(), auth, { updatedAfter: second.updatedAt })), ['first@example.com']);
      assert.deepEqual(emails(await listAll(t(), auth, { updatedBefore: patched.updatedAt })), ['second@example.com']);
    });

    test('a bad filter is a 400 naming it; several are reported together', async () => {
      const { auth } = await t().project();
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ createdAfter: '2026-01-01' }, 'createdAfter', /ISO 8601 instant with a time zone/],
        [{ updatedBefore: '2026-01-01T10:00:00' }, 'updatedBefore', /time zone/],
        [{ createdBefore: '2026-02-30T00:00:00Z' }, 'createdBefore', /ISO 8601/],
        [{ createdAfter: 'yesterday' }, 'createdAfter', /ISO 8601/],
        [{ email: 'not-an-address' }, 'email', /Invalid email address/],
        [{ 'data.': 'x' }, 'data.', /1 to 100 characters/],
        [{ [`data.${'k'.repeat(101)}`]: 'x' }, `data.${'k'.repeat(100)}`, /1 to 100 characters/],
        [{ subscribed: 'yes' }, 'subscribed', /true|false/],
        [{ plan: 'pro' }, 'plan', /Unknown query parameter/],
      ];
      for (const [query, field, message] of cases) {
        const response = await list(auth, query);
        assert.equal(response.statusCode, 400, JSON.stringify(query));
        const error = json(response).error;
        assert.equal(error.code, 'VALIDATION_ERROR');
        assert.equal(error.errors[0].field, field, JSON.stringify(error));
        assert.match(error.errors[0].message, message);
      }
      const twice = await t().app.inject({ method: 'GET', url: '/contacts?data.plan=a&data.plan=b', headers: auth });
      assert.equal(twice.statusCode, 400);
      assert.match(json(twice).error.message, /data\.plan: Given more than once/);
      const both = await list(auth, { createdAfter: 'x', email: 'y' });
      assert.equal(json(both).error.errors.length, 2);
    });

    test('broad filters over more contacts than the candidate limit walk the project and count exactly', async () => {
      const { auth } = await t().project();
      const started = new Date(Date.now() - 1000).toISOString();
      for (let i = 0; i < 1100; i++) {
        await createContact(t(), auth, { email: `broad${i}@example.com`, subscribed: i % 3 !== 0, data: { n: i % 10 } });
      }
      const walked = await listAll(t(), auth, { updatedAfter: started, 'data.n': '7', limit: 100 });
      assert.equal(walked.length, 110);
      assert.equal((await listPage(t(), auth, { updatedAfter: started, 'data.n': '7' })).total, 110);
      assert.equal((await listPage(t(), auth, { search: 'broad', subscribed: 'false' })).total, 367);
      assert.equal((await listPage(t(), auth, { search: 'oad1', 'data.n': '1' })).total, 22); // 1, 11, 101…191, 1001…1091
      assert.equal((await listPage(t(), auth, { createdAfter: started, subscribed: 'true' })).total, 733);
    });
  });
}
