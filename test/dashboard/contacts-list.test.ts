// The contacts list in a real browser (chromium), on both stores: search and
// filters (email, status, data, dates) with their counts, cursor paging both
// ways, the empty states, the export of the current filter, selection across
// pages with "Select all N matching" and bulk jobs (run by the worker, checked
// in the store), the typed confirmation of a large delete, the same without
// JavaScript, hostile contact data shown as text, and axe.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ContactService } from '../../src/domain/contacts.js';
import { storeKinds, type TestApp } from '../support/app.js';
import { assertAccessible, browserSkip, dashboardPerSuite } from '../support/browser.js';
import {
  HOSTILE_EMAIL,
  HOSTILE_IMG,
  HOSTILE_SCRIPT,
  addContact,
  emailsOf,
  jobIdOf,
  loggedInPage,
  rangeOf,
  seedUsers,
  waitForBulkJob,
} from './contacts-fixtures.js';

const skip = browserSkip();

for (const kind of storeKinds()) {
  describe(`dashboard: the contacts list (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    dashboardPerSuite(kind, (suite) => ({ t, base, browser } = suite), { worker: true });

    async function emailsMatching(projectId: string, search: string) {
      const found = await new ContactService(t.store).list(projectId, { search, limit: 100 });
      return { total: found.total, contacts: found.contacts };
    }

    test('search and filters by status, data and dates, with their counts; paging Next and Previous', async () => {
      const { project } = await t.project('Listing');
      await seedUsers(t, project.id, 120);
      await addContact(t, project.id, 'ada@example.com', { plan: 'pro', seats: 5 });
      const { page, problems } = await loggedInPage(browser, base);
      const list = `${base}/projects/${project.id}/contacts`;

      await page.goto(list);
      assert.equal(await rangeOf(page), '1–50 of 121');
      assert.equal((await emailsOf(page)).length, 50);
      assert.equal((await emailsOf(page))[0], 'ada@example.com', 'newest first');
      await assertAccessible(page);

      // The search submits itself once typing stops.
      await page.getByLabel('Email contains').pressSequentially('user01', { delay: 20 });
      await page.waitForURL(/search=user01$/);
      assert.equal(await rangeOf(page), '1–10 of 10');
      assert.deepEqual(await emailsOf(page), Array.from({ length: 10 }, (_, i) => `user01${9 - i}@example.com`));
      assert.equal(await page.getByLabel('Email contains').inputValue(), 'user01');
      assert.equal(await page.evaluate('document.activeElement.id'), 'filter-search', 'the search keeps the focus');

      // Status and a data filter, from the form: the URL says it the API's way.
      await page.goto(list);
      await page.getByLabel('Status').selectOption('Unsubscribed');
      await page.getByText('Data and dates').click();
      await page.getByLabel('Data key 1').fill('plan');
      await page.getByLabel('Data value 1').fill('pro');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.waitForURL(`${list}?subscribed=false&data.plan=pro`);
      assert.equal(await rangeOf(page), '1–10 of 10', 'every twelfth user: pro and unsubscribed');
      assert.equal(await page.locator('.badge.subscribed').count(), 0);
      assert.equal(await page.getByLabel('Data key 1').inputValue(), 'plan', 'the form shows the filter');

      // A number matches the number; an empty value matches every contact with the key.
      await page.goto(`${list}?data.n=5`);
      assert.deepEqual(await emailsOf(page), ['user005@example.com']);
      await page.goto(`${list}?data.seats=`);
      assert.deepEqual(await emailsOf(page), ['ada@example.com']);

      // Dates are UTC datetime-local values, turned into instants.
      await page.goto(list);
      await page.getByText('Data and dates').click();
      await page.getByLabel('Created before').fill('2001-02-03T04:05:06');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.waitForURL(`${list}?createdBefore=2001-02-03T04%3A05%3A06.000Z`);
      assert.equal(await page.getByRole('heading', { name: 'No contacts match' }).count(), 1);
      await page.locator('.no-results').getByRole('link', { name: 'Clear filters' }).click();
      await page.waitForURL(list);
      await page.goto(`${list}?createdAfter=2001-02-03T04:05:06Z&updatedBefore=2999-01-01T00:00:00Z`);
      assert.equal(await rangeOf(page), '1–50 of 121');
      assert.equal(await page.getByLabel('Created after').inputValue(), '2001-02-03T04:05:06');

      // A bad filter is a notice, not a crash.
      const bad = await page.goto(`${list}?createdAfter=yesterday`);
      assert.equal(bad?.status(), 400);
      assert.match((await page.getByRole('alert').textContent()) ?? '', /Created after: Must be an ISO 8601 instant/);
      await page.goto(`${list}?data.plan=a&data.plan=b`);
      assert.match((await page.getByRole('alert').textContent()) ?? '', /given twice/);
      await page.goto(`${list}?cursor=not-a-cursor&page=2`);
      assert.match((await page.getByRole('alert').textContent()) ?? '', /cursor is invalid/);

      // Paging: Next twice, then Previous twice, back to the first page.
      await page.goto(list);
      const seen: string[] = [...(await emailsOf(page))];
      await page.getByRole('link', { name: 'Next' }).click();
      await page.waitForURL(/cursor=/);
      assert.equal(await rangeOf(page), '51–100 of 121');
      assert.match(page.url(), /total=121/, 'the first page\'s total rides along');
      seen.push(...(await emailsOf(page)));
      await page.getByRole('link', { name: 'Next' }).click();
      await page.waitForURL(/page=3/);
      assert.equal(await rangeOf(page), '101–121 of 121');
      seen.push(...(await emailsOf(page)));
      assert.equal(await page.getByRole('link', { name: 'Next' }).count(), 0, 'no Next on the last page');
      assert.equal(new Set(seen).size, 121, 'every contact once');
      const third = await emailsOf(page);
      await page.getByRole('link', { name: 'Previous' }).click();
      await page.waitForURL(/page=2/);
      assert.equal(await rangeOf(page), '51–100 of 121');
      assert.deepEqual(await emailsOf(page), seen.slice(50, 100));
      await page.getByRole('link', { name: 'Next' }).click();
      assert.deepEqual(await emailsOf(page), third);
      await page.getByRole('link', { name: 'Previous' }).click();
      await page.getByRole('link', { name: 'Previous' }).click();
      await page.waitForURL(list);
      assert.equal(await rangeOf(page), '1–50 of 121');

      // Paging keeps the filter.
      await page.goto(`${list}?search=user`);
      await page.getByRole('link', { name: 'Next' }).click();
      assert.equal(await rangeOf(page), '51–100 of 120');
      assert.match(page.url(), /search=user/);
      assert.deepEqual(problems, []);
    });

    test('a list page reads one page of contacts, and counts only on the first page', async () => {
      const { project } = await t.project('Bounded');
      await seedUsers(t, project.id, 60);
      const { page, problems } = await loggedInPage(browser, base);
      const store = t.store.contacts;
      const calls: string[] = [];
      const { listPage, count, scan, dataKeys } = store;
      Object.assign(store, {
        listPage: (projectId: string, query: { limit: number }, bound?: string) => {
          if (projectId === project.id) calls.push(`listPage ${query.limit} ${bound ?? 'request'}`);
          return listPage.call(store, projectId, query as never, bound as never);
        },
        count: (...args: Parameters<typeof count>) => {
          if (args[0] === project.id) calls.push('count');
          return count.apply(store, args);
        },
        scan: (...args: Parameters<typeof scan>) => {
          if (args[0] === project.id) calls.push('scan');
          return scan.apply(store, args);
        },
        dataKeys: (...args: Parameters<typeof dataKeys>) => {
          if (args[0] === project.id) calls.push('dataKeys');
          return dataKeys.apply(store, args);
        },
      });
      try {
        await page.goto(`${base}/projects/${project.id}/contacts?data.plan=pro`);
        assert.deepEqual(calls.splice(0), ['listPage 51 request', 'count'], 'the first page: one page and the service\'s total');
        await page.goto(`${base}/projects/${project.id}/contacts`);
        calls.splice(0);
        await page.getByRole('link', { name: 'Next' }).click();
        await page.waitForURL(/page=2/);
        assert.equal(await rangeOf(page), '51–60 of 60');
        assert.deepEqual(calls.splice(0), ['listPage 51 request'], 'a later page counts nothing');
        await page.getByRole('link', { name: 'Previous' }).click();
        await page.waitForURL(`${base}/projects/${project.id}/contacts`);
        assert.deepEqual(calls.splice(0), ['listPage 51 request', 'count']);
      } finally {
        Object.assign(store, { listPage, count, scan, dataKeys });
      }
      assert.deepEqual(problems, []);
    });

    test('empty states: a first run, and a filter that matches nothing', async () => {
      const { project } = await t.project('Empty');
      const { page, problems } = await loggedInPage(browser, base);
      await page.goto(`${base}/projects/${project.id}/contacts`);
      assert.equal(await page.getByRole('heading', { name: 'No contacts yet' }).count(), 1);
      assert.equal(await page.locator('.first-run').getByRole('link', { name: 'Import a CSV' }).getAttribute('href'), `/projects/${project.id}/import`);
      assert.equal(await page.locator('.first-run').getByRole('link', { name: 'Add a contact' }).getAttribute('href'), `/projects/${project.id}/contacts/new`);
      await assertAccessible(page);

      await addContact(t, project.id, 'solo@example.com');
      await page.goto(`${base}/projects/${project.id}/contacts?search=nobody`);
      assert.equal(await page.getByRole('heading', { name: 'No contacts match' }).count(), 1);
      await page.locator('.no-results').getByRole('link', { name: 'Clear filters' }).click();
      assert.deepEqual(await emailsOf(page), ['solo@example.com']);
      assert.deepEqual(problems, []);
    });

    test('the export downloads the current filter as CSV and NDJSON', async () => {
      const { project } = await t.project('Export');
      await seedUsers(t, project.id, 30);
      const { page, problems } = await loggedInPage(browser, base);
      await page.goto(`${base}/projects/${project.id}/contacts?data.plan=pro`);
      assert.equal(await rangeOf(page), '1–10 of 10');

      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV', exact: true }).click()]);
      assert.match(csv.suggestedFilename(), /^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
      const lines = (await readFile((await csv.path())!, 'utf8')).split('\r\n');
      assert.equal(lines[0], 'email,subscribed,createdAt,updatedAt,n,plan');
      assert.equal(lines.at(-1), '', 'the file ends with a line break: complete');
      const rows = lines.slice(1, -1);
      assert.equal(rows.length, 10);
      assert.match(rows[0]!, /^user027@example\.com,true,[^,]+,[^,]+,27,pro$/);

      const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'NDJSON' }).click()]);
      assert.match(ndjson.suggestedFilename(), /\.ndjson$/);
      const contacts = (await readFile((await ndjson.path())!, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      assert.equal(contacts.length, 10);
      assert.ok(contacts.every((c) => c.data.plan === 'pro' && typeof c.data.n === 'number'));

      const response = await page.request.get(`${base}/projects/${project.id}/contacts/export?format=ndjson&subscribed=false`);
      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-disposition']!, /^attachment; filename="contacts-/);
      assert.equal((await response.text()).trim().split('\n').length, 8, 'users 0, 4, … 28');
      const wrong = await page.request.get(`${base}/projects/${project.id}/contacts/export?format=xml`);
      assert.equal(wrong.status(), 400);
      assert.deepEqual(problems, []);
    });

    test('select all matching, leave one out on each of two pages, then unsubscribe: the job acts on the rest', async () => {
      const { project } = await t.project('Bulk');
      await seedUsers(t, project.id, 120);
      await addContact(t, project.id, 'ada@example.com');
      const { page, problems } = await loggedInPage(browser, base);
      await page.goto(`${base}/projects/${project.id}/contacts?search=user`);
      assert.equal(await rangeOf(page), '1–50 of 120');

      await page.getByLabel('Select all 120 matching').check();
      assert.equal(await page.getByRole('status').filter({ hasText: 'matching' }).textContent(), 'All 120 matching selected');
      assert.equal(await page.getByLabel('Select user100@example.com').isChecked(), true, 'every row is ticked');
      await page.getByLabel('Select user119@example.com').uncheck();
      await page.getByRole('link', { name: 'Next' }).click();
      await page.waitForURL(/page=2/);
      assert.equal(await page.getByLabel('Select all 120 matching').isChecked(), true, 'the selection is kept across pages');
      await page.getByLabel('Select user069@example.com').uncheck();
      assert.equal(await page.getByRole('status').filter({ hasText: 'matching' }).textContent(), 'All 120 matching selected, but 2 left out');
      await page.getByRole('button', { name: 'Unsubscribe selected' }).click();
      await page.waitForURL(/\/jobs\//);

      const job = await waitForBulkJob(t, project.id, jobIdOf(page, project.id));
      assert.equal(job.type, 'bulk-unsubscribe');
      const payload = JSON.parse(job.payloadJson);
      assert.equal(payload.filter.search, 'user');
      assert.equal(payload.filter.excludeIds.length, 2);
      const { contacts } = await emailsMatching(project.id, 'user');
      const subscribed = contacts.filter((c) => c.subscribed).map((c) => c.email).sort();
      assert.deepEqual(subscribed, ['user069@example.com', 'user119@example.com']);
      assert.equal((await new ContactService(t.store).list(project.id, { email: 'ada@example.com', limit: 1 })).contacts[0]!.subscribed, true, 'outside the filter: untouched');

      // The selection was used up: the list starts with nothing selected.
      await page.goto(`${base}/projects/${project.id}/contacts?search=user`);
      assert.equal(await page.getByLabel('Select all 120 matching').isChecked(), false);
      assert.deepEqual(problems, []);
    });

    test('deleting more than 100 needs the number typed; the server checks it', async () => {
      const { project } = await t.project('Delete');
      await seedUsers(t, project.id, 120);
      await addContact(t, project.id, 'ada@example.com');
      const { page, problems } = await loggedInPage(browser, base);

      // Without a filter, "all matching" is every contact: the job is told {all: true}.
      await page.goto(`${base}/projects/${project.id}/contacts?search=user`);
      await page.getByLabel('Select all 120 matching').check();
      await page.getByRole('button', { name: 'Delete selected…' }).click();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Delete 120 contacts?');
      await assertAccessible(page);
      await page.getByLabel(/type the number of contacts to delete/).fill('12');
      await page.getByRole('button', { name: 'Delete 120 contacts' }).click();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /Nothing was deleted: to delete 120 contacts, type 120/);
      assert.equal((await emailsMatching(project.id, 'user')).total, 120, 'nothing deleted');

      // A form posted without the confirmation is refused too (the check is the server's).
      const token = await page.locator('input[name="_csrf"]').first().inputValue();
      const forged = await page.request.post(`${base}/projects/${project.id}/contacts/bulk`, {
        form: { _csrf: token, operation: 'delete', filter: 'search=user', all: '1', confirm: '99' },
      });
      assert.equal(forged.status(), 400);
      assert.equal((await emailsMatching(project.id, 'user')).total, 120);

      await page.getByLabel(/type the number of contacts to delete/).fill('120');
      await page.getByRole('button', { name: 'Delete 120 contacts' }).click();
      await page.waitForURL(/\/jobs\//);
      const job = await waitForBulkJob(t, project.id, jobIdOf(page, project.id));
      assert.equal(job.type, 'bulk-delete');
      assert.equal((await emailsMatching(project.id, 'user')).total, 0);
      assert.equal((await emailsMatching(project.id, 'ada')).total, 1, 'outside the filter: kept');

      // No filter at all: "all matching" goes to the job as {all: true}.
      await page.goto(`${base}/projects/${project.id}/contacts`);
      await page.getByLabel('Select all 1 matching').check();
      await page.getByRole('button', { name: 'Subscribe selected', exact: true }).click();
      await page.waitForURL(/\/jobs\//);
      const everyone = await waitForBulkJob(t, project.id, jobIdOf(page, project.id));
      assert.deepEqual(JSON.parse(everyone.payloadJson), { filter: {} });
      assert.deepEqual(problems, []);
    });

    test('without JavaScript, ticking rows and pressing an action works', async () => {
      const { project } = await t.project('No script');
      await seedUsers(t, project.id, 8);
      const { page } = await loggedInPage(browser, base, { javaScriptEnabled: false });
      await page.goto(`${base}/projects/${project.id}/contacts`);
      // user000 and user004 are unsubscribed.
      await page.getByLabel('Select user000@example.com').check();
      await page.getByLabel('Select user004@example.com').check();
      await page.getByRole('button', { name: 'Subscribe selected', exact: true }).click();
      await page.waitForURL(/\/jobs\//);
      await waitForBulkJob(t, project.id, jobIdOf(page, project.id));
      const all = await new ContactService(t.store).list(project.id, { subscribed: false, limit: 10 });
      assert.equal(all.total, 0, 'both subscribed now');

      await page.goto(`${base}/projects/${project.id}/contacts`);
      await page.getByRole('button', { name: 'Delete selected…' }).click();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /No contact was selected/);
    });

    test('hostile contact data shows as text, in the list and on the contact page', async () => {
      const { project } = await t.project('Hostile');
      const hostile = await addContact(t, project.id, HOSTILE_EMAIL, {
        [HOSTILE_SCRIPT]: HOSTILE_IMG,
        [HOSTILE_IMG]: HOSTILE_SCRIPT,
        nested: { [HOSTILE_IMG]: [HOSTILE_SCRIPT] },
      });
      const { page, problems, dialogs } = await loggedInPage(browser, base);
      await page.goto(`${base}/projects/${project.id}/contacts`);
      assert.deepEqual(await emailsOf(page), [HOSTILE_EMAIL]);
      assert.match((await page.locator('td.preview').textContent()) ?? '', /<img src=x onerror=alert\(1\)>/);
      assert.equal(await page.locator('main img, main script').count(), 0);
      await assertAccessible(page);
      await page.getByLabel('Email contains').fill('onerror');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.waitForURL(/search=onerror/);
      assert.deepEqual(await emailsOf(page), [HOSTILE_EMAIL], 'found by its text');

      await page.getByRole('link', { name: HOSTILE_EMAIL }).click();
      await page.waitForURL(`${base}/projects/${project.id}/contacts/${hostile.id}`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), HOSTILE_EMAIL);
      assert.equal(await page.title(), `${HOSTILE_EMAIL} · Hostile · Rolodex`);
      assert.equal(await page.getByLabel('Email').inputValue(), HOSTILE_EMAIL);
      assert.equal(await page.getByLabel('Key of row 1').inputValue(), HOSTILE_SCRIPT);
      assert.equal(await page.getByLabel('Value of row 1').inputValue(), HOSTILE_IMG);
      assert.equal(await page.getByLabel('Key of row 2').inputValue(), HOSTILE_IMG);
      assert.equal(await page.locator('main img, main script').count(), 0);
      await page.getByRole('link', { name: 'Edit as JSON' }).click();
      assert.deepEqual(JSON.parse(await page.getByLabel('Data as JSON').inputValue()), JSON.parse(hostile.dataJson));
      await assertAccessible(page);

      // Saved unchanged, it stays exactly as it was.
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/saved=1/);
      const after = await new ContactService(t.store).get(project.id, hostile.id);
      assert.deepEqual(JSON.parse(after.dataJson), JSON.parse(hostile.dataJson));
      assert.equal(after.email, hostile.email);
      assert.deepEqual(dialogs, [], 'no script ran');
      assert.deepEqual(problems, []);
    });
  });
}
