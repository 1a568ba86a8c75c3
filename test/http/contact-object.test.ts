// The contact object (CONTRACT.md, "The contact object"): UUID v7 ids in
// creation order, malformed ids simply not found, the email rules, data always
// an object.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import {
  assertContact,
  assertError,
  createContact,
  createContacts,
  deleteContact,
  getContact,
  INVALID_EMAIL,
  listPage,
  patchContact,
  UUID_V7,
} from '../support/contacts.js';

const local64 = 'l'.repeat(64);
/** 64 + 1 + 189 = 254 characters: the longest valid address. */
const longest = `${local64}@${'d'.repeat(185)}.com`;

const INVALID_EMAILS: [string, string][] = [
  ['255 characters', `${local64}@${'d'.repeat(186)}.com`],
  ['a local part of 65', `${'l'.repeat(65)}@example.com`],
  ['no @', 'ada.example.com'],
  ['two @', 'ada@lovelace@example.com'],
  ['@@', 'ada@@example.com'],
  ['empty local part', '@example.com'],
  ['one domain label', 'ada@localhost'],
  ['empty domain', 'ada@'],
  ['leading empty label', 'ada@.example.com'],
  ['inner empty label', 'ada@example..com'],
  ['trailing empty label', 'ada@example.com.'],
  ['inner space', 'ada lovelace@example.com'],
  ['inner tab', 'ada\t@example.com'],
  ['inner newline', 'ada@exa\nmple.com'],
  ['no-break space', 'ada\u00a0x@example.com'],
  ['NUL', 'ada\u0000@example.com'],
  ['control character', 'ada\u0007@example.com'],
  ['DEL', 'ada\u007f@example.com'],
  ['zero-width space', 'ada\u200b@example.com'],
  ['lone surrogate', 'ada\ud800@example.com'],
  ['empty', ''],
  ['only spaces', '   '],
];

for (const kind of storeKinds()) {
  describe(`the contact object (${kind.name})`, () => {
    let t: TestApp;
    let auth: { authorization: string };
    before(async () => {
      t = await startApp(kind);
      auth = (await t.project()).auth;
    });
    after(async () => t.close());

    test('ids are UUID v7 whose time is the createdAt, and GET returns the contact as created', async () => {
      const contact = await createContact(t, auth, { email: 'ids@example.com' });
      assert.match(contact.id, UUID_V7);
      const idTime = parseInt(contact.id.slice(0, 8) + contact.id.slice(9, 13), 16);
      assert.equal(new Date(idTime).toISOString(), contact.createdAt);
      assert.deepEqual(assertContact(json(await getContact(t, auth, contact.id))), contact);
    });

    test('ids made one after another strictly increase, and list in exactly reverse order', async () => {
      const { auth: own } = await t.project();
      const created = await createContacts(t, own, Array.from({ length: 30 }, (_, i) => `order${i}@example.com`));
      const ids = created.map((c) => c.id);
      assert.deepEqual([...ids].sort(), ids, 'strictly increasing');
      assert.equal(new Set(ids).size, ids.length);
      const page = await listPage(t, own, { limit: 100 });
      assert.deepEqual(page.contacts.map((c) => c.id), [...ids].reverse());
    });

    test('malformed ids are simply not found: 404 NOT_FOUND on GET, PATCH and DELETE, never a 500', async () => {
      const contact = await createContact(t, auth, { email: 'malformed@example.com' });
      const ids = [
        contact.id.toUpperCase(),
        `{${contact.id}}`,
        contact.id.replaceAll('-', ''),
        `${contact.id}0`,
        contact.id.slice(0, -1),
        'not-a-uuid',
        '%00',
        `${contact.id}%00`,
        '%20',
        '1',
        "'%20OR%201=1--",
        'a%2Fb',
        '%E2%9C%93',
        'x'.repeat(100),
      ];
      for (const id of ids) {
        assertError(await getContact(t, auth, id), 404, { code: 'NOT_FOUND', message: 'Contact not found' });
        assertError(await patchContact(t, auth, id, { subscribed: false }), 404, { code: 'NOT_FOUND', message: 'Contact not found' });
        assertError(await deleteContact(t, auth, id), 404, { code: 'NOT_FOUND', message: 'Contact not found' });
      }
      assert.deepEqual(json(await getContact(t, auth, contact.id)), contact, 'the real contact untouched');
    });

    test('very long ids and ids the router cannot decode are 404 NOT_FOUND too, like any missing id', async () => {
      for (const id of ['x'.repeat(101), 'a'.repeat(5000), '%zz', '%E0%A4%A']) {
        assertError(await getContact(t, auth, id), 404, { code: 'NOT_FOUND', message: 'Contact not found' });
        assertError(await patchContact(t, auth, id, { subscribed: false }), 404, { code: 'NOT_FOUND', message: 'Contact not found' });
        assertError(await deleteContact(t, auth, id), 404, { code: 'NOT_FOUND', message: 'Contact not found' });
      }
    });

    test('email is stored trimmed and lower-cased, and unique within the project across cases', async () => {
      const contact = await createContact(t, auth, { email: ' \t Grace.Hopper@Navy.MIL \n' });
      assert.equal(contact.email, 'grace.hopper@navy.mil');
      const again = await createContact(t, auth, { email: 'GRACE.HOPPER@navy.mil' }, 200);
      assert.equal(again.id, contact.id);
    });

    test('the longest valid email (254 characters, local part of 64) is accepted', async () => {
      assert.equal(longest.length, 254);
      const contact = await createContact(t, auth, { email: longest });
      assert.equal(contact.email, longest);
      assert.equal((await createContact(t, auth, { email: `${local64}@x.co` })).email, `${local64}@x.co`);
    });

    for (const [rule, email] of INVALID_EMAILS) {
      test(`400 VALIDATION_ERROR for an invalid email (${rule}) on POST and PATCH, nothing written`, async () => {
        const { auth: own } = await t.project();
        assertError(await t.app.inject({ method: 'POST', url: '/contacts', headers: own, payload: { email } }), 400, INVALID_EMAIL);
        const contact = await createContact(t, own, { email: 'valid@example.com' });
        assertError(await patchContact(t, own, contact.id, { email }), 400, INVALID_EMAIL);
        const page = await listPage(t, own);
        assert.deepEqual(page.contacts, [contact]);
      });
    }

    test('data is always a JSON object: {} when never given, after clearing and after deleting every key', async () => {
      const plain = await createContact(t, auth, { email: 'nodata@example.com' });
      assert.deepEqual(plain.data, {});
      const withData = await createContact(t, auth, { email: 'withdata@example.com', data: { a: 1 } });
      const emptied = json(await patchContact(t, auth, withData.id, { data: { a: null } }));
      assert.deepEqual(emptied.data, {});
      await patchContact(t, auth, withData.id, { data: { b: 2 } });
      const cleared = json(await patchContact(t, auth, withData.id, { data: null }));
      assert.deepEqual(cleared.data, {});
      const listed = (await listPage(t, auth, { search: 'data@' })).contacts;
      assert.ok(listed.length === 2 && listed.every((c) => JSON.stringify(c.data) === '{}'));
    });

    test('subscribed defaults to true and can be created false', async () => {
      assert.equal((await createContact(t, auth, { email: 'sub1@example.com' })).subscribed, true);
      assert.equal((await createContact(t, auth, { email: 'sub2@example.com', subscribed: false })).subscribed, false);
    });
  });
}
