// Webhook deliveries survive kill -9 (issue 15): the process delivering is
// killed while the receiver holds the first request open; the process that
// replaces it sends that message again, under the same webhook-id, and then
// every other event, in order. The receiver deduplicates on webhook-id.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { killAll, startProcess, startServer, type RunningProcess, type ServerProcess } from '../support/server-process.js';
import { serverTargets } from '../support/targets.js';
import { startReceiver, type Received } from '../support/receiver.js';

async function call(server: ServerProcess, key: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(response.status === 201, `${path}: ${response.status}`);
  return response.json();
}

function firstArrivals(received: Received[]): Received[] {
  const seen = new Set<string>();
  return received.filter((r) => r.payload !== undefined && !seen.has(r.id) && seen.add(r.id));
}

after(killAll);

for (const target of serverTargets()) {
  describe(`webhook deliveries survive kill -9 (${target.name})`, () => {
    test('the worker dies mid-delivery; the next one delivers every event, the interrupted one again under the same webhook-id', async () => {
      const { options, secretKey, cleanup } = await target.prepare();
      const receiver = await startReceiver();
      // The first request is never answered: the worker is killed while it waits.
      receiver.answer = (_request, n) => (n === 1 ? { hang: true } : { status: 204 });
      const env = {
        ...options.env,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '100',
        ...(target.name === 'postgres' ? { SECRETS_KEY: randomBytes(32).toString('base64') } : {}),
      };
      // SQLite: one `serve` process delivers; PostgreSQL: an API and a separate worker.
      const scaleOut = target.name === 'postgres';
      let api = await startServer({ command: scaleOut ? 'api' : 'serve', env, dataDir: options.dataDir });
      let worker: RunningProcess = scaleOut ? startProcess(['worker'], { env }) : api;
      try {
        const webhook = await call(api, secretKey, '/webhooks', { url: receiver.url, events: ['contact.created'] });
        receiver.secret = webhook.secret;
        const emails = Array.from({ length: 5 }, (_, i) => `crash${i}@example.com`);
        for (const email of emails) await call(api, secretKey, '/contacts', { email });
        await receiver.waitFor((got) => got.length >= 1, 20_000);
        await worker.kill();

        if (scaleOut) worker = startProcess(['worker'], { env });
        else worker = api = await startServer({ command: 'serve', env, dataDir: api.dataDir });
        await receiver.waitFor((got) => firstArrivals(got).length >= 5, 30_000);
        assert.ok(receiver.received.every((r) => r.verifyError === undefined), 'every delivery verifies');
        assert.deepEqual(firstArrivals(receiver.received).map((r) => r.payload!.data.email), emails);
        // The interrupted message came again, under its own id.
        assert.equal(receiver.received[1]!.id, receiver.received[0]!.id);
        assert.ok(worker.logRecords().every((r) => !JSON.stringify(r).includes(webhook.secret.slice(6))));
      } finally {
        await worker.stop().catch(() => undefined);
        if (api !== worker) await api.stop().catch(() => undefined);
        await receiver.close();
        await cleanup();
      }
    });
  });
}
