// Re-importing Rolodex's own export (GET /contacts/export, CSV and NDJSON)
// through POST /contacts/import gives back exactly the contacts' email,
// subscription and data: NDJSON lines may carry the read-only id, createdAt
// and updatedAt, which are ignored; a CSV that starts as the export does
// (email,subscribed,createdAt,updatedAt) skips its timestamp columns; and
// the protective apostrophe lets any string come back as that string.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { contactsByEmail, createContact, listAll, UUID_V7, type Auth, type ContactJson } from '../support/contacts.js';
import { importCsv, importWithOptions, uploadWithOptions } from '../support/jobs.js';
import { protectForCsv } from '../../src/domain/import/cells.js';

const FILE_ID = '01900000-0000-7000-8000-000000000001';
const OLD = '2020-01-01T00:00:00.000Z';

/** A cell as the export quotes it: RFC 4180, and any cell with spaces at either end. */
function quoted(cell: string): string {
  return /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A data value as the export writes it in a CSV cell (the contract); no key, an empty cell. */
function exportCell(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return quoted(protectForCsv(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return quoted(JSON.stringify(value));
}

/** The CSV the export contract describes, for these contacts. */
function csvExport(contacts: ContactJson[]): string {
  const keys = [...new Set(contacts.flatMap((c) => Object.keys(c.data)))];
  const lines = [['email', 'subscribed', 'createdAt', 'updatedAt', ...keys].map(quoted).join(',')];
  for (const c of contacts) {
    lines.push([c.email, String(c.subscribed), c.createdAt, c.updatedAt, ...keys.map((key) => exportCell(c.data[key]))].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The NDJSON the export contract describes: one contact object per line. */
function ndjsonExport(contacts: ContactJson[]): string {
  return contacts.map((c) => JSON.stringify(c)).join('\n') + '\n';
}

/** What a round trip must keep: email, subscription and data, by email. */
function essence(contacts: Iterable<ContactJson>): Map<string, { subscribed: boolean; data: Record<string, unknown> }> {
  return new Map([...contacts].map((c) => [c.email, { subscribed: c.subscribed, data: c.data }]));
}

for (const kind of storeKinds()) {
  describe(`re-importing an export (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    const contacts = (auth: Auth) => contactsByEmail(t, auth);

    test('NDJSON: id, createdAt and updatedAt are accepted with any value and ignored; other unknown fields stay row errors', async () => {
      const { auth } = await t.project();
      const started = new Date().toISOString();
      const lines = [
        JSON.stringify({ id: FILE_ID, email: 'ada@example.com', subscribed: false, data: { plan: 'pro', seats: 5, nested: { a: [1, { b: null }] } }, createdAt: OLD, updatedAt: OLD }),
        JSON.stringify({ id: null, email: 'bo@example.com', createdAt: 42, updatedAt: { not: 'a date' } }),
        JSON.stringify({ email: 'cy@example.com', subscribed: true, data: {}, id: 'not-a-uuid', updatedAt: '' }),
        JSON.stringify({ id: FILE_ID, email: 'di@example.com', name: 'Di' }),
        JSON.stringify({ email: 'ed@example.com', ID: FILE_ID }),
        JSON.stringify({ email: 'fay@example.com', created_at: OLD }),
      ];
      const file = lines.join('\n') + '\n';

      const preview = await uploadWithOptions(t, auth, file, {}, '/contacts/import/preview');
      assert.equal(preview.statusCode, 200, preview.body);
      assert.deepEqual(json(preview).rows, [
        { row: 1, email: 'ada@example.com', subscribed: false, data: { plan: 'pro', seats: 5, nested: { a: [1, { b: null }] } } },
        { row: 2, email: 'bo@example.com', subscribed: true, data: {} },
        { row: 3, email: 'cy@example.com', subscribed: true, data: {} },
        { row: 4, email: 'di@example.com', error: 'Unknown field "name"' },
        { row: 5, email: 'ed@example.com', error: 'Unknown field "ID"' },
        { row: 6, email: 'fay@example.com', error: 'Unknown field "created_at"' },
      ]);

      const job = await importCsv(t, auth, file);
      assert.equal(job.result.format, 'ndjson');
      assert.deepEqual([job.result.totalRows, job.result.createdCount, job.result.failureCount], [6, 3, 3]);
      const byEmail = await contacts(auth);
      assert.deepEqual([...byEmail.keys()].sort(), ['ada@example.com', 'bo@example.com', 'cy@example.com']);
      const ada = byEmail.get('ada@example.com')!;
      assert.deepEqual({ subscribed: ada.subscribed, data: ada.data }, { subscribed: false, data: { plan: 'pro', seats: 5, nested: { a: [1, { b: null }] } } });
      for (const contact of byEmail.values()) {
        assert.match(contact.id, UUID_V7);
        assert.notEqual(contact.id, FILE_ID, "the file's id is not the contact's");
        assert.ok(contact.createdAt >= started && contact.updatedAt >= started, "the file's timestamps are not the contact's");
        for (const key of ['id', 'createdAt', 'updatedAt']) assert.equal(key in contact.data, false, `no data key ${key}`);
      }
    });

    test('CSV shaped as the export: createdAt and updatedAt are skipped, and protected strings read back exactly', async () => {
      const { auth } = await t.project();
      const file = [
        'email,subscribed,createdAt,updatedAt,zip,flag,empty,quote,handle,seats,vip,note',
        `ada@example.com,false,${OLD},2020-01-02T00:00:00.000Z,'5,'true,',''x,'@ada,5,true,plain`,
        `bo@example.com,true,${OLD},${OLD},'02134,'FALSE,'','',"'@bo",1.5,false," padded "`,
        `cy@example.com,true,${OLD},${OLD},,,,,,,,`,
        `di@example.com,false,${OLD},${OLD},'+49,'Wahr,'yes,'''',@di,-3,,"say ""hi"", ok"`,
      ].join('\r\n') + '\r\n';

      const preview = await uploadWithOptions(t, auth, file, {}, '/contacts/import/preview');
      assert.equal(preview.statusCode, 200, preview.body);
      const columns = json(preview).columns as { header: string; target: string; key: string | null; type: string | null; samples: string[] }[];
      assert.deepEqual(
        columns.map(({ header, target, key, type }) => [header, target, key, type]),
        [
          ['email', 'email', null, 'string'],
          ['subscribed', 'subscribed', null, 'boolean'],
          ['createdAt', 'skip', null, null],
          ['updatedAt', 'skip', null, null],
          ['zip', 'data', 'zip', 'string'],
          ['flag', 'data', 'flag', 'string'],
          ['empty', 'data', 'empty', 'string'],
          ['quote', 'data', 'quote', 'string'],
          ['handle', 'data', 'handle', 'string'],
          ['seats', 'data', 'seats', 'number'],
          ['vip', 'data', 'vip', 'boolean'],
          ['note', 'data', 'note', 'string'],
        ],
      );
      assert.deepEqual(columns[2]!.samples, [OLD, OLD, OLD, OLD], 'a skipped column still shows its cells');

      const expected = new Map([
        ['ada@example.com', { subscribed: false, data: { zip: '5', flag: 'true', empty: '', quote: "'x", handle: '@ada', seats: 5, vip: true, note: 'plain' } }],
        ['bo@example.com', { subscribed: true, data: { zip: '02134', flag: 'FALSE', empty: "'", quote: "'", handle: '@bo', seats: 1.5, vip: false, note: ' padded ' } }],
        ['cy@example.com', { subscribed: true, data: {} }],
        ['di@example.com', { subscribed: false, data: { zip: '+49', flag: 'Wahr', empty: "'yes", quote: "'''", handle: '@di', seats: -3, note: 'say "hi", ok' } }],
      ]);
      const previewed = new Map(json(preview).rows.map((r: any) => [r.email, { subscribed: r.subscribed, data: r.data }]));
      assert.deepEqual(previewed, expected, 'the preview shows the rows as they will be stored');

      const job = await importCsv(t, auth, file);
      assert.deepEqual([job.result.totalRows, job.result.createdCount, job.result.failureCount], [4, 4, 0]);
      assert.deepEqual(essence((await contacts(auth)).values()), expected);
    });

    test('contacts exported as the contract says (CSV and NDJSON) re-import as exactly those contacts', async () => {
      const { auth } = await t.project();
      // In the CSV each key keeps one type across contacts, as a column holds one type.
      const originals = [
        { email: 'ada@example.com', subscribed: true, data: { code: '5', flag: 'true', blank: '', quote: "'", at: '@home', n: 5, b: true, note: 'say "hi", ok', sp: '  padded ' } },
        { email: 'bo@example.com', subscribed: false, data: { code: '02134', flag: 'FALSE', blank: 'x', quote: "''x", at: 'a@b', n: 1.5, b: false, note: 'line\nbreak', eq: '=1+1' } },
        { email: 'cy@example.com', subscribed: true, data: {} },
        { email: 'di@example.com', subscribed: false, data: { code: '-', flag: 'Vrai', n: -3, b: true, eq: '+', sp: '\ttab' } },
        { email: 'ed@example.com', subscribed: true, data: { flag: 'yes', note: "'quoted'", at: '@' } },
      ];
      for (const contact of originals) await createContact(t, auth, contact);
      const exported = await listAll(t, auth);
      assert.deepEqual(essence(exported), essence(originals as ContactJson[]));

      for (const [format, file] of [['csv', csvExport(exported)], ['ndjson', ndjsonExport(exported)]] as const) {
        const { auth: other } = await t.project();
        const job = await importCsv(t, other, file);
        assert.equal(job.result.format, format);
        assert.deepEqual([job.result.createdCount, job.result.failureCount], [originals.length, 0], `${format}: ${JSON.stringify(job.result.errors)}`);
        assert.deepEqual(essence((await contacts(other)).values()), essence(exported), `${format}:\n${file}`);
      }
    });

    test('only a file that starts as the export does skips them; mapping can still keep them as data', async () => {
      const { auth } = await t.project();
      const created = { mapping: JSON.stringify({ createdAt: 'created' }) };
      const updated = { mapping: JSON.stringify({ UPDATEDAT: { key: 'updatedAt', type: 'string' } }) };
      const cases: [file: string, options: Record<string, string>, data: Record<string, unknown>][] = [
        ['email,subscribed,createdAt,updatedAt\n@,yes,c,u\n', {}, {}],
        ['email,subscribed,createdAt,updatedAt,plan\n@,yes,c,u,p\n', {}, { plan: 'p' }],
        ['email,createdAt\n@,c\n', {}, { createdAt: 'c' }],
        ['email,subscribed,updatedAt,createdAt\n@,yes,u,c\n', {}, { updatedAt: 'u', createdAt: 'c' }],
        ['plan,email,subscribed,createdAt,updatedAt\np,@,yes,c,u\n', {}, { plan: 'p', createdAt: 'c', updatedAt: 'u' }],
        ['Email,subscribed,createdAt,updatedAt\n@,yes,c,u\n', {}, { createdAt: 'c', updatedAt: 'u' }],
        ['email,subscribed,createdat,updatedAt\n@,yes,c,u\n', {}, { createdat: 'c', updatedAt: 'u' }],
        ['email,subscribed,createdAt,updatedAt\n@,yes,c,u\n', created, { created: 'c' }],
        ['email,subscribed,createdAt,updatedAt\n@,yes,c,u\n', updated, { updatedAt: 'u' }],
        ['email,subscribed,createdAt,updatedAt\n@,yes,c,u\n', { mapping: JSON.stringify({ createdAt: null }) }, {}],
      ];
      for (const [index, [template, options, data]] of cases.entries()) {
        const email = `case${index}@example.com`;
        const file = template.replace('@', email);
        const preview = await uploadWithOptions(t, auth, file, options, '/contacts/import/preview');
        assert.equal(preview.statusCode, 200, preview.body);
        assert.deepEqual(json(preview).rows[0].data, data, `preview of ${file} with ${JSON.stringify(options)}`);
        const job = await importWithOptions(t, auth, file, options);
        assert.equal(job.result.failureCount, 0, JSON.stringify(job.result.errors));
        assert.deepEqual((await contacts(auth)).get(email)?.data, data, `${file} with ${JSON.stringify(options)}`);
      }
    });

    test('the preview of an export-shaped CSV with a mapping shows a mapped timestamp as data and the other skipped', async () => {
      const { auth } = await t.project();
      const file = `email,subscribed,createdAt,updatedAt\nada@example.com,true,${OLD},${OLD}\n`;
      const preview = await uploadWithOptions(t, auth, file, { mapping: JSON.stringify({ updatedAt: 'lastSeen' }) }, '/contacts/import/preview');
      assert.equal(preview.statusCode, 200, preview.body);
      assert.deepEqual(
        json(preview).columns.map((c: { header: string; target: string; key: string | null; type: string | null }) => [c.header, c.target, c.key, c.type]),
        [['email', 'email', null, 'string'], ['subscribed', 'subscribed', null, 'boolean'], ['createdAt', 'skip', null, null], ['updatedAt', 'data', 'lastSeen', 'string']],
      );
      assert.deepEqual(json(preview).rows, [{ row: 2, email: 'ada@example.com', subscribed: true, data: { lastSeen: OLD } }]);
    });
  });
}
