// The client against the real service: `rolodex serve` as a child process,
// a project made by the command line, every call over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRolodex, RolodexError, type Job } from '../src/index.js';
import { startServer, type Server } from './support/server.js';

/** A fetch that records the status of every answer it passes on. */
function recordingFetch(statuses: number[]) {
  return async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    statuses.push(response.status);
    return response;
  };
}

describe('against rolodex serve', () => {
  let server: Server;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.stop());

  test('creates, reads, patches and deletes a contact', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const created = await rolodex.contacts.create({ email: ' Ada@Example.com ', data: { plan: 'pro', seats: 5 } });
    assert.equal(created.email, 'ada@example.com');
    assert.equal(created.subscribed, true);
    assert.deepEqual(created.data, { plan: 'pro', seats: 5 });

    assert.deepEqual(await rolodex.contacts.get(created.id), created);

    const patched = await rolodex.contacts.update(created.id, { subscribed: false, data: { seats: null, team: 'core' } });
    assert.equal(patched.subscribed, false);
    assert.deepEqual(patched.data, { plan: 'pro', team: 'core' });

    assert.equal(await rolodex.contacts.delete(created.id), undefined);
    await assert.rejects(rolodex.contacts.get(created.id), (error: unknown) => {
      assert.ok(error instanceof RolodexError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'NOT_FOUND');
      assert.equal(typeof error.requestId, 'string');
      assert.deepEqual(error.errors, []);
      return true;
    });
  });

  test('contacts.changes reads the change feed a page at a time and polls with its cursor', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const start = await rolodex.contacts.changes();
    assert.deepEqual(start.changes, []);
    const created = await rolodex.contacts.create({ email: 'feed@example.com' });
    const updated = await rolodex.contacts.update(created.id, { subscribed: false });
    await rolodex.contacts.delete(created.id);

    const first = await rolodex.contacts.changes({ since: start.cursor, limit: 2 });
    assert.deepEqual(first.changes.map((change) => [change.type, change.contact]), [
      ['contact.created', created],
      ['contact.updated', updated],
    ]);
    assert.equal(first.hasMore, true);
    const rest = await rolodex.contacts.changes({ since: first.cursor });
    assert.deepEqual(rest.changes.map((change) => [change.type, change.contact]), [['contact.deleted', { id: created.id, email: 'feed@example.com' }]]);
    assert.deepEqual(await rolodex.contacts.changes({ since: rest.cursor }), { changes: [], cursor: rest.cursor, hasMore: false });
    await assert.rejects(rolodex.contacts.changes({ since: 'nonsense' }), (error: unknown) => error instanceof RolodexError && error.code === 'INVALID_CURSOR');
  });

  test('a 404 is a RolodexError carrying the envelope and the request id', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const missing = '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11';
    const error = await rolodex.contacts.get(missing).then(() => assert.fail('expected a 404'), (thrown: unknown) => thrown);
    assert.ok(error instanceof RolodexError);
    assert.equal(error.name, 'RolodexError');
    assert.equal(error.statusCode, 404);
    assert.equal(error.code, 'NOT_FOUND');
    assert.equal(error.message, error.envelope?.error.message);
    assert.match(error.requestId ?? '', /^[A-Za-z0-9._:-]+$/);

    // The raw call answers the same envelope, typed, without throwing.
    const { data, error: envelope, response } = await rolodex.raw.GET('/contacts/{id}', {
      params: { path: { id: missing } },
      headers: { 'X-Request-ID': 'client-test-404' },
    });
    assert.equal(data, undefined);
    assert.equal(response.status, 404);
    assert.equal(envelope?.error.code, 'NOT_FOUND');
    assert.equal(envelope?.error.requestId, 'client-test-404');
  });

  test('a validation error lists each field', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const error = await rolodex.contacts.create({ email: 'not-an-email' }).then(() => assert.fail('expected a 400'), (thrown: unknown) => thrown);
    assert.ok(error instanceof RolodexError);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'VALIDATION_ERROR');
    assert.equal(error.errors[0]?.field, 'email');
  });

  test('contacts.all walks every page, newest first, each contact once', async () => {
    const statuses: number[] = [];
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject(), fetch: recordingFetch(statuses) });
    const emails = Array.from({ length: 250 }, (_, i) => `person${String(i).padStart(3, '0')}@example.com`);
    for (let start = 0; start < emails.length; start += 25) {
      await Promise.all(emails.slice(start, start + 25).map((email) => rolodex.contacts.create({ email })));
    }
    statuses.length = 0;

    const seen = [];
    for await (const contact of rolodex.contacts.all({ limit: 40 })) seen.push(contact);
    assert.equal(seen.length, 250);
    assert.equal(new Set(seen.map((contact) => contact.id)).size, 250);
    assert.deepEqual(new Set(seen.map((contact) => contact.email)), new Set(emails));
    const order = seen.map((contact) => `${contact.createdAt} ${contact.id}`);
    assert.deepEqual(order, [...order].sort().reverse());
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200]); // ceil(250 / 40) pages

    const first = await rolodex.contacts.list({ limit: 100 });
    assert.equal(first.total, 250);
    assert.equal(first.hasMore, true);

    // Filters go with every page.
    const filtered = [];
    for await (const contact of rolodex.contacts.all({ search: 'person00', limit: 3 })) filtered.push(contact.email);
    assert.deepEqual(filtered.sort(), emails.slice(0, 10));
  });

  test('an import is uploaded as multipart and waited to completion with progress', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const csv = [
      'Email Address,Plan,Seats,Opt In',
      'ada@example.com,pro,5,yes',
      'grace@example.com,team,02134,no',
      'not-an-email,free,1,yes',
      'linus@example.com,free,1,',
    ].join('\n');
    const accepted = await rolodex.imports.upload(Buffer.from(csv), { mapping: { Plan: 'tier' }, filename: 'people.csv' });
    assert.equal(accepted.message, 'Import queued');
    assert.equal(accepted.location, `/contacts/import/${accepted.jobId}`);

    const progress: Job[] = [];
    const job = await rolodex.jobs.wait(accepted.location, { intervalMs: 50, onProgress: (seen) => progress.push(seen) });
    assert.equal(job.state, 'completed');
    assert.equal(job.progress, 100);
    const { totalRows, processedRows, successCount, createdCount, updatedCount, failureCount, errors } = (
      await rolodex.imports.get(accepted.jobId)
    ).result;
    assert.deepEqual(
      { totalRows, processedRows, successCount, createdCount, updatedCount, failureCount },
      { totalRows: 4, processedRows: 4, successCount: 3, createdCount: 3, updatedCount: 0, failureCount: 1 },
    );
    assert.deepEqual(errors, [{ row: 4, email: 'not-an-email', error: 'Invalid email address' }]);
    assert.ok(progress.length >= 1);
    assert.equal(progress.at(-1)?.progress, 100);
    const percents = progress.map((seen) => seen.progress);
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b));

    const grace = (await rolodex.contacts.list({ search: 'grace@' })).contacts[0];
    assert.deepEqual(grace?.data, { tier: 'team', Seats: '02134' });
    assert.equal(grace?.subscribed, false);

    // A bare id finds the job too, and so does imports.wait.
    assert.equal((await rolodex.jobs.wait(accepted.jobId)).id, accepted.jobId);
    assert.equal((await rolodex.imports.wait(accepted.jobId)).state, 'completed');
  });

  test('jobs.wait follows a bulk job by its Location or its bare id', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const ada = await rolodex.contacts.create({ email: 'ada@example.com' });
    const missing = '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11';
    const { data, response } = await rolodex.raw.POST('/contacts/bulk-unsubscribe', { body: { contactIds: [ada.id, missing] } });
    assert.equal(response.status, 202);
    const location = response.headers.get('location') ?? '';
    assert.equal(location, `/contacts/bulk/${data?.jobId}`);

    const job = await rolodex.jobs.wait(`${server.url}${location}`, { intervalMs: 50 });
    assert.equal(job.type, 'bulk-unsubscribe');
    assert.equal(job.state, 'completed');
    assert.equal((await rolodex.jobs.wait(data?.jobId ?? '')).id, data?.jobId);
    assert.equal((await rolodex.contacts.get(ada.id)).subscribed, false);
  });

  test('filters by data, exports what matches, and acts on it by filter', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    for (let i = 0; i < 5; i++) await rolodex.contacts.create({ email: `f${i}@example.com`, data: { plan: i < 2 ? 'trial' : 'pro', seats: i } });
    const trial = await rolodex.contacts.list({ data: { plan: 'trial' } });
    assert.equal(trial.total, 2);
    const seats = [];
    for await (const contact of rolodex.contacts.all({ data: { seats: 3 }, limit: 1 })) seats.push(contact.email);
    assert.deepEqual(seats, ['f3@example.com']);

    const csv = await (await rolodex.contacts.export({ data: { plan: 'pro' } })).text();
    assert.equal(csv.split('\r\n')[0], 'email,subscribed,createdAt,updatedAt,plan,seats');
    assert.equal(csv.trim().split('\r\n').length, 4);
    const ndjson = await (await rolodex.contacts.export({}, 'ndjson')).text();
    assert.equal(ndjson.trim().split('\n').length, 5);

    const accepted = await rolodex.bulk.start('unsubscribe', { filter: { data: { plan: 'trial' } } });
    const job = await rolodex.bulk.wait(accepted.jobId, { intervalMs: 20 });
    assert.equal(job.state, 'completed');
    assert.equal(job.result.totalRequested, 2);
    assert.equal((await rolodex.contacts.list({ subscribed: 'false' })).total, 2);
  });

  test('an upload the server refuses is a RolodexError', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key: await server.createProject() });
    const error = await rolodex.imports.upload(new Blob(['name,plan\nAda,pro\n']), {}).then(() => assert.fail('expected a 400'), (thrown: unknown) => thrown);
    assert.ok(error instanceof RolodexError);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'VALIDATION_ERROR');
  });
});

