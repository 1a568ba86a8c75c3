// errors.csv gives back every failed row as written, ready to fix and import
// again; GET /contacts/import and /contacts/bulk list a project's jobs,
// newest first, a page at a time, and never another project's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, listAll, NEVER_ID, type Auth } from '../support/contacts.js';
import { importCsv, runBulk, uploadCsv } from '../support/jobs.js';

for (const kind of storeKinds()) {
  describe(`errors.csv and job history (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    const errorsCsv = (auth: Auth, jobId: string) => t.app.inject({ method: 'GET', url: `/contacts/import/${jobId}/errors.csv`, headers: auth });

    test('every failed row, as written under its header with row and error first; fixed, the file imports cleanly', async () => {
      const { auth } = await t.project();
      const bad = Array.from({ length: 1500 }, (_, i) => `"broken ${i}";Note ${i};"x; y"`);
      const text = ['email;note;quoted', 'good@example.com;fine;ok', ...bad, 'also-bad@;"two\nlines";z'].join('\r\n') + '\r\n';
      const job = await importCsv(t, auth, text);
      assert.equal(job.result.failureCount, 1501);
      assert.equal(job.result.errors.length, 1000, 'the status keeps the first 1,000');

      const response = await errorsCsv(auth, job.id);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(response.headers['content-disposition'], `attachment; filename="import-${job.id}-errors.csv"`);
      const lines = response.body.split('\r\n');
      assert.equal(lines[0], 'row;error;email;note;quoted');
      assert.equal(lines[1], '3;Invalid email address;"broken 0";Note 0;"x; y"');
      assert.equal(lines[1500], '1502;Invalid email address;"broken 1499";Note 1499;"x; y"');
      assert.equal(lines[1501], '1503;Invalid email address;also-bad@;"two\nlines";z', 'a quoted line break stays in its record');
      assert.equal(lines.length, 1503, 'the header, every failed row, and a final line end');

      // Remove the two added columns, fix the emails, import again: all succeed.
      const fixed = response.body
        .replace(/^row;error;/, '')
        .replace(/\r\n\d+;Invalid email address;/g, '\r\n')
        .replace(/"broken (\d+)"/g, 'fixed$1@example.com')
        .replace('also-bad@', 'also-good@example.com');
      const again = await importCsv(t, auth, fixed);
      assert.deepEqual([again.result.totalRows, again.result.failureCount, again.result.createdCount], [1501, 0, 1501]);
      const second = await errorsCsv(auth, again.id);
      assert.equal(second.body, 'row;error;email;note;quoted\r\n', 'no failures: the header alone');
    });

    test("an NDJSON import's failed lines come as a third column; another project's job, or a bulk job, is 404", async () => {
      const { auth } = await t.project();
      const job = await importCsv(t, auth, '{"email":"a@example.com"}\n{"email":"bad, \\"quoted\\""}\n');
      const response = await errorsCsv(auth, job.id);
      assert.equal(response.body, 'row,error,line\r\n2,Invalid email address,"{""email"":""bad, \\""quoted\\""""}"\r\n');
      const other = await t.project('other');
      assertError(await errorsCsv(other.auth, job.id), 404, { code: 'NOT_FOUND', message: 'Job not found' });
      assertError(await errorsCsv(auth, NEVER_ID), 404, { code: 'NOT_FOUND', message: 'Job not found' });
      const contact = await createContact(t, auth, { email: 'c@example.com' });
      const bulk = await runBulk(t, auth, 'unsubscribe', [contact.id]);
      assertError(await errorsCsv(auth, bulk.id), 404, { code: 'NOT_FOUND', message: 'Job not found' });
    });

    test('GET /contacts/import and /contacts/bulk: newest first, cursor-paged, results without errors, only this project', async () => {
      const { auth } = await t.project();
      const other = await t.project('other');
      await importCsv(t, other.auth, 'email\nx@example.com\n');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await importCsv(t, auth, `email\nbad${i}\nok${i}@example.com\n`)).id);
      const contact = (await listAll(t, auth))[0]!;
      const bulk = await runBulk(t, auth, 'subscribe', [contact.id]);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/contacts/import?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await t.app.inject({ method: 'GET', url, headers: auth });
        assert.equal(response.statusCode, 200, response.body);
        const page = json(response);
        assert.deepEqual(Object.keys(page), ['jobs', 'cursor', 'hasMore']);
        for (const job of page.jobs) {
          assert.equal(job.type, 'import');
          assert.equal('errors' in job.result, false);
          assert.equal(job.result.failureCount, 1);
        }
        seen.push(...page.jobs.map((job: { id: string }) => job.id));
        assert.equal(page.hasMore, page.cursor !== null);
        cursor = page.cursor;
      } while (cursor);
      assert.deepEqual(seen, [...ids].reverse());

      const bulks = json(await t.app.inject({ method: 'GET', url: '/contacts/bulk', headers: auth }));
      assert.deepEqual(bulks.jobs.map((job: { id: string }) => job.id), [bulk.id]);
      assert.equal(bulks.hasMore, false);
      const foreignCursor = json(await t.app.inject({ method: 'GET', url: '/contacts/import?limit=1', headers: auth })).cursor;
      assertError(await t.app.inject({ method: 'GET', url: `/contacts/import?cursor=${foreignCursor}`, headers: other.auth }), 400, {
        code: 'INVALID_CURSOR',
      });
      assertError(await t.app.inject({ method: 'GET', url: '/contacts/import?limit=101', headers: auth }), 400, {
        code: 'VALIDATION_ERROR',
        errors: [{ field: 'limit', message: /100/ }],
      });
    });

    test('a queued import has no failed rows yet: errors.csv is the header line of the kind', async () => {
      const idle = await startApp(kind);
      try {
        const { auth } = await idle.project();
        const response = await uploadCsv(idle, auth, 'email|name\na@example.com|x\n');
        const jobId = json(response).jobId;
        const csv = await idle.app.inject({ method: 'GET', url: `/contacts/import/${jobId}/errors.csv`, headers: auth });
        assert.equal(csv.body, 'row|error\r\n');
      } finally {
        await idle.close();
      }
    });
  });
}
