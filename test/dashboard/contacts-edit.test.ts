// One contact in a real browser (chromium), on both stores: the data editor
// keeps types (numbers, booleans, nested JSON, strings with line breaks),
// rows are added and removed, the JSON editor round-trips, bad input comes
// back with the operator's text and a message, conflicts are notices; the
// same editor without JavaScript; a new contact; deleting after a
// confirmation; another project's contact (or a malformed id) is a 404; axe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ContactService } from '../../src/domain/contacts.js';
import { storeKinds, type TestApp } from '../support/app.js';
import { assertAccessible, browserSkip, dashboardPerSuite } from '../support/browser.js';
import { addContact, loggedInPage } from './contacts-fixtures.js';

const skip = browserSkip();

for (const kind of storeKinds()) {
  describe(`dashboard: a contact, its data and a new contact (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    let contacts: ContactService;
    dashboardPerSuite(kind, (suite) => {
      ({ t, base, browser } = suite);
      contacts = new ContactService(t.store);
    });

    const stored = async (projectId: string, id: string) => {
      const contact = await contacts.get(projectId, id);
      return { ...contact, data: JSON.parse(contact.dataJson) };
    };

    test('editing data keeps types: numbers stay numbers, booleans booleans, nested JSON nested', async () => {
      const { project } = await t.project('Editing');
      const contact = await addContact(t, project.id, 'ada@example.com', {
        plan: 'pro',
        seats: 5,
        vip: true,
        nested: { a: [1, 2], b: { c: null } },
        note: 'line one\nline two',
        zip: '01234',
      });
      await addContact(t, project.id, 'grace@example.com');
      const { page, problems } = await loggedInPage(browser, base);
      const url = `${base}/projects/${project.id}/contacts/${contact.id}`;
      await page.goto(url);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'ada@example.com');
      assert.equal(await page.getByLabel('Id', { exact: true }).inputValue(), contact.id);
      assert.deepEqual(
        await Promise.all([1, 2, 3, 4, 5, 6].map((n) => page.getByLabel(`Type of row ${n}`).inputValue())),
        ['string', 'number', 'boolean', 'json', 'json', 'string'],
        'a string with a line break is shown as JSON, so that it survives an input',
      );
      await assertAccessible(page);

      // Saved untouched, nothing changes (not even updatedAt).
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1/);
      const untouched = await stored(project.id, contact.id);
      assert.equal(untouched.updatedAt, contact.updatedAt);
      assert.deepEqual(untouched.data, JSON.parse(contact.dataJson));

      await page.getByLabel('Value of row 2').fill('6');
      await page.getByLabel('Value of row 3').fill('false');
      await page.getByLabel('Value of row 4').fill('{"a":[1,2,3]}');
      // Row 1 (plan) goes; a new row for a decimal number.
      await page.getByRole('row').filter({ has: page.getByLabel('Key of row 1') }).getByRole('button', { name: 'Remove' }).click();
      assert.equal(await page.getByLabel('Key of row 1').inputValue(), 'seats', 'the rows are numbered again');
      await page.getByRole('button', { name: 'Add a row' }).click();
      const last = await page.locator('[data-rows="editor"] tr').count();
      await page.getByLabel(`Key of row ${last}`).fill('score');
      await page.getByLabel(`Type of row ${last}`).selectOption('number');
      await page.getByLabel(`Value of row ${last}`).fill('1.5');
      await page.getByLabel('Subscribed').uncheck();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1/);
      assert.equal(await page.getByRole('status').filter({ hasText: 'Saved' }).count(), 1);
      const saved = await stored(project.id, contact.id);
      assert.deepEqual(saved.data, { seats: 6, vip: false, nested: { a: [1, 2, 3] }, note: 'line one\nline two', zip: '01234', score: 1.5 });
      assert.equal(saved.subscribed, false);

      // A bad number comes back with the operator's text and a message; nothing is saved.
      await page.getByLabel('Value of row 1').fill('six');
      await page.getByLabel('Key of row 2').fill('vip status');
      const bad = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Save changes' }).click()]);
      assert.equal(bad[0].status(), 400);
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /Row 1 \("seats"\): "six" is not a number/);
      assert.equal(await page.getByLabel('Value of row 1').inputValue(), 'six');
      assert.equal(await page.getByLabel('Key of row 2').inputValue(), 'vip status');
      assert.deepEqual((await stored(project.id, contact.id)).data, saved.data);

      // Edit as JSON: the rows become the object (here the rows in error are refused first).
      await page.getByLabel('Value of row 1').fill('7');
      await page.getByRole('link', { name: 'Edit as JSON' }).click();
      const json = JSON.parse(await page.getByLabel('Data as JSON').inputValue());
      assert.deepEqual(json, { seats: 7, 'vip status': false, nested: { a: [1, 2, 3] }, note: 'line one\nline two', zip: '01234', score: 1.5 });
      assert.match(page.url(), /editor=json/);
      await page.getByLabel('Data as JSON').fill('{"seats": 8, "broken": ');
      await page.getByRole('button', { name: 'Save changes' }).click();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /The JSON is not valid/);
      assert.equal(await page.getByLabel('Data as JSON').inputValue(), '{"seats": 8, "broken": ');
      await page.getByLabel('Data as JSON').fill('{"seats": 8, "tags": ["a", {"b": true}], "big": 1e400}');
      await page.getByRole('button', { name: 'Save changes' }).click();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /Data: data numbers must fit in a 64-bit float/);
      await page.getByLabel('Data as JSON').fill('{"seats": 8, "tags": ["a", {"b": true}], "gone": null, "__proto__": "x"}');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1&editor=json/);
      assert.deepEqual((await stored(project.id, contact.id)).data, JSON.parse('{"seats": 8, "tags": ["a", {"b": true}], "__proto__": "x"}'));

      // Back to rows: the JSON becomes rows with their types.
      await page.getByRole('link', { name: 'Edit as rows' }).click();
      assert.equal(await page.getByLabel('Type of row 2').inputValue(), 'json');
      assert.equal(await page.getByLabel('Value of row 2').inputValue(), '["a",{"b":true}]');

      // Too many keys is the API's data limit, shown as a notice.
      await page.getByRole('link', { name: 'Edit as JSON' }).click();
      await page.getByLabel('Data as JSON').fill(JSON.stringify(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]))));
      await page.getByRole('button', { name: 'Save changes' }).click();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /at most 100 keys/);

      // An email another contact has is a conflict, shown as a notice with the input kept.
      await page.goto(url);
      await page.getByLabel('Email').fill('GRACE@example.com');
      await page.getByRole('button', { name: 'Save changes' }).click();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /Another contact of this project already has this email/);
      assert.equal(await page.getByLabel('Email').inputValue(), 'GRACE@example.com');
      await page.getByLabel('Email').fill('  Ada.Lovelace@Example.com ');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'ada.lovelace@example.com');
      assert.deepEqual(problems, []);
    });

    test('the editor without JavaScript: blank rows to add, a checkbox to remove, the JSON editor by its link', async () => {
      const { project } = await t.project('No script');
      const contact = await addContact(t, project.id, 'plain@example.com', { a: 1, b: 'two', c: true });
      const { page } = await loggedInPage(browser, base, { javaScriptEnabled: false });
      await page.goto(`${base}/projects/${project.id}/contacts/${contact.id}`);
      await page.getByLabel('Remove row 2').check();
      await page.getByLabel('Value of row 1').fill('10');
      await page.getByLabel('Key of row 4').fill('d');
      await page.getByLabel('Type of row 4').selectOption('json');
      await page.getByLabel('Value of row 4').fill('{"e":[null]}');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1/);
      assert.deepEqual((await stored(project.id, contact.id)).data, { a: 10, c: true, d: { e: [null] } });

      await page.getByRole('link', { name: 'Edit as JSON' }).click();
      await page.waitForURL(/editor=json/);
      await page.getByLabel('Data as JSON').fill('{"a": 11}');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1/);
      assert.deepEqual((await stored(project.id, contact.id)).data, { a: 11 });
    });

    test('a new contact: email, subscription and typed data; an email the project has is refused', async () => {
      const { project } = await t.project('New');
      const { page, problems } = await loggedInPage(browser, base);
      await page.goto(`${base}/projects/${project.id}/contacts`);
      await page.getByRole('link', { name: 'Add a contact' }).first().click();
      await page.waitForURL(`${base}/projects/${project.id}/contacts/new`);
      await assertAccessible(page);
      await page.getByLabel('Email').fill('New.Person@example.com');
      await page.getByLabel('Subscribed').uncheck();
      await page.getByLabel('Key of row 1').fill('plan');
      await page.getByLabel('Value of row 1').fill('pro');
      await page.getByLabel('Key of row 2').fill('seats');
      await page.getByLabel('Type of row 2').selectOption('number');
      await page.getByLabel('Value of row 2').fill('3');
      await page.getByRole('button', { name: 'Create contact' }).click();
      await page.waitForURL(/created=1/);
      const id = /contacts\/([0-9a-f-]{36})\?/.exec(page.url())![1]!;
      const created = await stored(project.id, id);
      assert.equal(created.email, 'new.person@example.com');
      assert.equal(created.subscribed, false);
      assert.deepEqual(created.data, { plan: 'pro', seats: 3 });

      await page.goto(`${base}/projects/${project.id}/contacts/new`);
      await page.getByLabel('Email').fill('new.person@EXAMPLE.com');
      await page.getByLabel('Key of row 1').fill('plan');
      await page.getByLabel('Value of row 1').fill('free');
      await page.getByRole('button', { name: 'Create contact' }).click();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /already exists/);
      assert.equal(await page.getByRole('alert').getByRole('link').getAttribute('href'), `/projects/${project.id}/contacts/${id}`);
      assert.deepEqual((await stored(project.id, id)).data, { plan: 'pro', seats: 3 }, 'not merged into');

      await page.getByLabel('Email').fill('not an email');
      await page.getByRole('button', { name: 'Create contact' }).click();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /Email: Invalid email address/);
      assert.equal(await page.getByLabel('Value of row 1').inputValue(), 'free', 'the input is kept');
      assert.deepEqual(problems, []);
    });

    test('deleting a contact asks first', async () => {
      const { project } = await t.project('Deleting');
      const contact = await addContact(t, project.id, 'gone@example.com');
      const { page, problems } = await loggedInPage(browser, base);
      await page.goto(`${base}/projects/${project.id}/contacts/${contact.id}`);
      await page.getByRole('link', { name: 'Delete this contact…' }).click();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Delete gone@example.com?');
      await assertAccessible(page);
      assert.equal((await stored(project.id, contact.id)).email, 'gone@example.com', 'not yet');
      await page.getByRole('button', { name: 'Delete this contact' }).click();
      await page.waitForURL(`${base}/projects/${project.id}/contacts?notice=deleted`);
      assert.equal(await page.getByRole('status').filter({ hasText: 'deleted' }).count(), 1);
      await assert.rejects(contacts.get(project.id, contact.id), /Contact not found/);
      assert.deepEqual(problems, []);
    });

    test("another project's contact, or a malformed id, is the 404 page", async () => {
      const first = await t.project('First');
      const second = await t.project('Second');
      const theirs = await addContact(t, second.project.id, 'theirs@example.com', { secret: 'do not show' });
      const { page } = await loggedInPage(browser, base);
      for (const path of [
        `/projects/${first.project.id}/contacts/${theirs.id}`,
        `/projects/${first.project.id}/contacts/${theirs.id}/delete`,
        `/projects/${first.project.id}/contacts/not-an-id`,
        `/projects/${first.project.id}/contacts/${theirs.id.toUpperCase()}`,
      ]) {
        const response = await page.goto(`${base}${path}`);
        assert.equal(response?.status(), 404, path);
        assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Not found');
        const text = (await page.locator('main').textContent()) ?? '';
        assert.doesNotMatch(text, /theirs@example\.com|do not show/);
      }
      // Nor can a form change it.
      const token = await page.locator('input[name="_csrf"]').first().inputValue();
      const posted = await page.request.post(`${base}/projects/${first.project.id}/contacts/${theirs.id}`, {
        form: { _csrf: token, email: 'stolen@example.com', editor: 'json', json: '{}' },
      });
      assert.equal(posted.status(), 404);
      const deleted = await page.request.post(`${base}/projects/${first.project.id}/contacts/${theirs.id}/delete`, { form: { _csrf: token } });
      assert.equal(deleted.status(), 404);
      assert.equal((await stored(second.project.id, theirs.id)).email, 'theirs@example.com');
    });
  });
}