describe('against a rate-limited rolodex serve (1 request a second, burst 1)', () => {
  let server: Server;
  let key: string;
  before(async () => {
    server = await startServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' });
    key = await server.createProject();
  });
  after(async () => server?.stop());

  test('a 429 is retried after Retry-After, and the call succeeds', async () => {
    const statuses: number[] = [];
    const rolodex = createRolodex({ baseUrl: server.url, key, fetch: recordingFetch(statuses) });
    const first = await rolodex.contacts.create({ email: 'first@example.com' });
    const second = await rolodex.contacts.create({ email: 'second@example.com' });
    assert.equal(first.email, 'first@example.com');
    assert.equal(second.email, 'second@example.com');
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(', ')}`);
    assert.deepEqual(statuses.filter((status) => status !== 429), [201, 201]);
  });

  test('a multipart upload refused with 429 is sent again whole', async () => {
    const statuses: number[] = [];
    const rolodex = createRolodex({ baseUrl: server.url, key, fetch: recordingFetch(statuses) });
    await rolodex.contacts.list();
    const accepted = await rolodex.imports.upload('email\nada@example.com\n');
    assert.deepEqual(statuses.slice(-2), [429, 202]);
    const job = await rolodex.imports.wait(accepted.jobId, { intervalMs: 1000 });
    assert.equal(job.state, 'completed');
  });

  test('with retries off, the 429 is thrown as RATE_LIMIT_EXCEEDED', async () => {
    const rolodex = createRolodex({ baseUrl: server.url, key, retry: false });
    const error = await (async () => {
      for (let i = 0; i < 3; i++) await rolodex.contacts.list();
    })().then(() => assert.fail('expected a 429'), (thrown: unknown) => thrown);
    assert.ok(error instanceof RolodexError);
    assert.equal(error.statusCode, 429);
    assert.equal(error.code, 'RATE_LIMIT_EXCEEDED');
  });
});
