// The import wizard in a real browser (chromium), on both stores, with a
// worker running: a Mailchimp-shaped file uploaded, previewed, its columns
// changed (one skipped, one key renamed, one type forced), imported, the job
// followed to its end and its failed rows downloaded; the contacts checked in
// the store with the choices applied; the re-subscribe option off by default;
// refused files explained on the upload page; the upload's CSRF token; hostile
// headers and cells shown as text; axe on every page of the wizard.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ContactService } from '../../src/domain/contacts.js';
import { parseData } from '../../src/domain/data.js';
import { JobService } from '../../src/domain/jobs.js';
import { storeKinds, type TestApp } from '../support/app.js';
import { assertAccessible, browserSkip, dashboardPerSuite, logIn, watchConsole } from '../support/browser.js';
import { multipartParts } from '../support/jobs.js';

const skip = browserSkip();

const XSS = '<script>alert(1)</script>';

/** Mailchimp's columns (and a consent column), one row that fails, a hostile header and cell. */
const AUDIENCE = [
  `"Email Address","First Name","Last Name","Opt In","Member Rating","${XSS}"`,
  `"ada@example.com","Ada","Lovelace","yes","5","${XSS}"`,
  '"grace@example.com","Grace","Hopper","no","4","x"',
  '"not-an-email","Bad","Row","yes","1","y"',
  '"alan@example.com","Alan","Turing","","3","z"',
].join('\r\n') + '\r\n';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The PNG signature and the start of its header chunk: binary, with NUL bytes. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01]);

