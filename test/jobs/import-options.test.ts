// The import's options (mapping, subscribed, resubscribe, encoding,
// delimiter) and NDJSON files. Above all: an import never turns an
// unsubscribed contact back to subscribed unless resubscribe=true.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, storeKinds, json, type TestApp } from '../support/app.js';
import { assertError, contactsByEmail, createContact, listAll, type Auth } from '../support/contacts.js';
import { importCsv, importWithOptions, uploadWithOptions } from '../support/jobs.js';

for (const kind of storeKinds()) {
  describe(`import options and NDJSON (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    const contacts = (auth: Auth) => contactsByEmail(t, auth);

    test('an import never re-subscribes an unsubscribed contact, even twice in one batch; its other changes still apply', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'gone@example.com', subscribed: false, data: { plan: 'free' } });
      await createContact(t, auth, { email: 'here@example.com', subscribed: true });
      const text = 'email,subscribed,plan\ngone@example.com,yes,pro\nGONE@example.com,true,team\nhere@example.com,no,x\nhere@example.com,yes,y\nnew@example.com,yes,z\n';
      const job = await importCsv(t, auth, text);
      assert.equal(job.result.keptUnsubscribedCount, 3, 'two rows for gone@, and here@ once its first row unsubscribed it');
      assert.equal(job.result.failureCount, 0);
      const byEmail = await contacts(auth);
      assert.equal(byEmail.get('gone@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('gone@example.com')?.data, { plan: 'team' });
      assert.equal(byEmail.get('here@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('here@example.com')?.data, { plan: 'y' });
      assert.equal(byEmail.get('new@example.com')?.subscribed, true);
    });

    test('resubscribe=true lets rows subscribe them again, and counts none kept', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'gone@example.com', subscribed: false });
      const job = await importWithOptions(t, auth, 'email,subscribed\ngone@example.com,yes\n', { resubscribe: 'true' });
      assert.equal(job.result.keptUnsubscribedCount, 0);
      assert.equal((await contacts(auth)).get('gone@example.com')?.subscribed, true);
    });

    test('subscribed=false: contacts the file creates without a subscription cell are unsubscribed; existing ones keep theirs', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'old@example.com', subscribed: true });
      const job = await importWithOptions(t, auth, 'email,subscribed\nnew@example.com,\nold@example.com,\nyes@example.com,yes\n', { subscribed: 'false' });
      assert.equal(job.result.createdCount, 2);
      const byEmail = await contacts(auth);
      assert.equal(byEmail.get('new@example.com')?.subscribed, false);
      assert.equal(byEmail.get('old@example.com')?.subscribed, true);
      assert.equal(byEmail.get('yes@example.com')?.subscribed, true);
    });

    test('mapping: choose the email and subscription columns, rename, skip, and force a type (a cell that breaks it fails its row)', async () => {
      const { auth } = await t.project();
      const mapping = {
        'Work Address': 'email',
        Consent: 'subscribed',
        'First Name': 'firstName',
        Secret: null,
        ZIP: { key: 'zip', type: 'string' },
        Seats: { key: 'seats', type: 'number' },
        VIP: { key: 'vip', type: 'boolean' },
      };
      const text = 'Work Address,Consent,First Name,Secret,ZIP,Seats,VIP\na@example.com,no,Ada,s1,02134,5,yes\nb@example.com,yes,Bo,s2,10115,1.50,0\nc@example.com,,Cy,s3,1,many,1\n';
      const job = await importWithOptions(t, auth, text, { mapping: JSON.stringify(mapping) });
      assert.deepEqual(job.result.errors, [{ row: 4, email: 'c@example.com', error: 'Column "Seats": "many" is not a number' }]);
      const byEmail = await contacts(auth);
      assert.equal(byEmail.get('a@example.com')?.subscribed, false);
      assert.deepEqual(byEmail.get('a@example.com')?.data, { firstName: 'Ada', zip: '02134', seats: 5, vip: true });
      assert.deepEqual(byEmail.get('b@example.com')?.data, { firstName: 'Bo', zip: '10115', seats: 1.5, vip: false });
    });

    test('mapping errors are 400s naming the problem: a missing header, two columns onto one key, two email columns, a bad target', async () => {
      const { auth } = await t.project();
      const cases: [object | string, RegExp][] = [
        [{ Nope: 'email' }, /The file has no column "Nope"/],
        [{ a: 'x', b: 'x' }, /would both write the data key "x"/],
        [{ a: 'email' }, /More than one email column: "email", "a"|More than one email column: "a", "email"/],
        [{ a: 42 }, /Must be "email", "subscribed", null/],
        [{ a: { key: 'k', type: 'date' } }, /Must be "email", "subscribed", null/],
        ['[1,2]', /Must be a JSON object/],
        ['{', /Must be a JSON object/],
      ];
      for (const [mapping, message] of cases) {
        const text = typeof mapping === 'string' ? mapping : JSON.stringify(mapping);
        const response = await uploadWithOptions(t, auth, 'email,a,b\nx@example.com,1,2\n', { mapping: text });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(json(response).error.code, 'VALIDATION_ERROR');
        assert.match(json(response).error.message, message);
      }
    });

    test('bad option values are 400s; encoding and delimiter options override detection', async () => {
      const { auth } = await t.project();
      for (const [name, value] of [["subscribed", "maybe"], ["resubscribe", "1"], ["encoding", "ebcdic"], ["delimiter", "#"]] as const) {
        const response = await uploadWithOptions(t, auth, 'email\na@example.com\n', { [name]: value });
        assertError(response, 400, { code: 'VALIDATION_ERROR', errors: [{ field: name, message: /Must be/ }] });
      }
      const latin = Buffer.from('email;name\na@example.com;Zoë\n', 'latin1');
      const job = await importWithOptions(t, auth, latin, { encoding: 'iso-8859-1', delimiter: ';' });
      assert.equal(job.result.encoding, 'iso-8859-1');
      assert.deepEqual((await contacts(auth)).get('a@example.com')?.data, { name: 'Zoë' });
      // Detection would choose ";" (two on the header line against one ",").
      const commas = await importWithOptions(t, auth, 'email,a;b;c\nb@example.com,1;2;3\n', { delimiter: ',' });
      assert.equal(commas.result.failureCount, 0);
      assert.deepEqual((await contacts(auth)).get('b@example.com')?.data, { 'a;b;c': '1;2;3' });
    });

    test('NDJSON: each line is a POST /contacts body; bad lines are row errors, blank lines skipped', async () => {
      const { auth } = await t.project();
      const lines = [
        '{"email":"Ada@Example.com","subscribed":false,"data":{"plan":"pro","seats":5,"nested":{"a":[1,{"b":null}]},"__proto__":{"x":1}}}',
        '',
        '{"email":"bo@example.com"}',
        'not json',
        '{"email":"cy@example.com","extra":1}',
        '{"email":"bad@"}',
        '{"email":"di@example.com","data":[1]}',
        '  {"email":"ed@example.com","data":{"flag":true,"n":1.5,"s":"02134"}}  ',
      ];
      const job = await importCsv(t, auth, lines.join('\n') + '\n');
      assert.equal(job.result.format, 'ndjson');
      assert.equal(job.result.totalRows, 7);
      assert.deepEqual(job.result.errors.map((e: { row: number; error: string }) => [e.row, e.error]), [
        [3, 'Not a JSON object on one line'],
        [4, 'Unknown field "extra"'],
        [5, 'Invalid email address'],
        [6, 'data: Must be an object'],
      ]);
      const byEmail = await contacts(auth);
      assert.equal(byEmail.get('ada@example.com')?.subscribed, false);
      assert.deepEqual(JSON.stringify(byEmail.get('ada@example.com')?.data), '{"plan":"pro","seats":5,"nested":{"a":[1,{"b":null}]},"__proto__":{"x":1}}');
      assert.deepEqual(byEmail.get('ed@example.com')?.data, { flag: true, n: 1.5, s: '02134' });
      assert.equal(({} as Record<string, unknown>).x, undefined);
    });

    test('an NDJSON line nested past 128 levels fails alone, before it is parsed (an existing contact too)', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'deep@example.com', data: { a: 1 } });
      const deep = `{"email":"deep@example.com","data":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
      const job = await importCsv(t, auth, `${deep}\n{"email":"ok@example.com"}\n`);
      assert.equal(job.state, 'completed');
      assert.deepEqual(job.result.errors, [
        { row: 1, email: '', error: 'Nested more than 128 levels deep (data may be nested at most 100 levels deep)' },
      ]);
      assert.deepEqual((await contacts(auth)).get('deep@example.com')?.data, { a: 1 });
    });

    test('the preview says what the import will do, and the import then does exactly that', async () => {
      const { auth } = await t.project();
      await createContact(t, auth, { email: 'old@example.com', subscribed: false, data: { plan: 'free' } });
      const text = 'Email Address,Opt In,plan,seats\nold@example.com,yes,pro,2\nnew@example.com,no,team,3\nbad,,x,1\nnew@example.com,,,4\n';
      const previewResponse = await uploadWithOptions(t, auth, text, {}, '/contacts/import/preview');
      assert.equal(previewResponse.statusCode, 200, previewResponse.body);
      const preview = json(previewResponse);
      assert.deepEqual(
        { format: preview.format, encoding: preview.encoding, delimiter: preview.delimiter, totalRows: preview.totalRows },
        { format: 'csv', encoding: 'utf-8', delimiter: ',', totalRows: 4 },
      );
      assert.deepEqual(preview.columns, [
        { header: 'Email Address', target: 'email', key: null, type: 'string', samples: ['old@example.com', 'new@example.com', 'bad', 'new@example.com'] },
        { header: 'Opt In', target: 'subscribed', key: null, type: 'boolean', samples: ['yes', 'no'] },
        { header: 'plan', target: 'data', key: 'plan', type: 'string', samples: ['pro', 'team', 'x'] },
        { header: 'seats', target: 'data', key: 'seats', type: 'number', samples: ['2', '3', '1', '4'] },
      ]);
      assert.deepEqual(preview.rows, [
        { row: 2, email: 'old@example.com', subscribed: false, data: { plan: 'pro', seats: 2 } },
        { row: 3, email: 'new@example.com', subscribed: false, data: { plan: 'team', seats: 3 } },
        { row: 4, email: 'bad', error: 'Invalid email address' },
        { row: 5, email: 'new@example.com', subscribed: false, data: { plan: 'team', seats: 4 } },
      ]);
      assert.deepEqual(preview.counts, { create: 1, update: 2, failure: 1, keptUnsubscribed: 1 });
      assert.equal((await listAll(t, auth)).length, 1, 'the preview wrote nothing');

      const job = await importCsv(t, auth, text);
      assert.deepEqual(
        [job.result.createdCount, job.result.updatedCount, job.result.failureCount, job.result.keptUnsubscribedCount],
        [preview.counts.create, preview.counts.update, preview.counts.failure, preview.counts.keptUnsubscribed],
      );
      const byEmail = await contacts(auth);
      // Each contact ends as the preview's last row for its email said.
      const last = new Map(preview.rows.filter((r: { error?: string }) => !r.error).map((r: any) => [r.email, r]));
      for (const [email, row] of last as Map<string, any>) {
        assert.deepEqual({ subscribed: byEmail.get(email)?.subscribed, data: byEmail.get(email)?.data }, { subscribed: row.subscribed, data: row.data });
      }
    });

    test('the preview refuses what the import refuses, with the same 400', async () => {
      const { auth } = await t.project();
      for (const [text, options] of [['name\nAda\n', {}], ['email\na@example.com\n', { dryRun: 'true' }]] as const) {
        const preview = await uploadWithOptions(t, auth, text, options, '/contacts/import/preview');
        const upload = await uploadWithOptions(t, auth, text, options);
        assert.equal(preview.statusCode, 400);
        assert.deepEqual(json(preview).error.errors, json(upload).error.errors);
      }
    });
  });
}
