// The whole path of the "done when", in a real browser, as someone
// who has never used Rolodex would take it: log in, import a real export
// (Mailchimp's, with one broken address), download the failed row, fix it and
// import it again, find the contacts with a given rating, unsubscribe them
// all, and export the rest. Every count is checked through the API.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { storeKinds, type TestApp } from '../support/app.js';
import { assertAccessible, browserSkip, dashboardPerSuite, logIn, watchConsole } from '../support/browser.js';

const skip = browserSkip();

for (const kind of storeKinds()) {
  describe(`dashboard: a newcomer's first session (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    dashboardPerSuite(kind, (suite) => ({ t, base, browser } = suite), { worker: true });

    test('import a Mailchimp export, fix its failed row, unsubscribe everyone rated 5, export the rest', async () => {
      const created = await t.project('Newsletter');
      const api = async (path: string) => (await fetch(`${base}${path}`, { headers: created.auth })).json() as Promise<any>;
      const audience = (await readFile(new URL('../fixtures/imports/mailchimp-audience.csv', import.meta.url), 'utf8'))
        .replace('"ada.lovelace0@example.com"', '"ada.lovelace0@example"');
      const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
      const problems = watchConsole(page);
      await logIn(page, base);
      await page.getByRole('link', { name: 'Newsletter' }).click();
      assert.equal(await page.getByRole('heading', { name: 'No contacts yet' }).count(), 1);
      await page.getByRole('link', { name: 'Import a CSV' }).first().click();

      const importFile = async (name: string, content: string) => {
        await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
        await page.getByRole('button', { name: 'Upload and preview' }).click();
        await page.getByRole('button', { name: 'Start import' }).waitFor();
        await assertAccessible(page);
        await page.getByRole('button', { name: 'Start import' }).click();
        await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
        await page.locator('[data-state]').filter({ hasText: 'Completed' }).waitFor({ timeout: 30_000 });
      };

      await importFile('members_export.csv', audience);
      assert.equal(await page.locator('[data-count="createdCount"]').textContent(), '59');
      assert.equal(await page.locator('[data-count="failureCount"]').textContent(), '1');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download failed rows' }).click()]);
      const failed = await readFile(await download.path(), 'utf8');
      const [header, row] = failed.trim().split(/\r?\n/);
      assert.match(header!, /^row,error,"?Email Address"?,/);
      assert.match(row!, /^2,Invalid email address,"?ada\.lovelace0@example"?,/);

      // Fixed as the errors file says: drop its first two columns, correct the cell, import it again.
      const fixed = [header, row].map((line) => line!.split(',').slice(2).join(',')).join('\n').replace('ada.lovelace0@example', 'ada.lovelace0@example.com');
      await page.getByRole('link', { name: 'Import' }).first().click();
      await importFile('fixed.csv', fixed);
      assert.equal(await page.locator('[data-count="createdCount"]').textContent(), '1');
      assert.equal((await api('/contacts?limit=1')).total, 60);

      // Everyone rated 5: find them, select all that match, unsubscribe them.
      await page.getByRole('link', { name: 'Contacts' }).click();
      await page.getByText('Data and dates').click();
      await page.getByLabel('Data key 1').fill('MEMBER_RATING');
      await page.getByLabel('Data value 1').fill('5');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.getByLabel('Select all 12 matching').check();
      await page.getByRole('button', { name: 'Unsubscribe selected' }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      await page.locator('[data-state]').filter({ hasText: 'Completed' }).waitFor({ timeout: 30_000 });
      assert.equal((await api('/contacts?limit=1&subscribed=false')).total, 12);
      assert.equal((await api('/contacts?limit=1&subscribed=false&data.MEMBER_RATING=5')).total, 12);

      // The rest, exported.
      await page.goto(`${base}/projects/${created.project.id}/contacts?subscribed=true`);
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV', exact: true }).click()]);
      const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\r\n');
      assert.equal(lines.length, 1 + 48);
      assert.match(lines[0]!, /^email,subscribed,createdAt,updatedAt,/);
      assert.ok(lines.slice(1).every((line) => line.split(',')[1] === 'true'));
      assert.deepEqual(problems, []);
    });
  });
}
