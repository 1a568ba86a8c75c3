// POST /contacts/import, everything checked before a job is queued
// (CONTRACT.md, "POST /contacts/import"): a rejected upload leaves no job, no
// file and no contact behind; an accepted one answers 202 at once.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError, contactsByEmail, listPage, UUID_V7, type Auth } from '../support/contacts.js';
import { importCsv, multipartBody, multipartParts, storedFileCount, storedJobCount, uploadCsv } from '../support/jobs.js';

const MAX_BYTES = 5 * 1024 * 1024;

/** A valid CSV of exactly `size` bytes: contacts whose notes of 1,000 characters pad the file. */
function csvOfSize(size: number): Buffer {
  const lines = ['email,note'];
  let length = lines[0]!.length + 1;
  for (let i = 0; length < size; i++) {
    const line = `c${i}@example.com,`;
    const note = Math.max(1, Math.min(1000, size - length - line.length - 1));
    lines.push(line + 'x'.repeat(note));
    length += line.length + note + 1;
  }
  const file = Buffer.from(lines.join('\n') + '\n');
  return file.subarray(0, size);
}

for (const kind of storeKinds()) {
  describe(`POST /contacts/import: acceptance (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    function post(auth: Auth | Record<string, string>, body: { payload?: Buffer | string | object; headers?: Record<string, string> }) {
      return t.app.inject({ method: 'POST', url: '/contacts/import', headers: { ...auth, ...body.headers }, payload: body.payload });
    }

    /** Sends `send` in a fresh project and checks the answer, and that nothing was queued or written. */
    async function rejects(
      send: (auth: Auth) => Promise<LightMyRequestResponse>,
      status: number,
      expected: { code: string; message?: string | RegExp; errors?: { field: string; message: string | RegExp }[] },
    ): Promise<void> {
      const { auth } = await t.project();
      const jobsBefore = await storedJobCount(t);
      const filesBefore = await storedFileCount(t);
      assertError(await send(auth), status, expected);
      assert.equal(await storedJobCount(t), jobsBefore, 'no job was stored');
      // Earlier jobs may finish (and drop their files) meanwhile; none may be added.
      assert.ok(await storedFileCount(t) <= filesBefore, 'no file was stored');
      assert.equal((await listPage(t, auth)).total, 0, 'no contact was written');
    }

    const badCsv = (message: RegExp) => ({ code: 'VALIDATION_ERROR', message, errors: [{ field: 'file', message }] });

    test('415 UNSUPPORTED_MEDIA_TYPE for a JSON body, a text/plain body, a form-urlencoded body and no body', async () => {
      const unsupported = { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the file as multipart/form-data in a field named "file"' };
      await rejects((auth) => post(auth, { payload: { file: 'email\na@example.com\n' } }), 415, unsupported);
      await rejects(
        (auth) => post(auth, { payload: 'email\na@example.com\n', headers: { 'content-type': 'text/plain' } }),
        415,
        unsupported,
      );
      await rejects(
        (auth) => post(auth, { payload: 'file=email', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        415,
        unsupported,
      );
      await rejects((auth) => post(auth, {}), 415, unsupported);
    });

    test('400 VALIDATION_ERROR when no part is named "file", and for every unknown field, named', async () => {
      const unknown = /^Unknown field; an import takes "file" and the options mapping, subscribed, resubscribe, encoding, delimiter$/;
      await rejects(
        (auth) =>
          post(auth, multipartParts([
            { name: 'csv', filename: 'contacts.csv', contentType: 'text/csv', content: 'email\na@example.com\n' },
            { name: 'note', content: 'hello' },
          ])),
        400,
        { code: 'VALIDATION_ERROR', errors: [{ field: 'csv', message: unknown }, { field: 'note', message: unknown }] },
      );
      await rejects((auth) => post(auth, multipartParts([{ name: 'File', filename: 'c.csv', content: 'email\na@example.com\n' }])), 400, {
        code: 'VALIDATION_ERROR',
        errors: [{ field: 'File', message: unknown }],
      });
      // A dry run the service does not have must never import for real.
      await rejects(
        (auth) => post(auth, multipartParts([{ name: 'dryRun', content: 'true' }, { name: 'file', filename: 'c.csv', content: 'email\na@example.com\n' }])),
        400,
        { code: 'VALIDATION_ERROR', errors: [{ field: 'dryRun', message: unknown }] },
      );
      await rejects((auth) => post(auth, multipartParts([{ name: 'subscribed', content: 'false' }])), 400, {
        code: 'VALIDATION_ERROR',
        errors: [{ field: 'file', message: /Required/ }],
      });
    });

    test('400 for a malformed multipart body or a second "file" part', async () => {
      const multipart = { 'content-type': 'multipart/form-data; boundary=XYZ' };
      const malformed = badCsv(/multipart body is malformed/);
      await rejects((auth) => post(auth, { payload: 'email\n', headers: { 'content-type': 'multipart/form-data' } }), 400, malformed);
      await rejects(
        (auth) => post(auth, { payload: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nemail\n', headers: multipart }),
        400,
        malformed,
      );
      await rejects(
        (auth) =>
          post(auth, multipartParts([
            { name: 'file', filename: 'a.csv', content: 'email\na@example.com\n' },
            { name: 'file', filename: 'b.csv', content: 'email\nb@example.com\n' },
          ])),
        400,
        badCsv(/Send one file only/),
      );
    });

    test('413 PAYLOAD_TOO_LARGE for a file one byte over 5 MiB, as a file part or a plain field, and far over it', async () => {
      const tooLarge = { code: 'PAYLOAD_TOO_LARGE', message: /5 MiB/ };
      await rejects((auth) => post(auth, multipartBody(csvOfSize(MAX_BYTES + 1))), 413, tooLarge);
      await rejects((auth) => post(auth, multipartParts([{ name: 'file', content: csvOfSize(MAX_BYTES + 1) }])), 413, tooLarge);
      await rejects((auth) => post(auth, multipartBody(csvOfSize(MAX_BYTES + 1024 * 1024))), 413, tooLarge);
    });

    test('a file of exactly 5 MiB is accepted', async () => {
      const { auth } = await t.project();
      const response = await post(auth, multipartBody(csvOfSize(MAX_BYTES)));
      assert.equal(response.statusCode, 202, response.body);
    });

    test('a file stored in several parts reads back byte for byte: characters of 2 and 4 bytes across every boundary', async () => {
      // 512 KiB parts, 1 MiB decoding chunks: rows of odd lengths put
      // multi-byte characters across all of them, in UTF-8 and in Windows-1252.
      for (const [encoding, name] of [['utf8', 'Zoë 😀'], ['latin1', 'Zoë café']] as const) {
        const { auth } = await t.project();
        const rows = Array.from({ length: 35_000 }, (_, i) => `p${i}@example.com,${name} ${'x'.repeat(40 + (i % 7))}`);
        const file = Buffer.from(`email,name\n${rows.join('\n')}\n`, encoding);
        assert.ok(file.length > 2 * 1024 * 1024, `${file.length} bytes`);
        const job = await importCsv(t, auth, file);
        assert.equal(job.result.createdCount, 35_000, JSON.stringify(job.result));
        const contacts = await contactsByEmail(t, auth);
        const wrong = [...contacts.values()].filter((c) => c.data.name !== `${name} ${'x'.repeat(40 + (Number(c.email.slice(1, -12)) % 7))}`);
        assert.deepEqual(wrong.slice(0, 3), [], encoding);
      }
    });

    test('400 for a record or an NDJSON line over 1,048,576 characters, naming it; one of exactly that is read', async () => {
      const limit = 1_048_576;
      const { auth } = await t.project();
      const row = (length: number) => `a@example.com,${'x'.repeat(length - 'a@example.com,'.length)}`;
      assert.equal((await uploadCsv(t, auth, `email,note\n${row(limit)}\n`)).statusCode, 202);
      const tooLong = (what: string) => badCsv(new RegExp(`${what} is longer than 1,048,576 characters: no contact needs that much`));
      await rejects((auth) => uploadCsv(t, auth, `email,note\n${row(limit + 1)}\n`), 400, tooLong('Record 2'));
      await rejects((auth) => uploadCsv(t, auth, `email${',n'.repeat(limit / 2)}\na@example.com\n`), 400, tooLong('Record 1'));
      const line = JSON.stringify({ email: 'a@example.com', data: { note: 'x'.repeat(limit) } });
      await rejects((auth) => uploadCsv(t, auth, `{"email":"b@example.com"}\n${line}\n`), 400, tooLong('Line 2'));
    });

    test('a file that is not UTF-8 is read as Windows-1252; with encoding=utf-8 it is refused, saying so', async () => {
      const { auth } = await t.project();
      assert.equal((await uploadCsv(t, auth, Buffer.from('email\na@example.com,caf\xe9\n', 'latin1'))).statusCode, 202);
      const notUtf8 = badCsv(/not valid UTF-8.*windows-1252/);
      await rejects(
        (auth) => post(auth, multipartParts([{ name: 'encoding', content: 'utf-8' }, { name: 'file', filename: 'c.csv', content: Buffer.from('email\na@example.com,caf\xe9\n', 'latin1') }])),
        400,
        notUtf8,
      );
    });

    test('400 for a workbook, an archive or a PDF, saying to save it as CSV; and for NUL bytes in 8-bit text', async () => {
      const saveAsCsv = /save it as CSV/;
      await rejects((auth) => uploadCsv(t, auth, Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100, 1)])), 400, badCsv(/Excel workbook \(\.xlsx\).*save it as CSV/));
      await rejects((auth) => uploadCsv(t, auth, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])), 400, badCsv(/\.xls\b.*save it as CSV/));
      await rejects((auth) => uploadCsv(t, auth, Buffer.from('%PDF-1.7\n%\xe2\xe3\n', 'latin1')), 400, badCsv(/PDF.*save it as CSV/));
      await rejects((auth) => uploadCsv(t, auth, Buffer.from('email\na@example.com\u0000\n')), 400, badCsv(saveAsCsv));
    });

    test('400 for an empty file and for a file with no header row (blank lines only)', async () => {
      await rejects((auth) => uploadCsv(t, auth, ''), 400, badCsv(/empty/));
      await rejects((auth) => uploadCsv(t, auth, '\n\r\n\n'), 400, badCsv(/no header row/));
      await rejects((auth) => uploadCsv(t, auth, '   \n \r\n'), 400, badCsv(/no header row/));
    });

    test('400 for an empty header name, naming its position', async () => {
      await rejects((auth) => uploadCsv(t, auth, 'email,,name\na@example.com,1,2\n'), 400, badCsv(/Header 2 is empty/));
      await rejects((auth) => uploadCsv(t, auth, 'email,name,\na@example.com,1,2\n'), 400, badCsv(/Header 3 is empty/));
      await rejects((auth) => uploadCsv(t, auth, 'email, ""\na@example.com,1\n'), 400, badCsv(/Header 2 is empty/));
    });

    test('400 for a header name over 100 characters; exactly 100 is accepted', async () => {
      await rejects((auth) => uploadCsv(t, auth, `email,${'h'.repeat(101)}\na@example.com,1\n`), 400, badCsv(/longer than 100 characters/));
      await rejects((auth) => uploadCsv(t, auth, `email,${'é'.repeat(101)}\na@example.com,1\n`), 400, badCsv(/longer than 100 characters/));
      const { auth } = await t.project();
      assert.equal((await uploadCsv(t, auth, `email,${'é'.repeat(100)}\na@example.com,1\n`)).statusCode, 202);
    });

    test('400 for duplicate header names compared case-insensitively', async () => {
      await rejects((auth) => uploadCsv(t, auth, 'email,Email\na@example.com,b@example.com\n'), 400, badCsv(/Duplicate header "Email"/));
      await rejects((auth) => uploadCsv(t, auth, 'email,Name,NAME\na@example.com,1,2\n'), 400, badCsv(/Duplicate header "NAME"/));
      await rejects((auth) => uploadCsv(t, auth, 'email,subscribed,Subscribed\na@example.com,1,2\n'), 400, badCsv(/Duplicate header/));
    });

    test('400 when no column is the email column, listing the headers found and how to name it', async () => {
      const none = /No email column: the headers are "name", "phone"\. Name the column "email", or say which it is in "mapping"/;
      await rejects((auth) => uploadCsv(t, auth, 'name,phone\nAda,1\n'), 400, badCsv(none));
      await rejects(
        (auth) => uploadCsv(t, auth, 'Email Address,E-mail\na@example.com,b@example.com\n'),
        400,
        badCsv(/More than one column could be the email column \("Email Address", "E-mail"\)/),
      );
    });

    test('more than 100 data columns are accepted: the 100-key limit is per contact, after the merge', async () => {
      const headers = ['email', 'subscribed', ...Array.from({ length: 101 }, (_, i) => `c${i}`)].join(',');
      const { auth } = await t.project();
      assert.equal((await uploadCsv(t, auth, `${headers}\na@example.com\n`)).statusCode, 202);
    });

    test('400 for a CSV syntax error anywhere in the file, naming the record (records, not lines)', async () => {
      // Record 1 is the header; blank lines are not records, and a quoted newline stays inside its record.
      const prefix = 'email,note\n\na@example.com,"two\nlines"\n\r\n';
      await rejects((auth) => uploadCsv(t, auth, `${prefix}b@example.com,"never closed\nc@example.com,1\n`), 400, badCsv(/syntax error in record 3\b/));
      await rejects((auth) => uploadCsv(t, auth, `${prefix}b@example.com,"closed"garbage\nc@example.com,1\n`), 400, badCsv(/syntax error in record 3\b/));
      await rejects((auth) => uploadCsv(t, auth, `${prefix}b@example.com,1\nc@example.com,un"quoted\n`), 400, badCsv(/syntax error in record 4\b/));
      await rejects((auth) => uploadCsv(t, auth, 'email,"note\na@example.com,1\n'), 400, badCsv(/syntax error in record 1\b/));
    });

    test('any declared part type works, and a plain field too: the content decides', async () => {
      const content = 'email\na@example.com\n';
      for (const body of [
        multipartBody(content, { contentType: 'application/octet-stream' }),
        multipartBody(content, { contentType: null }),
        multipartBody(content, { contentType: 'image/png', filename: 'photo.png' }),
        multipartParts([{ name: 'file', content }]),
        multipartParts([{ name: 'subscribed', content: 'true' }, { name: 'file', filename: 'c.csv', content }]),
      ]) {
        const { auth } = await t.project();
        const response = await post(auth, body);
        assert.equal(response.statusCode, 202, response.body);
      }
    });

    test('202 with Location and exactly {message, jobId}; totalRows is known at once', async () => {
      const { auth } = await t.project();
      const response = await uploadCsv(t, auth, 'email,name\na@example.com,Ada\n\nb@example.com,Bo\nnot-an-email,X\n');
      assert.equal(response.statusCode, 202, response.body);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      const body = json(response);
      assert.deepEqual(Object.keys(body), ['message', 'jobId']);
      assert.equal(body.message, 'Import queued');
      assert.match(body.jobId, UUID_V7);
      assert.equal(response.headers.location, `/contacts/import/${body.jobId}`);
      const status = await t.app.inject({ method: 'GET', url: response.headers.location as string, headers: auth });
      assert.equal(status.statusCode, 200, status.body);
      assert.equal(json(status).result.totalRows, 3);
      assert.equal(json(status).id, body.jobId);
    });

    test('401 and 403 come before any body check', async () => {
      const { publicKey } = await t.project();
      const cases: { headers: Record<string, string>; status: number; code: string }[] = [
        { headers: {}, status: 401, code: 'UNAUTHORIZED' },
        { headers: { authorization: `Bearer sk_${'0'.repeat(43)}` }, status: 401, code: 'INVALID_API_KEY' },
        { headers: { authorization: `Bearer ${publicKey}` }, status: 403, code: 'SECRET_KEY_REQUIRED' },
      ];
      for (const { headers, status, code } of cases) {
        const jobsBefore = await storedJobCount(t);
        assertError(await post(headers, { payload: { not: 'multipart' } }), status, { code });
        assertError(await post(headers, multipartParts([{ name: 'other', content: 'x' }])), status, { code });
        assertError(await post(headers, multipartBody('')), status, { code });
        assertError(await post(headers, multipartBody(csvOfSize(MAX_BYTES + 1))), status, { code });
        assertError(await post(headers, multipartBody('email\na@example.com\n')), status, { code });
        assert.equal(await storedJobCount(t), jobsBefore);
      }
    });
  });
}
