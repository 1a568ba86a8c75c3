// Files as real tools export them (test/fixtures/imports/), imported without
// editing: Mailchimp and Google Contacts by their email column names, Shopify's
// opt-outs unsubscribed, a German Excel file with BOM, semicolons, WAHR/FALSCH
// and its empty ;;;; rows, Windows-1252 with its accents, Excel's UTF-16
// "Unicode text", UTF-16 BE and a pipe-delimited file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { contactsByEmail } from '../support/contacts.js';
import { importCsv } from '../support/jobs.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/imports/${name}`, import.meta.url));

for (const kind of storeKinds()) {
  describe(`real exports import unedited (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    async function importFixture(name: string) {
      const { auth } = await t.project(name);
      const job = await importCsv(t, auth, fixture(name));
      assert.equal(job.state, 'completed', JSON.stringify(job));
      return { auth, job, byEmail: await contactsByEmail(t, auth) };
    }

    test('Mailchimp audience: "Email Address" is the email column; every other column is data', async () => {
      const { job, byEmail } = await importFixture('mailchimp-audience.csv');
      assert.deepEqual([job.result.totalRows, job.result.createdCount, job.result.failureCount], [60, 60, 0]);
      const ada = byEmail.get('ada.lovelace0@example.com');
      assert.equal(ada?.subscribed, true);
      assert.equal(ada?.data['First Name'], 'Ada');
      assert.equal(ada?.data.MEMBER_RATING, 1, 'a column of plain numbers holds numbers');
      assert.equal(ada?.data.NOTES, 'VIP, met at conf');
      assert.equal('Email Address' in (ada?.data ?? {}), false);
    });

    test('HubSpot contacts: "Email", with record ids and dates as data', async () => {
      const { job, byEmail } = await importFixture('hubspot-contacts.csv');
      assert.deepEqual([job.result.totalRows, job.result.createdCount, job.result.failureCount], [80, 80, 0]);
      const first = [...byEmail.values()].find((c) => c.data['Record ID'] === 51000);
      assert.ok(first, 'Record ID is a number column');
      assert.equal(first.data['Lifecycle Stage'], 'lead');
    });

    test('Google Contacts: "E-mail 1 - Value" is the email column; contacts without one are row errors', async () => {
      const { job, byEmail } = await importFixture('google-contacts.csv');
      assert.equal(job.result.totalRows, 50);
      assert.equal(job.result.failureCount, 5);
      assert.ok(job.result.errors.every((e: { error: string }) => e.error === 'Missing email address'));
      assert.equal(byEmail.size, 45);
      const someone = [...byEmail.values()][0]!;
      assert.equal(someone.data['E-mail 1 - Type'], '* Home');
      assert.equal('E-mail 1 - Value' in someone.data, false);
    });

    test("Shopify customers: all 27 who said no to email marketing are unsubscribed; 'Total Spent' holds one type", async () => {
      const declined = new Set(fixture('shopify-declined.txt').toString().trim().split('\n'));
      assert.equal(declined.size, 27);
      const { job, byEmail } = await importFixture('shopify-customers.csv');
      assert.deepEqual([job.result.totalRows, job.result.createdCount, job.result.failureCount], [80, 80, 0]);
      for (const [email, contact] of byEmail) assert.equal(contact.subscribed, !declined.has(email), email);
      const spent = new Set([...byEmail.values()].map((c) => typeof c.data['Total Spent']));
      assert.deepEqual([...spent], ['string'], 'one column, one type');
      const withPhone = [...byEmail.values()].find((c) => c.data.Phone !== undefined);
      assert.match(String(withPhone?.data.Phone), /^\+1613555\d{4}$/, "the spreadsheet's apostrophe is gone, the text kept");
    });

    test('German Excel: BOM, semicolons, WAHR/FALSCH, and no phantom rows from ;;;;', async () => {
      const { job, byEmail } = await importFixture('german-excel.csv');
      assert.deepEqual([job.result.totalRows, job.result.createdCount, job.result.failureCount], [60, 60, 0]);
      const contacts = [...byEmail.values()];
      assert.equal(contacts.filter((c) => !c.subscribed).length, 20);
      const zero = contacts.find((c) => c.data.PLZ === '01067');
      assert.ok(zero, "'01067 keeps its leading zero, as text");
      assert.ok(contacts.every((c) => typeof c.data.PLZ === 'string'), 'a column with one protected cell is text');
      assert.ok(contacts.every((c) => typeof c.data.Umsatz === 'string'), 'decimal commas are text');
    });

    test('Windows-1252: read as such, accents, € “ ” and – intact; the job says which encoding', async () => {
      const { job, byEmail } = await importFixture('windows-1252.csv');
      assert.equal(job.result.encoding, 'windows-1252');
      assert.deepEqual([job.result.totalRows, job.result.failureCount], [50, 0]);
      const notes = new Set([...byEmail.values()].map((c) => c.data.note));
      assert.ok(notes.has('“Preis” 12 € – 1'), [...notes].join(' | '));
      assert.ok(notes.has('naïve café'));
      assert.ok([...byEmail.values()].some((c) => c.data.name === 'François Lefèvre'));
      assert.ok([...byEmail.values()].some((c) => c.data.city === 'Zürich'));
    });

    test("Excel's Unicode text (UTF-16 LE, tabs), UTF-16 BE, and a pipe-delimited file", async () => {
      const utf16 = await importFixture('excel-unicode-text.txt');
      assert.equal(utf16.job.result.encoding, 'utf-16le');
      assert.deepEqual([utf16.job.result.totalRows, utf16.job.result.failureCount], [50, 0]);
      assert.ok([...utf16.byEmail.values()].some((c) => c.data.Stadt === '東京'));
      assert.ok([...utf16.byEmail.values()].every((c) => typeof c.data.Aktiv === 'boolean'));
      const be = await importFixture('utf16be.csv');
      assert.equal(be.job.result.encoding, 'utf-16be');
      assert.deepEqual([be.job.result.totalRows, be.job.result.failureCount], [50, 0]);
      const pipes = await importFixture('pipe-delimited.csv');
      assert.deepEqual([pipes.job.result.totalRows, pipes.job.result.failureCount], [50, 0]);
      assert.ok([...pipes.byEmail.values()].every((c) => typeof c.data.seats === 'number' && typeof c.data.plan === 'string'));
    });
  });
}


