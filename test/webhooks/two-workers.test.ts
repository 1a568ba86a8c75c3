// Two delivery loops on one PostgreSQL database (issue 15): any number of
// workers deliver, and the lease per endpoint means no two ever send to one
// endpoint at once, so no attempt is made twice at the same time. Receivers
// answer slowly and count the requests they are answering at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { hasPostgres, json, postgresStoreKind, startApp, type TestApp } from '../support/app.js';
import { createContact, type Auth } from '../support/contacts.js';
import { startReceiver, type Receiver, type Received } from '../support/receiver.js';

const ENDPOINTS = 3;
const EVENTS = 12;

function firstArrivals(received: Received[]): Received[] {
  const seen = new Set<string>();
  return received.filter((r) => r.payload !== undefined && !seen.has(r.id) && seen.add(r.id));
}

describe('two delivery loops on one PostgreSQL', { skip: hasPostgres ? false : 'no PostgreSQL in this run' }, () => {
  let url = '';
  let t: TestApp;
  let auth: Auth;
  let second: PostgresStore;
  const receivers: Receiver[] = [];
  const loops: WebhookDeliverer[] = [];
  before(async () => {
    t = await startApp(postgresStoreKind(undefined, (opened) => (url = opened)), { webhooks: { allowPrivate: true } });
    auth = (await t.project()).auth;
    second = await PostgresStore.connect(url);
  });
  after(async () => {
    await Promise.all(loops.map((loop) => loop.stop()));
    await Promise.all(receivers.map((r) => r.close()));
    await second.close();
    await t.close();
  });

  test('every event reaches every endpoint, in order, and no endpoint ever has two requests in flight', async () => {
    for (let i = 0; i < ENDPOINTS; i++) {
      const receiver = await startReceiver();
      // Slow, and failing now and then: retries must not overlap either.
      receiver.answer = (_request, n) => ({ status: n % 4 === 0 ? 500 : 200, delayMs: 60 });
      const response = await t.app.inject({ method: 'POST', url: '/webhooks', headers: auth, payload: { url: receiver.url, events: ['contact.created'] } });
      receiver.secret = json(response).secret;
      receivers.push(receiver);
    }
    // Counts each loop's claims, to see that both took part.
    const claims = [0, 0];
    [t.store, second].forEach((store, i) => {
      const claim = store.webhooks.claim.bind(store.webhooks);
      store.webhooks.claim = async (...args) => {
        const claimed = await claim(...args);
        if (claimed) claims[i]!++;
        return claimed;
      };
    });
    const settings = { ...DEFAULT_WEBHOOK_SETTINGS, allowPrivate: true, retryBaseMs: 30, ratePerSecond: 1000, concurrency: 4 };
    for (const store of [t.store, second]) {
      const loop = new WebhookDeliverer({ store, logger: createLogger('silent'), secrets: t.secrets, settings, pollMs: 5 });
      loops.push(loop);
      loop.start();
    }
    const emails = Array.from({ length: EVENTS }, (_, i) => `pair${i}@example.com`);
    for (const email of emails) await createContact(t, auth, { email });
    for (const receiver of receivers) {
      await receiver.waitFor((got) => firstArrivals(got).length >= EVENTS, 30_000);
      assert.deepEqual(firstArrivals(receiver.received).map((r) => r.payload!.data.email), emails);
      assert.equal(receiver.maxConcurrentPerId, 1);
      assert.equal(receiver.maxConcurrent, 1);
    }
    assert.ok(claims.every((n) => n > 0), `both loops delivered (claims: ${claims.join(', ')})`);
  });
});
