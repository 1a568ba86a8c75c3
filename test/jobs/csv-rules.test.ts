// How an import reads its CSV (CONTRACT.md, "CSV rules"): layout, quoting,
// trimming, cell types, the subscribed column, and row errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { contactsByEmail, createContact, listPage, type Auth } from '../support/contacts.js';
import { importCsv, uploadCsv, waitForJob } from '../support/jobs.js';

for (const kind of storeKinds()) {
  describe(`CSV rules (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    const contacts = (auth: Auth) => contactsByEmail(t, auth);

    /** Imports into a fresh project; returns the finished job and the contacts by email. */
    async function importFresh(text: string | Buffer) {
      const { auth } = await t.project();
      const job = await importCsv(t, auth, text);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      return { auth, job, byEmail: await contacts(auth) };
    }

    test('an optional UTF-8 BOM is not part of the first header', async () => {
      const { job, byEmail } = await importFresh('\ufeffemail,name\na@example.com,Ada\n');
      assert.equal(job.result.createdCount, 1);
      assert.deepEqual(byEmail.get('a@example.com')?.data, { name: 'Ada' });
    });

    test('LF and CRLF line endings read the same, with no stray carriage return', async () => {
      for (const eol of ['\n', '\r\n']) {
        const { job, byEmail } = await importFresh(['email,name', 'a@example.com,Ada', 'b@example.com,Bo'].join(eol) + eol);
        assert.equal(job.result.totalRows, 2);
        assert.deepEqual(byEmail.get('a@example.com')?.data, { name: 'Ada' });
        assert.deepEqual(byEmail.get('b@example.com')?.data, { name: 'Bo' });
      }
    });

    test('comma, semicolon and tab delimiters are detected from the header line', async () => {
      for (const [delimiter, other] of [[',', ';'], [';', ','], ['\t', ',']] as const) {
        const text = [['email', 'name', 'note'], ['a@example.com', 'Ada', `x${other}y`]].map((row) => row.join(delimiter)).join('\n');
        const { byEmail } = await importFresh(text);
        assert.deepEqual(byEmail.get('a@example.com')?.data, { name: 'Ada', note: `x${other}y` }, JSON.stringify(delimiter));
      }
      // A delimiter inside a quoted header name does not count.
      const { byEmail } = await importFresh('"a,b,c";email\n1;a@example.com\n');
      assert.deepEqual(byEmail.get('a@example.com')?.data, { 'a,b,c': 1 });
    });

    test('RFC 4180 quoting: "" escapes, quoted delimiters, and a quoted newline inside its record', async () => {
      const text = 'email,quote,note\n"a@example.com","say ""hi""","one, two"\nb@example.com,"line 1\nline 2\r\nline 3",x\nbad-email,1,2\n';
      const { job, byEmail } = await importFresh(text);
      assert.deepEqual(byEmail.get('a@example.com')?.data, { quote: 'say "hi"', note: 'one, two' });
      assert.deepEqual(byEmail.get('b@example.com')?.data, { quote: 'line 1\nline 2\r\nline 3', note: 'x' });
      assert.equal(job.result.totalRows, 3, 'rows are records, not lines');
      assert.deepEqual(job.result.errors, [{ row: 4, email: 'bad-email', error: 'Invalid email address' }]);
    });

    test('blank lines are skipped and not counted, in totalRows or in row numbers', async () => {
      const text = '\n\nemail,n\n\na@example.com,1\n\r\n   \nbad,2\n\n\nb@example.com,3\n\n';
      const { job, byEmail } = await importFresh(text);
      assert.equal(job.result.totalRows, 3);
      assert.equal(job.result.processedRows, 3);
      assert.deepEqual(job.result.errors, [{ row: 3, email: 'bad', error: 'Invalid email address' }]);
      assert.deepEqual([...byEmail.keys()].sort(), ['a@example.com', 'b@example.com']);
    });

    test('missing cells are empty (keys untouched), extra cells are ignored', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'a@example.com', subscribed: false, data: { plan: 'pro', seats: 5 } });
      const job = await importCsv(t, auth, 'email,subscribed,plan,seats\na@example.com,,basic\nb@example.com,no,free,1,extra,cells\nc@example.com\n');
      assert.equal(job.result.failureCount, 0);
      const byEmail = await contacts(auth);
      assert.equal(byEmail.get('a@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('a@example.com')?.data, { plan: 'basic', seats: 5 });
      assert.equal(byEmail.get('b@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('b@example.com')?.data, { plan: 'free', seats: 1 });
      assert.equal(byEmail.get('c@example.com')?.subscribed, true);
      assert.deepEqual(byEmail.get('c@example.com')?.data, {});
    });

    test('header names and unquoted cells are trimmed; quoted cells keep their spaces', async () => {
      const text = '  email  ,  First Name , " Last Name "\n  a@example.com  ,   Ada  ,"  Lovelace "\n';
      const { byEmail } = await importFresh(text);
      assert.deepEqual(byEmail.get('a@example.com')?.data, { 'First Name': 'Ada', 'Last Name': '  Lovelace ' });
    });

    test('email and subscribed headers match in any case; other headers are data keys spelled as written', async () => {
      const { byEmail } = await importFresh('EMAIL,SubScribed,First Name,PLAN,plan_2\nA@Example.com,no,Ada,Pro,x\n');
      const contact = byEmail.get('a@example.com');
      assert.equal(contact?.subscribed, false);
      assert.deepEqual(contact?.data, { 'First Name': 'Ada', PLAN: 'Pro', plan_2: 'x' });
    });

    test('cell types: true/false booleans, canonical numbers; everything else stays text', async () => {
      const cells: [string, unknown][] = [
        ['true', true], ['FALSE', false], ['True', true], ['0', 0], ['-3', -3], ['42', 42], ['3.25', 3.25], ['-0.5', -0.5],
        ['02134', '02134'], ['1.50', '1.50'], ['+42', '+42'], ['1e5', '1e5'], ['-0', '-0'], ['00', '00'], ['.5', '.5'],
        ['5.', '5.'], ['Infinity', 'Infinity'], ['NaN', 'NaN'], ['0x10', '0x10'], ['1 000', '1 000'], ['yes', 'yes'],
        ['null', 'null'], ['12345678901234567890', '12345678901234567890'], ['"quoted 7"', 'quoted 7'], ['" 7"', ' 7'],
      ];
      const header = ['email', ...cells.map((_, i) => `c${i}`)].join(',');
      const { byEmail } = await importFresh(`${header}\na@example.com,${cells.map(([cell]) => cell).join(',')}\n`);
      const data = byEmail.get('a@example.com')?.data ?? {};
      cells.forEach(([cell, value], i) => assert.deepEqual(data[`c${i}`], value, `cell ${cell}`));
    });

    test('an empty cell, quoted or not, leaves that key of an existing contact untouched', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'a@example.com', data: { a: 1, b: 2, c: 3 } });
      const job = await importCsv(t, auth, 'email,a,b,c\na@example.com,,"",9\n');
      assert.equal(job.result.updatedCount, 1);
      assert.deepEqual((await contacts(auth)).get('a@example.com')?.data, { a: 1, b: 2, c: 9 });
    });

    test('subscribed: true|yes|1 and false|no|0 in any case; empty leaves it (new contacts: true)', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'kept-false@example.com', subscribed: false });
      await createContact(t, auth, { email: 'kept-true@example.com', subscribed: true });
      const values = ['true', 'YES', '1', 'False', 'no', '0', 'TRUE', 'No', 'yEs', 'FALSE'];
      const rows = values.map((value, i) => `v${i}@example.com,${value}`);
      const text = ['email,subscribed', ...rows, 'kept-false@example.com,', 'kept-true@example.com,', 'new@example.com,'].join('\n');
      const job = await importCsv(t, auth, text);
      assert.equal(job.result.failureCount, 0);
      const byEmail = await contacts(auth);
      values.forEach((value, i) => assert.equal(byEmail.get(`v${i}@example.com`)?.subscribed, ['true', 'yes', '1'].includes(value.toLowerCase()), value));
      assert.equal(byEmail.get('kept-false@example.com')?.subscribed, false);
      assert.equal(byEmail.get('kept-true@example.com')?.subscribed, true);
      assert.equal(byEmail.get('new@example.com')?.subscribed, true);
    });

    test('any other subscribed value is a row error, and the row is skipped whole', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'old@example.com', subscribed: false, data: { plan: 'pro' } });
      const bad = ['maybe', 'ja', '2', 'nope', 'truee', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '" yes"'];
      const rows = bad.map((value, i) => `${i === 0 ? 'old' : `n${i}`}@example.com,${value},changed`);
      const job = await importCsv(t, auth, ['email,subscribed,plan', ...rows, 'ok@example.com,yes,free'].join('\n'));
      assert.equal(job.result.failureCount, bad.length);
      assert.equal(job.result.successCount, 1);
      assert.deepEqual(job.result.errors.map((e: any) => [e.row, e.email]), bad.map((_, i) => [i + 2, `${i === 0 ? 'old' : `n${i}`}@example.com`]));
      for (const error of job.result.errors) assert.match(error.error, /subscribed/);
      const byEmail = await contacts(auth);
      assert.deepEqual([...byEmail.keys()].sort(), ['ok@example.com', 'old@example.com']);
      assert.equal(byEmail.get('old@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('old@example.com')?.data, { plan: 'pro' });
    });

    test('an invalid or missing email is a row error {row, email, error}; the header is row 1', async () => {
      const text = 'name,email\nA,a@example.com\nB,bad@\nC,\nD,two@@example.com\nE\nF," "\nG,  sp ace@example.com\nH,h@example.com\n';
      const { job, byEmail } = await importFresh(text);
      assert.deepEqual(job.result.errors, [
        { row: 3, email: 'bad@', error: 'Invalid email address' },
        { row: 4, email: '', error: 'Missing email address' },
        { row: 5, email: 'two@@example.com', error: 'Invalid email address' },
        { row: 6, email: '', error: 'Missing email address' },
        { row: 7, email: ' ', error: 'Invalid email address' },
        { row: 8, email: 'sp ace@example.com', error: 'Invalid email address' },
      ]);
      for (const error of job.result.errors) assert.deepEqual(Object.keys(error), ['row', 'email', 'error']);
      assert.deepEqual([...byEmail.keys()].sort(), ['a@example.com', 'h@example.com']);
    });

    test('a later row with the same email updates the earlier one (created, then updated), and never re-subscribes it', async () => {
      const text = 'email,subscribed,a,b\nSam@Example.com,no,1,\n  sam@example.COM  ,,2,x\n" SAM@example.com ",yes,,y\n';
      const { job, byEmail } = await importFresh(text);
      assert.equal(job.result.createdCount, 1);
      assert.equal(job.result.updatedCount, 2);
      assert.equal(job.result.keptUnsubscribedCount, 1, 'the third row asked to subscribe the contact the first had unsubscribed');
      assert.equal(byEmail.size, 1);
      assert.equal(byEmail.get('sam@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('sam@example.com')?.data, { a: 2, b: 'y' });
    });

    test('a later row updates an earlier one across batch boundaries too; a column is typed once for the whole file', async () => {
      const rows = Array.from({ length: 2500 }, (_, i) => `u${i}@example.com,${i}`);
      const { job, byEmail } = await importFresh(`email,n\n${rows.join('\n')}\nU0@example.com,last\n`);
      assert.deepEqual([job.result.createdCount, job.result.updatedCount], [2500, 1]);
      assert.deepEqual(byEmail.get('u0@example.com')?.data, { n: 'last' });
      assert.deepEqual(byEmail.get('u2499@example.com')?.data, { n: '2499' }, 'one cell of text makes the whole column text');
    });

    test('data limits hold per row: the row that passes one fails alone, the others go on', async () => {
      const { auth } = await t.project();
      const many = Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`k${i}`, i]));
      await createContact(t, auth, { email: 'full@example.com', data: many });
      const big = 'x'.repeat(33 * 1024);
      const text = `email,note,extra\nbig@example.com,${big},1\nfull@example.com,1,2\nok@example.com,${'y'.repeat(1000)},1\nfine@example.com,,1\n`;
      const job = await importCsv(t, auth, text);
      assert.equal(job.state, 'completed');
      assert.deepEqual(job.result.errors.map((e: any) => [e.row, e.email]), [[2, 'big@example.com'], [3, 'full@example.com']]);
      assert.match(job.result.errors[0].error, /32768 bytes/);
      assert.match(job.result.errors[1].error, /100 keys/);
      assert.equal(job.result.successCount, 2);
      const byEmail = await contacts(auth);
      assert.equal(byEmail.has('big@example.com'), false);
      assert.deepEqual(byEmail.get('full@example.com')?.data, many);
      assert.deepEqual(byEmail.get('ok@example.com')?.data, { note: 'y'.repeat(1000), extra: 1 });
      assert.deepEqual(byEmail.get('fine@example.com')?.data, { extra: 1 });
    });

    test('a file of more than 100 data columns: sparse rows are stored, a row that would hold 101 keys fails alone', async () => {
      const { auth } = await t.project();
      const columns = Array.from({ length: 150 }, (_, i) => `c${i}`);
      const row = (email: string, filled: (i: number) => boolean) =>
        [email, ...columns.map((_, i) => (filled(i) ? String(i) : ''))].join(',');
      const text = [
        ['email', ...columns].join(','),
        row('low@example.com', (i) => i < 100),
        row('high@example.com', (i) => i >= 50),
        row('over@example.com', (i) => i <= 100),
        row('low@example.com', (i) => i === 149),
      ].join('\n');
      const job = await importCsv(t, auth, text);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      // The last row would take low@ to 101 keys after the merge.
      assert.deepEqual(job.result.errors.map((e: any) => [e.row, e.email]), [[4, 'over@example.com'], [5, 'low@example.com']]);
      for (const error of job.result.errors) assert.match(error.error, /at most 100 keys \(has 101\)/);
      assert.equal(job.result.createdCount, 2);
      const byEmail = await contacts(auth);
      assert.equal(Object.keys(byEmail.get('low@example.com')?.data ?? {}).length, 100);
      assert.equal(byEmail.get('low@example.com')?.data.c149, undefined);
      assert.deepEqual(Object.keys(byEmail.get('high@example.com')?.data ?? {}), columns.slice(50));
      assert.equal(byEmail.has('over@example.com'), false);
    });

    // Walked column by column, these records would take 30 billion steps: the
    // job would outlast the minute waited here, blocking its event loop for
    // seconds at a time. Cell by cell, it takes a few seconds.
    test('a header of 200,000 columns (near the 1 MiB a record may hold) over 40,000 short records imports: a record costs its own cells, not the header', async () => {
      const { auth } = await t.project();
      const header = ['email', ...Array.from({ length: 200_000 }, (_, i) => i.toString(36))].join(',');
      assert.ok(header.length <= 1_048_576, `${header.length} characters`);
      const records = Array.from({ length: 40_000 }, (_, i) => `w${i}@example.com,${i}`);
      const file = Buffer.from([header, ...records].join('\n'));
      assert.ok(file.length <= 5 * 1024 * 1024, `${file.length} bytes`);
      const upload = await uploadCsv(t, auth, file);
      assert.equal(upload.statusCode, 202, upload.body);
      const job = await waitForJob(t, auth, upload.headers.location as string, 60_000);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      assert.equal(job.result.createdCount, 40_000);
      const page = await listPage(t, auth, { search: 'w7@example.com' });
      assert.deepEqual(page.contacts.map((contact) => [contact.email, contact.data]), [['w7@example.com', { '0': 7 }]]);
    });

    test('__proto__ and constructor headers are ordinary data keys', async () => {
      const { job, byEmail } = await importFresh('email,__proto__,constructor,toString\na@example.com,polluted,1,x\n');
      assert.equal(job.result.successCount, 1);
      const data = byEmail.get('a@example.com')?.data ?? {};
      assert.deepEqual(Object.keys(data), ['__proto__', 'constructor', 'toString']);
      assert.equal(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, 'polluted');
      assert.equal(Object.getOwnPropertyDescriptor(data, 'constructor')?.value, 1);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  });
}
