// GET /metrics (CONTRACT.md, "Operations"): off unless switched on; then the
// Prometheus text format with requests by route pattern, method and status,
// their durations, jobs by type and state, the queue's oldest job, queue wait,
// imported rows by outcome and the process defaults; never an id, email,
// key or project in a label.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp, type FastifyTypeBox } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact } from '../support/contacts.js';
import { uploadCsv, waitForJob } from '../support/jobs.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  types: Map<string, string>;
  samples: Sample[];
}

/** The Prometheus text format (version 0.0.4), strictly: a line that is none of its forms fails the test. */
function parseMetrics(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[name!] = value!;
    }
    // prom-client writes NaN as "Nan"; Prometheus reads it in any case.
    const value = /^nan$/i.test(sample[3]!) ? NaN : Number(sample[3]);
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(sample[3]!), `not a number: ${line}`);
    samples.push({ name: sample[1]!, labels, value });
  }
  return { types, samples };
}

/** The one sample of `name` whose labels include `labels`; undefined when none. */
function sampleOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): Sample | undefined {
  const found = scrape.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  assert.ok(found.length <= 1, `${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0];
}

function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const sample = sampleOf(scrape, name, labels);
  assert.ok(sample, `no sample ${name} ${JSON.stringify(labels)}`);
  return sample.value;
}

/** A second app on a test app's store, with metrics served: the test app's worker runs the jobs it accepts. */
async function withMetrics(t: TestApp): Promise<TestApp> {
  const app = await buildApp({ store: t.store, logger: createLogger('silent'), metrics: 'served' });
  await app.ready();
  return { ...t, app };
}

async function scrape(app: FastifyTypeBox): Promise<Scrape> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return parseMetrics(response.body);
}

for (const kind of storeKinds()) {
  describe(`GET /metrics (${kind.name})`, () => {
    let working: TestApp;
    let idle: TestApp;
    let m: TestApp;
    let idleWithMetrics: TestApp;
    before(async () => {
      working = await startApp(kind, { worker: true });
      idle = await startApp(kind);
      m = await withMetrics(working);
      idleWithMetrics = await withMetrics(idle);
    });
    after(async () => {
      await m?.app.close();
      await idleWithMetrics?.app.close();
      await working?.close();
      await idle?.close();
    });

    test('off unless switched on: 404 NOT_FOUND on an app built without metrics', async () => {
      const response = await working.app.inject({ method: 'GET', url: '/metrics' });
      assertError(response, 404, { code: 'NOT_FOUND' });
    });

    test('requests by route pattern, method and status; durations by route and method; never an id, email or key', async () => {
      const project = await m.project();
      const contact = await createContact(m, project.auth, { email: 'metrics.person@example.com' });
      const before = await scrape(m.app);
      const answers: [string, string, number][] = [
        ['GET', `/contacts/${contact.id}`, 200],
        ['GET', `/contacts/${contact.id}`, 200],
        ['GET', '/contacts/00000000-0000-7000-8000-000000000000', 404],
        ['GET', '/no/such/route', 404],
        ['DELETE', '/health', 405],
      ];
      for (const [method, url, status] of answers) {
        const response = await m.app.inject({ method: method as 'GET', url, headers: project.auth });
        assert.equal(response.statusCode, status, `${method} ${url}`);
      }
      const response = await m.app.inject({ method: 'GET', url: '/metrics' });
      const after = parseMetrics(response.body);

      assert.equal(after.types.get('rolodex_http_requests_total'), 'counter');
      const requests = (labels: Record<string, string>, scraped: Scrape) =>
        sampleOf(scraped, 'rolodex_http_requests_total', labels)?.value ?? 0;
      const byId = { route: '/contacts/:id', method: 'GET' };
      assert.equal(requests({ ...byId, status_code: '200' }, after) - requests({ ...byId, status_code: '200' }, before), 2);
      assert.equal(requests({ ...byId, status_code: '404' }, after) - requests({ ...byId, status_code: '404' }, before), 1);
      const unmatched = { route: 'unmatched', method: 'GET', status_code: '404' };
      assert.equal(requests(unmatched, after) - requests(unmatched, before), 1, 'a path no route takes is "unmatched"');
      const refused = { route: 'unmatched', method: 'DELETE', status_code: '405' };
      assert.equal(requests(refused, after) - requests(refused, before), 1);
      for (const sample of after.samples.filter((s) => s.name === 'rolodex_http_requests_total')) {
        assert.deepEqual(Object.keys(sample.labels).sort(), ['method', 'route', 'status_code']);
        assert.ok(sample.labels.route === 'unmatched' || sample.labels.route!.startsWith('/'), sample.labels.route);
      }

      assert.equal(after.types.get('rolodex_http_request_duration_seconds'), 'histogram');
      const timed = (scraped: Scrape) => sampleOf(scraped, 'rolodex_http_request_duration_seconds_count', byId)?.value ?? 0;
      assert.equal(timed(after) - timed(before), 3);
      assert.equal(valueOf(after, 'rolodex_http_request_duration_seconds_bucket', { ...byId, le: '+Inf' }), valueOf(after, 'rolodex_http_request_duration_seconds_count', byId));
      const sum = valueOf(after, 'rolodex_http_request_duration_seconds_sum', byId);
      assert.ok(sum > 0 && sum < 60, `durations are in seconds (sum ${sum})`);
      for (const sample of after.samples.filter((s) => s.name === 'rolodex_http_request_duration_seconds_bucket')) {
        assert.deepEqual(Object.keys(sample.labels).sort(), ['le', 'method', 'route']);
      }
      const buckets = after.samples.filter((s) => s.name === 'rolodex_http_request_duration_seconds_bucket' && s.labels.route === byId.route && s.labels.method === 'GET');
      const bounds = buckets.map((s) => (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le)));
      assert.deepEqual(bounds, [...bounds].sort((a, b) => a - b), 'buckets in order of their bounds, +Inf last');
      assert.equal(bounds.at(-1), Infinity);
      buckets.slice(1).forEach((bucket, i) => assert.ok(bucket.value >= buckets[i]!.value, 'buckets are cumulative'));

      for (const secret of [contact.id, contact.email, 'metrics.person', project.project.id, project.secretKey, project.publicKey, '/no/such/route']) {
        assert.ok(!response.body.includes(secret), `${secret} appeared in the metrics`);
      }
    });

    test('an import job: jobs by type and state, queue wait at the claim, rows imported by outcome', async () => {
      const { auth } = await m.project();
      const before = await scrape(m.app);
      const rowsBefore = (outcome: string) => valueOf(before, 'rolodex_import_rows_total', { outcome });
      const waitsBefore = sampleOf(before, 'rolodex_job_queue_wait_seconds_count', { type: 'import' })?.value ?? 0;

      const upload = await uploadCsv(m, auth, 'email\nfirst@example.com\nsecond@example.com\nnot-an-email\n');
      assert.equal(upload.statusCode, 202, upload.body);
      const job = await waitForJob(m, auth, upload.headers.location as string);
      assert.equal(job.state, 'completed');
      const again = await uploadCsv(m, auth, 'email\nfirst@example.com\n');
      assert.equal((await waitForJob(m, auth, again.headers.location as string)).state, 'completed');

      const after = await scrape(m.app);
      assert.equal(after.types.get('rolodex_import_rows_total'), 'counter');
      const rows = (outcome: string) => valueOf(after, 'rolodex_import_rows_total', { outcome }) - rowsBefore(outcome);
      assert.deepEqual({ created: rows('created'), updated: rows('updated'), failed: rows('failed') }, { created: 2, updated: 1, failed: 1 });

      assert.equal(after.types.get('rolodex_job_queue_wait_seconds'), 'histogram');
      assert.equal(valueOf(after, 'rolodex_job_queue_wait_seconds_count', { type: 'import' }) - waitsBefore, 2, 'one wait per job, at its first claim');
      assert.ok(valueOf(after, 'rolodex_job_queue_wait_seconds_sum', { type: 'import' }) >= 0);

      // Read from this store: its jobs only, every type and state listed.
      assert.equal(after.types.get('rolodex_jobs'), 'gauge');
      assert.equal(valueOf(after, 'rolodex_jobs', { type: 'import', state: 'completed' }), 2);
      for (const type of ['import', 'bulk-subscribe', 'bulk-unsubscribe', 'bulk-delete']) {
        for (const state of ['queued', 'active', 'completed', 'failed']) assert.ok(sampleOf(after, 'rolodex_jobs', { type, state }), `${type} ${state}`);
      }
      for (const sample of after.samples.filter((s) => s.name === 'rolodex_jobs')) {
        assert.deepEqual(Object.keys(sample.labels).sort(), ['state', 'type']);
      }
      assert.equal(valueOf(after, 'rolodex_jobs_queued'), 0);
      assert.equal(valueOf(after, 'rolodex_jobs_oldest_queued_age_seconds'), 0);
    });

    test('jobs queued and no worker: the queued count and the oldest job\'s age say so', async () => {
      const { auth } = await idleWithMetrics.project();
      const first = await uploadCsv(idleWithMetrics, auth, 'email\nqueued@example.com\n');
      assert.equal(first.statusCode, 202, first.body);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const response = await idleWithMetrics.app.inject({
        method: 'POST',
        url: '/contacts/bulk-unsubscribe',
        headers: auth,
        payload: { contactIds: ['00000000-0000-7000-8000-000000000000'] },
      });
      assert.equal(response.statusCode, 202, response.body);

      const scraped = await scrape(idleWithMetrics.app);
      assert.equal(valueOf(scraped, 'rolodex_jobs_queued'), 2);
      assert.equal(valueOf(scraped, 'rolodex_jobs', { type: 'import', state: 'queued' }), 1);
      assert.equal(valueOf(scraped, 'rolodex_jobs', { type: 'bulk-unsubscribe', state: 'queued' }), 1);
      const age = valueOf(scraped, 'rolodex_jobs_oldest_queued_age_seconds');
      assert.ok(age >= 0.3 && age < 60, `the oldest queued job (the import) has waited ${age} s`);
    });

    test('the process defaults, without a key', async () => {
      const scraped = await scrape(m.app);
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        assert.ok(scraped.types.has(name), `${name} is missing`);
      }
    });

    test('a store that cannot answer: the scrape still answers, the job gauges say unknown', async () => {
      const own = await startApp(kind);
      const served = await withMetrics(own);
      try {
        await own.store.close();
        const scraped = await scrape(served.app);
        assert.ok(Number.isNaN(valueOf(scraped, 'rolodex_jobs_queued')));
        assert.ok(Number.isNaN(valueOf(scraped, 'rolodex_jobs_oldest_queued_age_seconds')));
        assert.equal(sampleOf(scraped, 'rolodex_jobs', { type: 'import', state: 'queued' }), undefined);
        assert.ok(scraped.types.has('process_cpu_user_seconds_total'));
      } finally {
        await served.app.close();
        // The store is closed already (PostgresStore refuses a second close); the run drops its databases.
        await own.close().catch(() => undefined);
      }
    });

    test('HEAD /metrics answers like GET, without a body; other methods → 405', async () => {
      const head = await m.app.inject({ method: 'HEAD', url: '/metrics' });
      assert.equal(head.statusCode, 200);
      assert.equal(head.body, '');
      const post = await m.app.inject({ method: 'POST', url: '/metrics' });
      assertError(post, 405, { code: 'METHOD_NOT_ALLOWED' });
      assert.equal(json(post).error.statusCode, 405);
    });
  });
}
