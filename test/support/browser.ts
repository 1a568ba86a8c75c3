// A real browser for the dashboard's tests: Debian's chromium driven by
// playwright-core (`npx playwright install` cannot download here; .ci/run
// installs chromium with apt when it is missing). Without a browser the
// dashboard suites are skipped with a message saying so, and under CI they fail.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AdminService } from '../../src/domain/admins.js';
import { after, before } from 'node:test';
import { startApp, type StartOptions, type StoreKind, type TestApp } from './app.js';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const chromiumPath = CANDIDATES.find((path): path is string => Boolean(path) && existsSync(path!));

/** Why the browser suites cannot run here, or undefined when they can. Under CI a missing browser is a failure, not a skip. */
export function browserSkip(): string | undefined {
  if (chromiumPath) return undefined;
  if (process.env.CI) throw new Error('No chromium found (set CHROMIUM_PATH, or apt-get install chromium): the dashboard suite must run in CI');
  return 'no chromium on this machine (apt-get install chromium, or set CHROMIUM_PATH): the dashboard browser suite did not run';
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export const OPERATOR = { email: 'operator@example.com', password: 'a long enough password' };

/** Serves the test app on a real port and makes the operator; returns the base URL. */
export async function serveDashboard(t: TestApp): Promise<string> {
  await new AdminService(t.store).create(OPERATOR.email, OPERATOR.password).catch(() => undefined);
  return t.app.listen({ port: 0, host: '127.0.0.1' });
}

export async function logIn(page: Page, base: string, who = OPERATOR): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Projects');
}

/** axe-core on the current page: no serious or critical violation. */
export async function assertAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe on ${page.url()}`,
  );
}

/** Fails the test on any console error or CSP violation the page reports. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // A page answered 401 or 404 on purpose is logged as a failed load; anything else (a CSP violation, a script error) is a problem.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

export interface DashboardSuite {
  t: TestApp;
  base: string;
  browser: Browser;
}

/**
 * The before/after hooks of a dashboard suite: an app on `kind` served on a
 * real port with its operator, and a browser; handed to `ready` once they
 * exist, closed after the suite.
 */
export function dashboardPerSuite(kind: StoreKind, ready: (suite: DashboardSuite) => void, options: StartOptions = {}): void {
  let suite: Partial<DashboardSuite> = {};
  before(async () => {
    const t = await startApp(kind, options);
    suite = { t, base: await serveDashboard(t), browser: await launchBrowser() };
    ready(suite as DashboardSuite);
  });
  after(async () => {
    await suite.browser?.close();
    await suite.t?.close();
  });
}