for (const kind of storeKinds()) {
  describe(`dashboard: the import wizard (${kind.name})`, { skip }, () => {
    let t: TestApp;
    let base: string;
    let browser: Browser;
    dashboardPerSuite(kind, (suite) => ({ t, base, browser } = suite), { worker: true });

    async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; problems: string[]; dialogs: string[] }> {
      const page = await (await browser.newContext({ acceptDownloads: true, ...options })).newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      return { page, problems: watchConsole(page), dialogs };
    }

    async function upload(page: Page, projectId: string, name: string, content: string | Buffer, emailColumn?: string) {
      await page.goto(`${base}/projects/${projectId}/import`);
      await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
      if (emailColumn !== undefined) await page.getByLabel(/^Email column/).fill(emailColumn);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/import?_csrf=')),
        page.getByRole('button', { name: 'Upload and preview' }).click(),
      ]);
      await page.waitForLoadState();
      return response;
    }

    const target = (page: Page, header: string) => page.getByLabel(`Import column ${header} as`, { exact: true });

    test('a Mailchimp export end to end: upload, preview, change columns, import, follow the job, download the failed rows', async () => {
      const { page, problems, dialogs } = await newPage();
      const project = await t.project('Wizard');
      const projectId = project.project.id;
      // Ada unsubscribed earlier: the file's "yes" must not re-subscribe her.
      await new ContactService(t.store).upsert(projectId, { email: 'ada@example.com', subscribed: false, data: { source: 'signup form' } });
      await logIn(page, base);

      await page.goto(`${base}/projects/${projectId}/import`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Import contacts');
      await assertAccessible(page);

      const uploaded = await upload(page, projectId, 'audience.csv', AUDIENCE);
      assert.equal(uploaded.status(), 303);
      assert.match(page.url(), new RegExp(`/projects/${projectId}/import/${UUID}$`));
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Import preview');
      const summary = await page.locator('.summary').textContent();
      assert.match(summary!, /4\s+rows, read as utf-8, delimiter comma/);

      // What the import detected.
      assert.equal(await target(page, 'Email Address').inputValue(), 'email');
      assert.equal(await target(page, 'Opt In').inputValue(), 'subscribed');
      assert.equal(await target(page, 'First Name').inputValue(), 'data');
      assert.equal(await page.getByLabel('Data key for column First Name', { exact: true }).inputValue(), 'First Name');
      assert.match(await page.locator('tr', { has: target(page, 'Member Rating') }).textContent() ?? '', /detected: number/);
      assert.deepEqual(await page.locator('tr', { has: target(page, 'First Name') }).locator('ul.samples li').allTextContents(), ['Ada', 'Grace', 'Bad', 'Alan']);
      // The re-subscribe option is off, with its warning beside it.
      const resubscribe = page.getByLabel('Re-subscribe contacts who unsubscribed');
      assert.equal(await resubscribe.isChecked(), false);
      assert.match(await page.locator('#resubscribe-warning').textContent() ?? '', /without their consent/);
      assert.equal(await page.getByLabel('Status of new contacts').inputValue(), 'true');
      assert.match(await page.locator('dl.counts').textContent() ?? '', /Would create\s*2\s*Would update\s*1\s*Would fail\s*1\s*Kept unsubscribed\s*1/);
      // The hostile header and cell are text.
      assert.equal(await page.locator('table.columns .header', { hasText: XSS }).count(), 1);
      assert.ok(await target(page, XSS).isVisible());
      await assertAccessible(page);

      // Change the columns: skip one, rename a key, force a type.
      await target(page, 'Last Name').selectOption('skip');
      await page.getByLabel('Data key for column First Name', { exact: true }).fill('firstName');
      await page.getByLabel('Type of column Member Rating', { exact: true }).selectOption('string');
      await page.getByRole('button', { name: 'Update preview' }).click();
      await page.waitForURL(/target\./);
      const previewUrl = page.url();
      assert.match(previewUrl, /key\.1=firstName/);
      assert.match(previewUrl, /target\.2=skip/);
      assert.match(previewUrl, /type\.4=string/);
      // Every state is a URL: a fresh load shows the same choices.
      await page.goto(previewUrl);
      assert.equal(await target(page, 'Last Name').inputValue(), 'skip');
      assert.equal(await page.getByLabel('Data key for column First Name', { exact: true }).inputValue(), 'firstName');
      assert.equal(await page.getByLabel('Type of column Member Rating', { exact: true }).inputValue(), 'string');
      const firstRow = await page.locator('table.rows tbody tr').first().textContent();
      assert.match(firstRow!, /firstName\s*"Ada"/);
      assert.match(firstRow!, /Member Rating\s*"5"/);
      assert.doesNotMatch(firstRow!, /Last Name/);
      assert.match(await page.locator('table.rows').textContent() ?? '', /Invalid email address/);
      await assertAccessible(page);

      // Start: the job's page, followed live until it has ended.
      await page.getByRole('button', { name: 'Start import' }).click();
      await page.waitForURL(new RegExp(`/projects/${projectId}/jobs/${UUID}$`));
      const jobUrl = page.url();
      await page.getByRole('link', { name: 'Download failed rows' }).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-state]').textContent(), 'Completed');
      const count = async (key: string) => page.locator(`[data-count="${key}"]`).textContent();
      assert.equal(await count('totalRows'), '4');
      assert.equal(await count('processedRows'), '4');
      assert.equal(await count('createdCount'), '2');
      assert.equal(await count('updatedCount'), '1');
      assert.equal(await count('keptUnsubscribedCount'), '1');
      assert.equal(await count('failureCount'), '1');
      assert.equal(await page.locator('progress#job-progress').getAttribute('value'), '100');
      assert.match(await page.locator('main table').textContent() ?? '', /4\s*not-an-email\s*Invalid email address/);
      await assertAccessible(page);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download failed rows' }).click()]);
      const failed = await readFile((await download.path())!, 'utf8');
      const lines = failed.split('\r\n');
      assert.equal(lines[0], `row,error,"Email Address","First Name","Last Name","Opt In","Member Rating","${XSS}"`);
      assert.equal(lines[1], '4,Invalid email address,"not-an-email","Bad","Row","yes","1","y"');
      assert.equal(download.suggestedFilename(), `import-${jobUrl.split('/').pop()}-errors.csv`);

      // The contacts, with the choices applied.
      const stored = await t.store.contacts.getByEmails(projectId, ['ada@example.com', 'grace@example.com', 'alan@example.com']);
      const byEmail = new Map(stored.map((contact) => [contact.email, contact]));
      assert.equal(byEmail.size, 3);
      const ada = byEmail.get('ada@example.com')!;
      assert.equal(ada.subscribed, false, 'kept unsubscribed: re-subscribe was off');
      assert.deepEqual({ ...parseData(ada.dataJson) }, { source: 'signup form', firstName: 'Ada', 'Member Rating': '5', [XSS]: XSS });
      assert.equal(byEmail.get('grace@example.com')!.subscribed, false);
      assert.equal(byEmail.get('alan@example.com')!.subscribed, true, 'an empty consent cell: the status of new contacts');
      assert.deepEqual({ ...parseData(byEmail.get('alan@example.com')!.dataJson) }, { firstName: 'Alan', 'Member Rating': '3', [XSS]: 'z' });

      // The draft is gone once its import started.
      const gone = await page.goto(previewUrl);
      assert.equal(gone?.status(), 404);
      assert.match(await page.getByRole('alert').textContent() ?? '', /no longer here/);

      assert.deepEqual(dialogs, [], 'no script ran from the file');
      assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
    });

    test('the options: new contacts unsubscribed, an encoding and a delimiter chosen, and re-subscribing on purpose', async () => {
      const { page, problems } = await newPage();
      const { project } = await t.project('Options');
      await new ContactService(t.store).upsert(project.id, { email: 'back@example.com', subscribed: false });
      await logIn(page, base);
      const file = Buffer.from('email;name;subscribed\nback@example.com;Bäck;yes\nnew@example.com;Neu;\n', 'latin1');
      await upload(page, project.id, 'semicolons.csv', file);
      assert.match(await page.locator('.summary').textContent() ?? '', /read as windows-1252, delimiter semicolon/);
      await page.getByLabel('Status of new contacts').selectOption('false');
      await page.getByLabel('Encoding').selectOption('iso-8859-1');
      await page.getByLabel('Delimiter').selectOption(';');
      await page.getByLabel('Re-subscribe contacts who unsubscribed').check();
      await page.getByRole('button', { name: 'Update preview' }).click();
      await page.waitForURL(/resubscribe=true/);
      assert.match(page.url(), /subscribed=false/);
      assert.match(page.url(), /encoding=iso-8859-1/);
      assert.match(await page.locator('.summary').textContent() ?? '', /read as iso-8859-1, delimiter semicolon/);
      assert.match(await page.locator('table.rows').textContent() ?? '', /"Bäck"/);
      await page.getByRole('button', { name: 'Start import' }).click();
      await page.getByText('No row failed.').waitFor({ timeout: 30_000 });
      const [back, created] = await t.store.contacts.getByEmails(project.id, ['back@example.com', 'new@example.com']).then((list) =>
        ['back@example.com', 'new@example.com'].map((email) => list.find((c) => c.email === email)!),
      );
      assert.equal(back!.subscribed, true, 're-subscribed, as asked');
      assert.equal(created!.subscribed, false, 'new contacts unsubscribed, as asked');
      assert.deepEqual({ ...parseData(created!.dataJson) }, { name: 'Neu' });
      assert.deepEqual(problems, []);
    });

    test('an NDJSON file: no columns to choose, the options still apply', async () => {
      const { page } = await newPage();
      const { project } = await t.project('Ndjson');
      await logIn(page, base);
      const lines = ['{"email":"one@example.com","data":{"plan":"pro"}}', '{"email":"two@example.com","subscribed":true}', '{"nope":1}'];
      await upload(page, project.id, 'contacts.ndjson', lines.join('\n') + '\n');
      assert.match(await page.locator('.summary').textContent() ?? '', /An NDJSON file of .*3\s+rows/s);
      assert.equal(await page.locator('table.columns').count(), 0);
      assert.equal(await page.getByLabel('Delimiter').count(), 0);
      await page.getByLabel('Status of new contacts').selectOption('false');
      await page.getByRole('button', { name: 'Update preview' }).click();
      await page.waitForURL(/subscribed=false/);
      assert.match(await page.locator('dl.counts').textContent() ?? '', /Would create\s*2\s*Would update\s*0\s*Would fail\s*1/);
      await assertAccessible(page);
      await page.getByRole('button', { name: 'Start import' }).click();
      await page.getByRole('link', { name: 'Download failed rows' }).waitFor({ timeout: 30_000 });
      const stored = await t.store.contacts.getByEmails(project.id, ['one@example.com', 'two@example.com']);
      assert.deepEqual(stored.map((c) => [c.email, c.subscribed]).sort(), [['one@example.com', false], ['two@example.com', true]]);
    });

    test('choices the import refuses are explained on the preview, which keeps them; starting is not offered', async () => {
      const { page } = await newPage();
      const { project } = await t.project('Refused choices');
      await logIn(page, base);
      await upload(page, project.id, 'two.csv', 'email,work\na@example.com,b@example.com\n');
      await target(page, 'work').selectOption('email');
      await page.getByRole('button', { name: 'Update preview' }).click();
      await page.waitForURL(/target\.1=email/);
      assert.match(await page.getByRole('alert').textContent() ?? '', /More than one email column: "email", "work"/);
      assert.equal(await target(page, 'work').inputValue(), 'email', 'the choice is kept, to be fixed');
      assert.equal(await page.getByRole('button', { name: 'Start import' }).count(), 0);
      await assertAccessible(page);
      await target(page, 'work').selectOption('data');
      await page.getByRole('button', { name: 'Update preview' }).click();
      await page.getByRole('button', { name: 'Start import' }).waitFor();
    });

    test('a file the import refuses is explained on the upload page; an email column can be named there', async () => {
      const { page } = await newPage();
      const { project } = await t.project('Refusals');
      await logIn(page, base);

      const png = await upload(page, project.id, 'photo.png', PNG);
      assert.equal(png.status(), 400);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Import contacts');
      assert.match(await page.getByRole('alert').textContent() ?? '', /not text/);

      const huge = await upload(page, project.id, 'huge.csv', Buffer.alloc(5 * 1024 * 1024 + 1, 'a'));
      assert.equal(huge.status(), 413);
      assert.match(await page.getByRole('alert').textContent() ?? '', /larger than .* \(5 MiB\)/);

      const noEmail = await upload(page, project.id, 'people.csv', 'Name,Work\nAda,ada@example.com\n');
      assert.equal(noEmail.status(), 400);
      const message = await page.getByRole('alert').textContent();
      assert.match(message!, /No email column: the headers are "Name", "Work"/);
      assert.match(message!, /under "Email column"/);
      assert.doesNotMatch(message!, /mapping/, 'no API words on the dashboard');
      await assertAccessible(page);

      const named = await upload(page, project.id, 'people.csv', 'Name,Work\nAda,ada@example.com\n', 'Work');
      assert.equal(named.status(), 303);
      assert.equal(await target(page, 'Work').inputValue(), 'email');
      assert.match(await page.locator('dl.counts').textContent() ?? '', /Would create\s*1/);

      const wrongName = await upload(page, project.id, 'people.csv', 'Name,Work\nAda,ada@example.com\n', 'Mail');
      assert.equal(wrongName.status(), 400);
      assert.match(await page.getByRole('alert').textContent() ?? '', /The file has no column "Mail"/);
      assert.equal(await page.getByLabel(/^Email column/).inputValue(), 'Mail', 'what was typed is kept');
    });

    test('an upload needs the CSRF token in its address, from this site; a draft belongs to its project', async () => {
      const { page } = await newPage();
      const { project } = await t.project('Csrf');
      const other = await t.project('Other');
      await logIn(page, base);
      await page.goto(`${base}/projects/${project.id}/import`);
      const cookie = (await page.context().cookies()).find((c) => c.name === 'rolodex_session')!;
      const action = await page.locator('form.upload').getAttribute('action');
      const token = new URL(action!, base).searchParams.get('_csrf')!;
      const body = multipartParts([{ name: 'file', filename: 'a.csv', content: 'email\na@example.com\n', contentType: 'text/csv' }]);
      const post = (query: string, headers: Record<string, string> = {}) =>
        fetch(`${base}/projects/${project.id}/import${query}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: `rolodex_session=${cookie.value}`, ...body.headers, ...headers },
          body: body.payload,
        });
      assert.equal((await post('')).status, 403, 'no token');
      assert.equal((await post('?_csrf=forged')).status, 403, 'a wrong token');
      assert.equal((await post(`?_csrf=${token}`, { origin: 'https://evil.example' })).status, 403, 'from another site');
      const accepted = await post(`?_csrf=${token}`);
      assert.equal(accepted.status, 303);
      const draftPath = accepted.headers.get('location')!;
      assert.match(draftPath, new RegExp(`^/projects/${project.id}/import/${UUID}$`));

      // Without a session, an upload goes to the login page.
      const anonymous = await fetch(`${base}/projects/${project.id}/import?_csrf=${token}`, { method: 'POST', redirect: 'manual', headers: body.headers, body: body.payload });
      assert.equal(anonymous.status, 303);
      assert.equal(anonymous.headers.get('location'), '/');

      // The draft is this project's only.
      const elsewhere = await page.goto(`${base}${draftPath.replace(project.id, other.project.id)}`);
      assert.equal(elsewhere?.status(), 404);
      const own = await page.goto(`${base}${draftPath}`);
      assert.equal(own?.status(), 200);

      // Starting needs the form's token too.
      const start = await fetch(`${base}${draftPath}/start`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `rolodex_session=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'subscribed=true',
      });
      assert.equal(start.status, 403);
      assert.equal((await page.goto(`${base}${draftPath}`))?.status(), 200, 'the draft is still there');

      // Discarding it.
      await page.getByRole('button', { name: 'Discard this upload' }).click();
      await page.waitForURL(`${base}/projects/${project.id}/import`);
      assert.equal((await page.goto(`${base}${draftPath}`))?.status(), 404);

      // Clicks on "Start import" in quick succession queue one import: the
      // others find the upload taken (the jobs list) or gone (the 404 page, which says where its job is).
      const again = (await post(`?_csrf=${token}`)).headers.get('location')!;
      const form = { cookie: `rolodex_session=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded' };
      const starts = await Promise.all([1, 2, 3].map(() =>
        fetch(`${base}${again}/start`, { method: 'POST', redirect: 'manual', headers: form, body: `_csrf=${token}&subscribed=true` }),
      ));
      const toJob = starts.filter((response) => new RegExp(`^/projects/${project.id}/jobs/${UUID}$`).test(response.headers.get('location') ?? ''));
      assert.equal(toJob.length, 1);
      for (const response of starts.filter((r) => !toJob.includes(r))) {
        if (response.status === 303) assert.equal(response.headers.get('location'), `/projects/${project.id}/jobs`);
        else {
          assert.equal(response.status, 404);
          assert.match(await response.text(), /its job is then on the Jobs page/);
        }
      }
      const queued = await new JobService(t.store).list(project.id, 'import', 10);
      assert.equal(queued.jobs.length, 1);
    });

    test('without JavaScript: upload, preview, choices and start all work, and the job page says to refresh', async () => {
      const { page, dialogs } = await newPage({ javaScriptEnabled: false });
      const { project } = await t.project('No script');
      await logIn(page, base);
      await upload(page, project.id, 'plain.csv', `email,${XSS}\nplain@example.com,${XSS}\n`);
      await page.getByLabel(`Data key for column ${XSS}`, { exact: true }).fill('note');
      await page.getByRole('button', { name: 'Update preview' }).click();
      await page.waitForURL(/key\.1=note/);
      await page.getByRole('button', { name: 'Start import' }).click();
      await page.waitForURL(new RegExp(`/jobs/${UUID}$`));
      for (let i = 0; i < 100 && (await page.locator('[data-state]').textContent()) !== 'Completed'; i++) {
        assert.match(await page.locator('main').textContent() ?? '', /Refresh the page for progress/);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await page.reload();
      }
      assert.equal(await page.locator('[data-state]').textContent(), 'Completed');
      const [contact] = await t.store.contacts.getByEmails(project.id, ['plain@example.com']);
      assert.deepEqual({ ...parseData(contact!.dataJson) }, { note: XSS });
      assert.deepEqual(dialogs, []);
    });
  });
}
