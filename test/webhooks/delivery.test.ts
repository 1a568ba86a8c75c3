// Webhook deliveries (issue 15) against a real receiver on 127.0.0.1 that
// verifies each one with the `standardwebhooks` package: every event type,
// in order; an endpoint that fails (500s, a timeout, connection refused) and
// recovers gets everything; the backoff grows; failing past the give-up time
// disables the endpoint; a 3xx is not followed; the log keeps 1 KiB of an
// answer; batching and the rate limit; the address check at delivery time.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from '../../src/config.js';
import { WebhookService } from '../../src/domain/webhooks.js';
import { createLogger } from '../../src/logger.js';
import { registry } from '../../src/metrics.js';
import { WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { json, startApp, storeKinds, type StoreKind, type TestApp } from '../support/app.js';
import { createContact, deleteContact, patchContact, type Auth } from '../support/contacts.js';
import { csv, importCsv, runBulk } from '../support/jobs.js';
import { startReceiver, type Receiver, type Received } from '../support/receiver.js';
import { freePort } from '../support/server-process.js';

const ALL = ['contact.created', 'contact.updated', 'contact.deleted', 'import.completed', 'bulk.completed'];

/** Quick retries and timeouts, no batching unless a test asks, loopback allowed. */
const FAST: Partial<WebhookSettings> = { allowPrivate: true, retryBaseMs: 50, timeoutMs: 500, ratePerSecond: 1000 };

async function register(t: TestApp, auth: Auth, receiver: Receiver, events = ALL, url = receiver.url): Promise<string> {
  const response = await t.app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url, events } });
  assert.equal(response.statusCode, 201, response.body);
  const created = json(response);
  receiver.secret = created.secret;
  return created.id;
}

async function deliveries(t: TestApp, auth: Auth, id: string): Promise<any[]> {
  const response = await t.app.inject({ method: 'GET', url: `/webhooks/${id}/deliveries?limit=100`, headers: auth });
  assert.equal(response.statusCode, 200, response.body);
  return json(response).deliveries;
}

async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The verified messages, each once (the first arrival of its webhook-id), in arrival order. */
function distinct(received: Received[]): Received[] {
  const seen = new Set<string>();
  return received.filter((r) => r.payload !== undefined && !seen.has(r.id) && seen.add(r.id));
}

/** Every event the verified messages carry, batches opened, once per webhook-id, in order. */
function eventsOf(received: Received[]): { type: string; timestamp: string; data: any }[] {
  return distinct(received).flatMap((r) => (r.payload!.type === 'contact.batch' ? r.payload!.data.events : [r.payload!]));
}

