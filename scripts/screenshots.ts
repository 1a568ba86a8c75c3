// `npm run screenshots`: the dashboard's main pages, photographed in
// chromium at 1280×800 into docs/screenshots/, from a throwaway SQLite
// store with a demo project (the README and docs/dashboard.md show them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { AdminService } from '../src/domain/admins.js';
import { ContactService } from '../src/domain/contacts.js';
import { ProjectService } from '../src/domain/projects.js';
import { buildApp } from '../src/http/app.js';
import { JobRunner } from '../src/jobs/runner.js';
import { createLogger } from '../src/logger.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';

const OUT = new URL('../docs/screenshots/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'rolodex-shots-'));
const store = SqliteStore.open(join(dir, 'rolodex.db'));
await store.migrate();
const logger = createLogger('silent');
const runner = new JobRunner({ store, logger, pollMs: 50, leaseMs: 5000 });
const app = await buildApp({ store, logger, onJobQueued: () => runner.wake() });
runner.start();
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  await new AdminService(store).create('ada@example.com', 'a demo password only');
  const { project } = await new ProjectService(store).createProject('Newsletter');
  const contacts = new ContactService(store);
  const names = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'donald', 'margaret', 'ken', 'dennis', 'radia', 'frances', 'john'];
  for (let i = 0; i < 240; i++) {
    const name = names[i % names.length]!;
    await contacts.upsert(project.id, {
      email: `${name}.${i}@example.com`,
      subscribed: i % 7 !== 0,
      data: { name: name[0]!.toUpperCase() + name.slice(1), plan: ['free', 'pro', 'team'][i % 3]!, seats: (i % 9) + 1, vip: i % 11 === 0 },
    });
  }
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const shot = async (name: string) => page.screenshot({ path: new URL(`${name}.png`, OUT).pathname, fullPage: false });

  await page.goto(`${base}/`);
  await shot('login');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Password').fill('a demo password only');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/`);
  await shot('projects');

  await page.goto(`${base}/projects/${project.id}/contacts?search=grace`);
  await shot('contacts');
  await page.getByRole('link', { name: 'grace.229@example.com' }).click();
  await shot('contact');

  const csv = ['Email Address,First Name,Last Name,Opt In,Member Rating', 'hedy@example.com,Hedy,Lamarr,yes,5',
    'not-an-email,Bad,Row,yes,1', 'tim@example.com,Tim,Berners-Lee,no,4'].join('\n');
  await page.goto(`${base}/projects/${project.id}/import`);
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'members_export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('button', { name: 'Start import' }).waitFor();
  await shot('import-preview');
  await page.getByRole('button', { name: 'Start import' }).click();
  await page.locator('[data-state]').filter({ hasText: 'Completed' }).waitFor({ timeout: 30_000 });
  await shot('job');
  console.log(`screenshots written to ${OUT.pathname}`);
} finally {
  await browser.close();
  await runner.stop();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
