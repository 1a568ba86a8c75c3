// The dashboard with the keyboard alone (chromium): log in, reach a
// project's contacts, filter them, open a contact and change it, moving only
// with Tab and pressing Enter and Space, as someone who cannot use a mouse would.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ContactService } from '../../src/domain/contacts.js';
import { storeKinds, type TestApp } from '../support/app.js';
import { browserSkip, dashboardPerSuite, OPERATOR, watchConsole } from '../support/browser.js';

const skip = browserSkip();

/** Presses Tab until the focused element matches `accessibleName` (at most 60 times). */
async function tabTo(page: Page, role: string, name: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    // A string: the page's DOM is not in this project's TypeScript library.
    const focused = (await page.evaluate(`(() => {
      const el = document.activeElement;
      if (!el) return { role: '', name: '' };
      const label = el.id ? document.querySelector('label[for="' + el.id + '"]')?.textContent : undefined;
      const role = el.tagName === 'A' ? 'link' : el.tagName === 'BUTTON' ? 'button' : el.getAttribute('type') === 'checkbox' ? 'checkbox' : 'textbox';
      return { role, name: (el.getAttribute('aria-label') ?? label ?? el.textContent ?? '').trim() };
    })()`)) as { role: string; name: string };
    if (focused.role === role && focused.name === name) return;
  }
  assert.fail(`Tab never reached the ${role} "${name}"`);
}

for (const kind of storeKinds()) {
  describe(`dashboard: keyboard only (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    dashboardPerSuite(kind, (suite) => ({ t, base, browser } = suite));

    test('log in, open the contacts, filter, open a contact and unsubscribe it, without a mouse', async () => {
      const { project } = await t.project('Keyboard');
      const contacts = new ContactService(t.store);
      await contacts.upsert(project.id, { email: 'ada@example.com', data: { plan: 'pro' } });
      await contacts.upsert(project.id, { email: 'grace@example.com' });
      const page = await (await browser.newContext()).newPage();
      const problems = watchConsole(page);
      await page.goto(`${base}/`);

      await tabTo(page, 'textbox', 'Email');
      await page.keyboard.type(OPERATOR.email);
      await tabTo(page, 'textbox', 'Password');
      await page.keyboard.type(OPERATOR.password);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Projects' }).waitFor();

      await tabTo(page, 'link', 'Keyboard');
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/projects/${project.id}/contacts$`));

      await tabTo(page, 'textbox', 'Email contains');
      await page.keyboard.type('ada');
      await page.keyboard.press('Enter');
      await page.waitForURL(/search=ada/);
      await page.waitForLoadState('load');
      assert.equal(await page.locator('tbody tr').count(), 1);

      await tabTo(page, 'link', 'ada@example.com');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
      await tabTo(page, 'checkbox', 'Subscribed');
      await page.keyboard.press('Space');
      await tabTo(page, 'button', 'Save changes');
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
      await page.waitForLoadState('load');
      const ada = (await contacts.list(project.id, { email: 'ada@example.com', limit: 1 })).contacts[0]!;
      assert.equal(ada.subscribed, false);
      assert.deepEqual(JSON.parse(ada.dataJson), { plan: 'pro' });
      assert.deepEqual(problems, []);
    });
  });
}