function suite(kind: StoreKind) {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((thing) => thing.close()));
  });
  const app = async (webhooks: Partial<WebhookSettings> = FAST, deliver = true) => {
    const t = await startApp(kind, { worker: true, deliver, webhooks });
    open.push(t);
    return { t, auth: (await t.project()).auth };
  };
  const receiver = async () => {
    const r = await startReceiver();
    open.push(r);
    return r;
  };

  test('every event type arrives signed, verifies, in commit order; no history, no other project, only the chosen types', async () => {
    const { t, auth } = await app();
    const before = await createContact(t, auth, { email: 'before@example.com' });
    const r = await receiver();
    const onlyDeletes = await receiver();
    const id = await register(t, auth, r);
    await register(t, auth, onlyDeletes, ['contact.deleted']);
    const other = (await t.project('other')).auth;
    await createContact(t, other, { email: 'other-project@example.com' });

    const ada = await createContact(t, auth, { email: 'ada@example.com', data: { plan: 'pro' } });
    assert.equal((await patchContact(t, auth, ada.id, { subscribed: false })).statusCode, 200);
    const job = await importCsv(t, auth, csv([['email'], ['b@example.com'], ['c@example.com']]));
    const bulk = await runBulk(t, auth, 'unsubscribe', [before.id]);
    assert.equal((await deleteContact(t, auth, ada.id)).statusCode, 204);

    await r.waitFor((got) => eventsOf(got).length >= 8);
    assert.ok(r.received.every((x) => x.verifyError === undefined), 'every delivery verifies');
    const events = eventsOf(r.received);
    assert.deepEqual(events.map((e) => e.type), [
      'contact.created', 'contact.updated', 'contact.created', 'contact.created', 'import.completed',
      'contact.updated', 'bulk.completed', 'contact.deleted',
    ]);
    assert.deepEqual(events[0]!.data, ada);
    assert.equal(events[1]!.data.subscribed, false);
    assert.deepEqual(events.slice(2, 4).map((e) => e.data.email), ['b@example.com', 'c@example.com']);
    assert.equal(events[4]!.data.id, job.id);
    assert.equal(events[4]!.data.state, 'completed');
    assert.equal(events[5]!.data.id, before.id);
    assert.equal(events[6]!.data.id, bulk.id);
    assert.deepEqual(events[7]!.data, { id: ada.id, email: 'ada@example.com' });
    for (const event of events) assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The body is exactly {type, timestamp, data}; the headers as the specification names them.
    const first = r.received[0]!;
    assert.deepEqual(Object.keys(JSON.parse(first.body)), ['type', 'timestamp', 'data']);
    assert.match(first.id, /^msg_[0-9a-f]{32}_\d+$/);
    assert.match(String(first.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.equal(first.headers['content-type'], 'application/json');
    assert.ok(Math.abs(Number(first.timestamp) - Date.now() / 1000) < 60);
    assert.equal(new Set(distinct(r.received).map((x) => x.id)).size, 8);

    await onlyDeletes.waitFor((got) => got.length >= 1);
    assert.deepEqual(eventsOf(onlyDeletes.received).map((e) => e.type), ['contact.deleted']);
    const log = await waitUntil('the log', () => deliveries(t, auth, id), (list) => list.length >= 8);
    assert.ok(log.every((d) => d.outcome === 'succeeded' && d.statusCode === 204 && d.attempt === 1 && d.nextRetryAt === null));
    const metric = await registry.getSingleMetricAsString('rolodex_webhook_deliveries_total');
    assert.match(metric, /rolodex_webhook_deliveries_total\{outcome="succeeded"\} [1-9]/);
  });

  test('500s, a timeout and refused connections, then recovery: every event arrives, in order, same webhook-id on retries', async () => {
    const { t, auth } = await app();
    const r = await receiver();
    r.answer = (_request, n) => (n <= 2 ? { status: 500, body: 'down' } : n === 3 ? { hang: true } : { status: 200, body: 'ok' });
    const id = await register(t, auth, r);
    const emails = ['r1@example.com', 'r2@example.com', 'r3@example.com'];
    for (const email of emails) await createContact(t, auth, { email });
    await r.waitFor((got) => eventsOf(got).length >= 3 && got.length >= 6);
    assert.deepEqual(eventsOf(r.received).map((e) => e.data.email), emails);
    // The first three requests were the first message, tried three times.
    assert.equal(new Set(r.received.slice(0, 4).map((x) => x.id)).size, 1);
    const log = (await deliveries(t, auth, id)).reverse();
    assert.deepEqual(log.slice(0, 4).map((d) => [d.attempt, d.outcome, d.statusCode]), [
      [1, 'failed', 500], [2, 'failed', 500], [3, 'failed', null], [4, 'succeeded', 200],
    ]);
    assert.equal(log[0].responseBody, 'down');
    assert.match(log[2].error, /no complete answer within 500 ms/);
    assert.ok(log[2].durationMs >= 450);
    const endpoint = json(await t.app.inject({ method: 'GET', url: `/webhooks/${id}`, headers: auth }));
    assert.equal(endpoint.failingSince, null);

    // Nothing listens on the endpoint's port for a while: connection refused, then it comes up.
    const port = await freePort();
    const late = await receiver();
    const lateId = await register(t, auth, late, ALL, `http://127.0.0.1:${port}/hook`);
    await createContact(t, auth, { email: 'refused@example.com' });
    await createContact(t, auth, { email: 'refused2@example.com' });
    const refused = await waitUntil('refused attempts', () => deliveries(t, auth, lateId), (list) => list.length >= 2);
    assert.ok(refused.every((d) => d.outcome === 'failed' && d.error === 'connection refused' && d.statusCode === null));
    const server = createServer((request, response) => {
      // Forward to the verifying receiver, as it is: it checks the signature.
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', async () => {
        const forwarded = await fetch(late.url, { method: 'POST', headers: request.headers as Record<string, string>, body: Buffer.concat(chunks) });
        response.writeHead(forwarded.status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    await late.waitFor((got) => eventsOf(got).length >= 2);
    assert.deepEqual(eventsOf(late.received).map((e) => e.data.email), ['refused@example.com', 'refused2@example.com']);
  });

  test('the backoff grows: each retry waits at least as long as the one before could have, within half to all of base × 2^(n-1)', async () => {
    const { t, auth } = await app({ ...FAST, retryBaseMs: 40 });
    const r = await receiver();
    r.answer = () => ({ status: 503 });
    const id = await register(t, auth, r);
    await createContact(t, auth, { email: 'backoff@example.com' });
    const log = (await waitUntil('six attempts', () => deliveries(t, auth, id), (list) => list.length >= 6)).reverse().slice(0, 6);
    const waits = log.map((d) => Date.parse(d.nextRetryAt) - Date.parse(d.attemptedAt) - d.durationMs);
    waits.forEach((wait, i) => {
      const full = 40 * 2 ** i;
      assert.ok(wait >= full / 2 - 5 && wait <= full + 5, `retry ${i + 1} waited ${wait} ms (expected ${full / 2}-${full})`);
    });
    // Attempts actually come no sooner than their nextRetryAt.
    for (let i = 1; i < log.length; i++) assert.ok(Date.parse(log[i].attemptedAt) >= Date.parse(log[i - 1].nextRetryAt) - 2);
  });

  test('failing past the give-up time disables the endpoint; GET says so and why; PATCH re-enables it and nothing is lost', async () => {
    const { t, auth } = await app({ ...FAST, retryBaseMs: 20, disableAfterMs: 600 });
    const r = await receiver();
    r.answer = () => ({ status: 500 });
    const id = await register(t, auth, r);
    await createContact(t, auth, { email: 'd1@example.com' });
    const disabled = await waitUntil(
      'disabled',
      async () => json(await t.app.inject({ method: 'GET', url: `/webhooks/${id}`, headers: auth })),
      (w) => w.enabled === false,
    );
    assert.match(disabled.disabledReason, /^Every attempt failed for [\d.]+ seconds; the last: the endpoint answered 500$/);
    assert.ok(disabled.disabledAt && disabled.failingSince);
    const log = await deliveries(t, auth, id);
    assert.equal(log[0].nextRetryAt, null);
    assert.ok(log.slice(1).every((d) => d.nextRetryAt !== null));
    const attempts = r.received.length;
    await createContact(t, auth, { email: 'd2@example.com' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(r.received.length, attempts, 'a disabled endpoint is not called');

    r.answer = () => ({ status: 204 });
    const enabled = await t.app.inject({ method: 'PATCH', url: `/webhooks/${id}`, headers: auth, payload: { enabled: true } });
    assert.equal(json(enabled).enabled, true);
    await r.waitFor((got) => eventsOf(got).length >= 2);
    assert.deepEqual(eventsOf(r.received).map((e) => e.data.email), ['d1@example.com', 'd2@example.com']);
  });

  test('an endpoint re-enabled after retention deleted its pending events moves on to the next ones', async () => {
    const { t, auth } = await app({ ...FAST, retryBaseMs: 20, disableAfterMs: 300 });
    const r = await receiver();
    r.answer = () => ({ status: 500 });
    const id = await register(t, auth, r);
    await createContact(t, auth, { email: 'purged@example.com' });
    await waitUntil('disabled', async () => json(await t.app.inject({ method: 'GET', url: `/webhooks/${id}`, headers: auth })), (w) => !w.enabled);
    assert.ok((await t.store.events.deleteBefore(Date.now() + 1)) >= 1);
    r.answer = () => ({ status: 204 });
    const before = r.received.length;
    await t.app.inject({ method: 'PATCH', url: `/webhooks/${id}`, headers: auth, payload: { enabled: true } });
    await createContact(t, auth, { email: 'after-purge@example.com' });
    await r.waitFor((got) => got.slice(before).some((x) => x.payload !== undefined));
    assert.deepEqual(eventsOf(r.received.slice(before)).map((e) => e.data.email), ['after-purge@example.com']);
  });

  test('a 3xx is a failure and is not followed; the log keeps at most 1 KiB of an answer, whole characters only', async () => {
    const { t, auth } = await app();
    const r = await receiver();
    const target = await receiver();
    // The metadata address would be refused anyway; it is never even tried.
    r.answer = (_request, n) =>
      n === 1
        ? { status: 302, headers: { location: target.url } }
        : n === 2
          ? { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }
          : n === 3
            ? { status: 500, body: 'é'.repeat(3000) }
            : { status: 200, body: 'x'.repeat(5000) };
    const id = await register(t, auth, r);
    await createContact(t, auth, { email: 'redirect@example.com' });
    await r.waitFor((got) => got.length >= 4);
    const log = (await waitUntil('four attempts', () => deliveries(t, auth, id), (list) => list.length >= 4)).reverse();
    assert.deepEqual(log.map((d) => [d.outcome, d.statusCode]), [['failed', 302], ['failed', 307], ['failed', 500], ['succeeded', 200]]);
    assert.equal(log[0].error, 'the endpoint answered 302; redirects are not followed');
    assert.equal(target.received.length, 0);
    assert.equal(log[2].responseBody, 'é'.repeat(512));
    assert.equal(log[3].responseBody, 'x'.repeat(1024));
  });

  test('a large backlog of contact events goes in contact.batch messages of WEBHOOK_BATCH_SIZE, no faster than the rate limit', async () => {
    const { t, auth } = await app({ ...FAST, ratePerSecond: 5, batchSize: 10 });
    const r = await receiver();
    const id = await register(t, auth, r);
    const rows = Array.from({ length: 25 }, (_, i) => [`batch${String(i).padStart(2, '0')}@example.com`]);
    const job = await importCsv(t, auth, csv([['email'], ...rows]));
    await r.waitFor((got) => eventsOf(got).length >= 26, 20_000);
    assert.ok(r.received.every((x) => x.verifyError === undefined));
    const messages = distinct(r.received);
    assert.deepEqual(messages.map((m) => [m.payload!.type, m.payload!.type === 'contact.batch' ? m.payload!.data.events.length : 1]), [
      ['contact.batch', 10], ['contact.batch', 10], ['contact.created', 1], ['contact.created', 1], ['contact.created', 1],
      ['contact.created', 1], ['contact.created', 1], ['import.completed', 1],
    ]);
    assert.match(messages[0]!.id, /^msg_[0-9a-f]{32}_\d+-\d+$/);
    const batch = messages[0]!.payload!;
    assert.deepEqual(Object.keys(batch.data), ['events']);
    assert.deepEqual(Object.keys(batch.data.events[0]), ['type', 'timestamp', 'data']);
    assert.deepEqual(eventsOf(r.received).slice(0, 25).map((e) => e.data.email), rows.map(([email]) => email));
    assert.equal(eventsOf(r.received)[25]!.data.id, job.id);
    const log = (await deliveries(t, auth, id)).reverse();
    assert.deepEqual(log.slice(0, 2).map((d) => [d.type, d.eventCount]), [['contact.batch', 10], ['contact.batch', 10]]);
    // Five messages a second at most: each is sent 200 ms after the one before, or later.
    for (let i = 1; i < log.length; i++) {
      const gap = Date.parse(log[i].attemptedAt) - Date.parse(log[i - 1].attemptedAt);
      assert.ok(gap >= 199, `message ${i} was sent ${gap} ms after the one before`);
    }
    // And they arrived at that pace: 8 messages span 7 gaps of 200 ms, less the network's jitter.
    assert.ok(messages[messages.length - 1]!.at - messages[0]!.at >= 7 * 200 - 50);
  });

  test('an endpoint with a backlog is sent as fast as its rate allows, not at the pace of the idle poll', async () => {
    const { t, auth } = await app(FAST, false);
    const r = await receiver();
    await register(t, auth, r);
    const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST, ratePerSecond: 20, batchSize: 1 };
    // Polling once every 5 s: 10 messages must not take 10 polls.
    const loop = new WebhookDeliverer({ store: t.store, logger: createLogger('silent'), secrets: t.secrets, settings, pollMs: 5000 });
    for (let i = 0; i < 10; i++) await createContact(t, auth, { email: `pace${i}@example.com` });
    loop.start();
    open.push({ close: () => loop.stop() });
    const started = Date.now();
    await r.waitFor((got) => eventsOf(got).length >= 10, 8000);
    const took = Date.now() - started;
    assert.ok(took >= 9 * 50 - 10 && took < 3000, `10 messages at 20 a second took ${took} ms`);
  });

  test('at delivery time, a name that resolves to loopback is refused without a request (DNS rebinding), when private addresses are not allowed', async () => {
    const { t, auth } = await app(FAST, false);
    const r = await receiver();
    const projectId = await t.projects.authenticate(auth.authorization);
    // Created where the check let it through (as a public name would be), delivered where it does not.
    const { webhook, secret } = await new WebhookService(t.store, t.secrets, true).create(projectId, {
      url: r.url.replace('127.0.0.1', 'localhost'),
      events: ['contact.created'],
    });
    r.secret = secret;
    const strict = new WebhookDeliverer({
      store: t.store,
      logger: createLogger('silent'),
      secrets: t.secrets,
      settings: { ...DEFAULT_WEBHOOK_SETTINGS, ...FAST, allowPrivate: false },
      pollMs: 20,
    });
    await createContact(t, auth, { email: 'rebind@example.com' });
    strict.start();
    open.push({ close: () => strict.stop() });
    const log = await waitUntil('a refused attempt', () => deliveries(t, auth, webhook.id), (list) => list.some((d) => d.error?.includes('localhost')));
    const refused = log.find((d) => d.error?.includes('localhost'))!;
    assert.match(refused.error, /^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address; webhooks go to public addresses only$/);
    assert.equal(refused.statusCode, null);
    assert.equal(r.received.length, 0);
  });
}

for (const kind of storeKinds()) describe(`webhook deliveries (${kind.name})`, () => suite(kind));
