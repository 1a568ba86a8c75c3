// The jobs pages in a real browser (chromium), on both stores: the history of
// imports and bulk jobs, newest first, each list paged with its own cursor;
// a job's page (its counts, its errors, and for an import the failed rows'
// download); another project's job is the 404 page; and live progress: the
// app runs no worker at first, so a job stays queued while its page is
// watched, then a worker is started and jobs.js follows the job to its end
// and reloads the page once. Without JavaScript the page says to refresh.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { JobService } from '../../src/domain/jobs.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/logger.js';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertAccessible, browserSkip, launchBrowser, logIn, serveDashboard, watchConsole } from '../support/browser.js';
import { NEVER_ID } from '../support/contacts.js';
import { uploadCsv } from '../support/jobs.js';

const skip = browserSkip();

for (const kind of storeKinds()) {
  describe(`dashboard: jobs (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    let runner: JobRunner | undefined;
    before(async () => {
      // No worker yet: jobs stay queued until a test starts one.
      t = await startApp(kind);
      base = await serveDashboard(t);
      browser = await launchBrowser();
    });
    after(async () => {
      await runner?.stop();
      await browser?.close();
      await t?.close();
    });

    async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
      const page = await (await browser.newContext(options)).newPage();
      return { page, problems: watchConsole(page) };
    }

    async function queueImport(auth: { authorization: string }, csv: string): Promise<string> {
      const response = await uploadCsv(t, auth, csv);
      assert.equal(response.statusCode, 202, response.body);
      return json<{ jobId: string }>(response).jobId;
    }

    test('the history: imports and bulk jobs newest first, each list paged on its own; a bulk job and its errors', async () => {
      const { page, problems } = await newPage();
      const { project, auth } = await t.project('History');
      const jobs = new JobService(t.store);
      const firstImport = await queueImport(auth, 'email\nfirst@example.com\n');
      const secondImport = await queueImport(auth, 'email\nsecond@example.com\n');
      const firstBulk = await jobs.acceptBulk(project.id, 'unsubscribe', [NEVER_ID]);
      const secondBulk = await jobs.acceptBulk(project.id, 'delete', [NEVER_ID]);
      await logIn(page, base);

      await page.goto(`${base}/projects/${project.id}/jobs`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Jobs');
      const imports = page.getByRole('region', { name: 'Imports' });
      const bulk = page.getByRole('region', { name: 'Bulk jobs' });
      const linksIn = async (region: typeof imports) =>
        (await region.locator('tbody a').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).map((href) => href!.split('/').pop());
      assert.deepEqual(await linksIn(imports), [secondImport, firstImport]);
      assert.deepEqual(await linksIn(bulk), [secondBulk, firstBulk]);
      assert.match(await imports.textContent() ?? '', /Queued/);
      await assertAccessible(page);

      // A page of one: each list has its own Older link, which keeps the other list where it is.
      await page.goto(`${base}/projects/${project.id}/jobs?limit=1`);
      assert.deepEqual(await linksIn(imports), [secondImport]);
      await bulk.getByRole('link', { name: 'Older bulk jobs' }).click();
      assert.deepEqual(await linksIn(bulk), [firstBulk]);
      assert.deepEqual(await linksIn(imports), [secondImport]);
      await imports.getByRole('link', { name: 'Older imports' }).click();
      assert.deepEqual(await linksIn(imports), [firstImport]);
      assert.deepEqual(await linksIn(bulk), [firstBulk], 'the bulk list stayed on its page');
      assert.equal(await imports.getByRole('link', { name: 'Older imports' }).count(), 0);
      await imports.getByRole('link', { name: 'Newest' }).click();
      assert.deepEqual(await linksIn(imports), [secondImport]);
      assert.deepEqual(await linksIn(bulk), [firstBulk]);

      // A bulk job once run: its counts and errors, and no download.
      runner = new JobRunner({ store: t.store, logger: createLogger('silent'), pollMs: 50, leaseMs: 5000, waitBeforeYieldMs: 0 });
      runner.start();
      await page.goto(`${base}/projects/${project.id}/jobs/${firstBulk}`);
      await page.locator('[data-state]', { hasText: 'Completed' }).waitFor({ timeout: 30_000 });
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), `Bulk unsubscribe ${firstBulk}`);
      assert.equal(await page.locator('[data-count="totalRequested"]').textContent(), '1');
      assert.equal(await page.locator('[data-count="successCount"]').textContent(), '0');
      assert.equal(await page.locator('[data-count="unchangedCount"]').textContent(), '0');
      assert.equal(await page.locator('[data-count="failureCount"]').textContent(), '1');
      assert.match(await page.locator('main table').textContent() ?? '', new RegExp(`${NEVER_ID}\\s*Contact not found`));
      assert.equal(await page.getByRole('link', { name: 'Download failed rows' }).count(), 0);
      await assertAccessible(page);
      const csv = await page.goto(`${base}/projects/${project.id}/jobs/${firstBulk}/errors.csv`);
      assert.equal(csv?.status(), 404, 'a bulk job has no errors.csv');
      await runner.stop();
      runner = undefined;
      assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
    });

    test("another project's job, and an id that is no job, are the 404 page", async () => {
      const { page } = await newPage();
      const mine = await t.project('Mine');
      const theirs = await t.project('Theirs');
      const theirJob = await queueImport(theirs.auth, 'email\nsecret@example.com\n');
      await logIn(page, base);
      for (const path of [`/jobs/${theirJob}`, `/jobs/${theirJob}.json`, `/jobs/${theirJob}/errors.csv`, `/jobs/${NEVER_ID}`, '/jobs/not-an-id']) {
        const response = await page.goto(`${base}/projects/${mine.project.id}${path}`);
        assert.equal(response?.status(), 404, path);
        assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Not found', path);
        assert.doesNotMatch(await page.content(), /secret@example\.com/);
      }
      await assertAccessible(page);
      const own = await page.goto(`${base}/projects/${theirs.project.id}/jobs/${theirJob}`);
      assert.equal(own?.status(), 200);
    });

    test('live progress: the page follows a queued job to its end and reloads once; without JavaScript it says to refresh', async () => {
      const { page, problems } = await newPage();
      const { project, auth } = await t.project('Live');
      const rows = Array.from({ length: 300 }, (_, i) => `live${i}@example.com,${i}`);
      const jobId = await queueImport(auth, ['email,n', ...rows, 'broken,1'].join('\n'));
      const jobUrl = `${base}/projects/${project.id}/jobs/${jobId}`;
      await logIn(page, base);

      // Without JavaScript: a hint to refresh, and the job as it is.
      const plain = await newPage({ javaScriptEnabled: false });
      await logIn(plain.page, base);
      await plain.page.goto(jobUrl);
      assert.equal(await plain.page.locator('[data-state]').textContent(), 'Queued');
      assert.ok(await plain.page.getByText('Refresh the page for progress.').isVisible());

      let loads = 0;
      page.on('load', () => loads++);
      await page.goto(jobUrl);
      assert.equal(await page.locator('[data-state]').textContent(), 'Queued');
      assert.equal(await page.locator('progress#job-progress').getAttribute('value'), '0');
      assert.equal(await page.getByText('Refresh the page for progress.').count(), 0, 'the hint is for pages without JavaScript');
      assert.ok(await page.getByText('This page follows the job as it runs.').isVisible());
      await assertAccessible(page);
      // jobs.js asks for the job's JSON (behind the session) every second.
      const polled = await page.waitForResponse((r) => r.url() === `${jobUrl}.json`);
      const status = await polled.json();
      assert.deepEqual(status, {
        id: jobId,
        state: 'queued',
        stateName: 'Queued',
        finished: false,
        progress: 0,
        counts: { totalRows: 301, processedRows: 0, createdCount: 0, updatedCount: 0, keptUnsubscribedCount: 0, failureCount: 0 },
        failedReason: null,
      });
      assert.equal((await fetch(`${jobUrl}.json`, { redirect: 'manual' })).status, 303, 'no session, no status');

      runner = new JobRunner({ store: t.store, logger: createLogger('silent'), pollMs: 50, leaseMs: 5000, waitBeforeYieldMs: 0 });
      runner.start();
      await page.getByRole('link', { name: 'Download failed rows' }).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-state]').textContent(), 'Completed');
      assert.equal(await page.locator('[data-count="createdCount"]').textContent(), '300');
      assert.equal(await page.locator('[data-count="failureCount"]').textContent(), '1');
      assert.equal(await page.locator('[data-progress-text]').textContent(), '100%');
      await assertAccessible(page);
      // Reloaded once; the finished page polls no more.
      let laterPolls = 0;
      page.on('request', (request) => {
        if (request.url().endsWith('.json')) laterPolls++;
      });
      await page.waitForTimeout(2500);
      assert.equal(loads, 2, 'the first load and one reload');
      assert.equal(laterPolls, 0);

      await plain.page.reload();
      assert.equal(await plain.page.locator('[data-state]').textContent(), 'Completed');
      assert.equal(await plain.page.getByText('Refresh the page for progress.').count(), 0);
      await runner.stop();
      runner = undefined;
      assert.deepEqual(problems, []);
    });
  });
}
