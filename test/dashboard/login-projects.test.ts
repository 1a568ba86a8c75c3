// The dashboard in a real browser (chromium): logging in and out (every
// session ends), the throttle on failed logins, projects and their keys
// (shown once, revoked after a confirmation, revocation effective on the
// API at once), the security headers, and axe on every page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { storeKinds, type TestApp } from '../support/app.js';
import { assertAccessible, browserSkip, dashboardPerSuite, logIn, OPERATOR, watchConsole } from '../support/browser.js';

const skip = browserSkip();

for (const kind of storeKinds()) {
  describe(`dashboard: login, projects and keys (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    dashboardPerSuite(kind, (suite) => ({ t, base, browser } = suite));

    async function newPage(): Promise<{ page: Page; problems: string[] }> {
      const page = await (await browser.newContext()).newPage();
      return { page, problems: watchConsole(page) };
    }

    test('the login page, a wrong password, a login, and logout everywhere', async () => {
      const { page, problems } = await newPage();
      const response = await page.goto(`${base}/projects/${'0'.repeat(8)}-0000-7000-8000-000000000000`);
      assert.equal(response?.status(), 200);
      assert.match(page.url(), /\/\?next=/, 'a page without a session asks for a login first');
      await assertAccessible(page);
      await page.getByLabel('Email').fill(OPERATOR.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Log in' }).click();
      assert.match(await page.getByRole('alert').textContent() ?? '', /do not match/);

      await logIn(page, base);
      const cookies = await page.context().cookies();
      const session = cookies.find((cookie) => cookie.name === 'rolodex_session');
      assert.ok(session);
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      await assertAccessible(page);

      // A second browser logged in as the same operator is logged out too.
      const other = await newPage();
      await logIn(other.page, base);
      await page.getByRole('button', { name: 'Log out everywhere' }).click();
      await page.waitForURL(`${base}/`);
      await other.page.goto(`${base}/`);
      assert.equal(await other.page.getByRole('heading', { level: 1 }).textContent(), 'Log in to Rolodex');
      assert.deepEqual(problems, []);
    });

    test('pages carry a strict CSP, refuse framing, and are not cached', async () => {
      const { page } = await newPage();
      const response = await page.goto(`${base}/`);
      const headers = response!.headers();
      assert.match(headers['content-security-policy']!, /script-src 'self'/);
      assert.match(headers['content-security-policy']!, /frame-ancestors 'none'/);
      assert.doesNotMatch(headers['content-security-policy']!, /unsafe-inline/);
      assert.equal(headers['x-frame-options'], 'DENY');
      assert.equal(headers['cache-control'], 'no-store');
    });

    test('a project is created with its keys shown once; a key is created, then revoked after a confirmation, and stops working at once', async () => {
      const { page, problems } = await newPage();
      await logIn(page, base);
      await page.getByLabel('New project').fill('Acme <script>alert(1)</script>');
      await page.getByRole('button', { name: 'Create project' }).click();
      const secret = await page.getByLabel('Secret key').inputValue();
      assert.match(secret, /^sk_/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Settings and keys');
      await assertAccessible(page);
      const projectUrl = base + (await page.getByRole('link', { name: 'Settings and keys' }).getAttribute('href'));

      const api = await fetch(`${base}/contacts`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(api.status, 200, 'the key shown works on the API');

      await page.goto(projectUrl);
      assert.equal(await page.getByLabel('Secret key').count(), 0, 'a key is never shown again');
      await page.getByRole('link', { name: /Revoke/ }).first().click();
      await assertAccessible(page);
      await page.getByRole('button', { name: /Revoke/ }).click();
      const revoked = await fetch(`${base}/contacts`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(revoked.status, 401, 'revoked at once');

      await page.getByRole('button', { name: 'Create key' }).click();
      assert.match(await page.getByLabel('New secret key').inputValue(), /^sk_/);
      await page.goto(`${base}/`);
      assert.ok(await page.getByRole('link', { name: 'Acme <script>alert(1)</script>' }).isVisible(), 'the name shows as text');
      assert.deepEqual(problems, []);
    });

    test('a form without its CSRF token, or from another site, is refused', async () => {
      const { page } = await newPage();
      await logIn(page, base);
      const cookie = (await page.context().cookies()).find((c) => c.name === 'rolodex_session')!;
      const post = (headers: Record<string, string>, body: string) =>
        fetch(`${base}/projects`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: `rolodex_session=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body,
        });
      assert.equal((await post({}, 'name=forged')).status, 403);
      const token = await page.locator('input[name="_csrf"]').first().inputValue();
      assert.equal((await post({ origin: 'https://evil.example' }, `name=forged&_csrf=${token}`)).status, 403);
      assert.equal((await post({}, `name=genuine&_csrf=${token}`)).status, 201);
    });

    test('failed logins are throttled per account', async () => {
      const { page } = await newPage();
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${base}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `email=throttled%40example.com&password=wrong${i}`,
        });
        assert.equal(response.status, 401);
      }
      await page.goto(`${base}/`);
      await page.getByLabel('Email').fill('throttled@example.com');
      await page.getByLabel('Password').fill('whatever it is');
      await page.getByRole('button', { name: 'Log in' }).click();
      assert.match(await page.getByRole('alert').textContent() ?? '', /Too many failed logins/);
    });
  });
}
