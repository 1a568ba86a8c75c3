// Shared by the contacts pages' browser suites: contacts made through the
// domain service, a bulk job awaited through the job service, and a logged-in
// page that records dialogs and console problems.
import assert from 'node:assert/strict';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { ContactService } from '../../src/domain/contacts.js';
import type { DataPatch } from '../../src/domain/data.js';
import { JobService } from '../../src/domain/jobs.js';
import type { JobRecord } from '../../src/domain/store.js';
import type { TestApp } from '../support/app.js';
import { logIn, watchConsole } from '../support/browser.js';

export const HOSTILE_SCRIPT = '<script>alert(1)</script>';
export const HOSTILE_IMG = `"'><img src=x onerror=alert(1)>`;
/** Both payloads in an email's local part (an address holds no spaces: the <img/…> form needs none). */
export const HOSTILE_EMAIL = `${HOSTILE_SCRIPT}"'><img/src=x/onerror=alert(1)>@example.com`;

/** user000 … user(n-1) @example.com, oldest first: plan "pro" for every third, unsubscribed every fourth, n as a number. */
export async function seedUsers(t: TestApp, projectId: string, n: number): Promise<void> {
  const contacts = new ContactService(t.store);
  for (let i = 0; i < n; i++) {
    await contacts.upsert(projectId, {
      email: `user${String(i).padStart(3, '0')}@example.com`,
      subscribed: i % 4 !== 0,
      data: { plan: i % 3 === 0 ? 'pro' : 'free', n: i },
    });
  }
}

export async function addContact(t: TestApp, projectId: string, email: string, data: DataPatch = {}, subscribed = true) {
  return (await new ContactService(t.store).upsert(projectId, { email, data, subscribed })).contact;
}

/** Waits until the worker has finished a bulk job; fails on a failed job. */
export async function waitForBulkJob(t: TestApp, projectId: string, jobId: string, timeoutMs = 20_000): Promise<JobRecord> {
  const jobs = new JobService(t.store);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobs.get(projectId, jobId, 'bulk');
    if (job.state === 'completed') return job;
    assert.notEqual(job.state, 'failed', job.failedReason ?? '');
    if (Date.now() > deadline) throw new Error(`bulk job ${jobId} still ${job.state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface OpenPage {
  page: Page;
  /** Console errors, CSP violations and script errors the page reported. */
  problems: string[];
  /** Every alert/confirm/prompt that opened (none should: contact data is text). */
  dialogs: string[];
}

export async function loggedInPage(browser: Browser, base: string, options: BrowserContextOptions = {}): Promise<OpenPage> {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  const problems = watchConsole(page);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await logIn(page, base);
  return { page, problems, dialogs };
}

/** The "1–50 of 121" line above the list. */
export async function rangeOf(page: Page): Promise<string> {
  return ((await page.locator('.range-summary').textContent()) ?? '').trim();
}

/** The emails of the list's rows, in order. */
export async function emailsOf(page: Page): Promise<string[]> {
  return page.locator('table.contacts td.email a').allTextContents();
}

/** The job id of the bulk job page a bulk action lands on. */
export function jobIdOf(page: Page, projectId: string): string {
  const match = new RegExp(`/projects/${projectId}/jobs/([0-9a-f-]{36})$`).exec(page.url());
  assert.ok(match, `a bulk action lands on its job's page, not ${page.url()}`);
  return match[1]!;
}
