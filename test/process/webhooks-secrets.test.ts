// Webhook secrets in real processes: the embedded store makes its key file
// in the data folder (0600) and the database holds no secret in the clear;
// scale-out without SECRETS_KEY refuses to create webhooks with a 503 that
// says what to set, and its workers say that they deliver nothing.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasPostgres } from '../support/app.js';
import { createProjectIn, killAll, startProcess, startServer, tempDataDir } from '../support/server-process.js';
import { serverTargets } from '../support/targets.js';

after(killAll);

async function createWebhook(url: string, key: string): Promise<Response> {
  return fetch(`${url}/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['contact.created'] }),
  });
}

describe('webhook secrets in real processes', () => {
  test('embedded: the key file is made in the data folder (0600); neither the database nor the log holds the secret', async () => {
    const dataDir = tempDataDir();
    const { secretKey } = await createProjectIn(dataDir);
    const server = await startServer({ dataDir, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    try {
      const response = await createWebhook(server.url, secretKey);
      assert.equal(response.status, 201);
      const { secret } = (await response.json()) as { secret: string };
      assert.equal(statSync(join(dataDir, 'secrets.key')).mode & 0o777, 0o600);
      const bytes = Buffer.from(secret.slice(6), 'base64');
      for (const file of ['rolodex.db', 'rolodex.db-wal']) {
        const content = readFileSync(join(dataDir, file));
        assert.equal(content.includes(bytes), false, file);
        assert.equal(content.includes(secret), false, file);
      }
      assert.ok(!server.logs().join('\n').includes(secret.slice(6)));
    } finally {
      await server.stop();
    }
  });

  test('scale-out without SECRETS_KEY: POST /webhooks is a 503 naming SECRETS_KEY; a worker logs that it delivers nothing', { skip: hasPostgres ? false : 'no PostgreSQL in this run' }, async () => {
    const postgres = serverTargets().find((target) => target.name === 'postgres')!;
    const { options, secretKey, cleanup } = await postgres.prepare();
    const env = { ...options.env, WEBHOOK_ALLOW_PRIVATE: 'true' };
    const api = await startServer({ command: 'api', env });
    const worker = startProcess(['worker'], { env });
    try {
      const response = await createWebhook(api.url, secretKey);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'SERVICE_UNAVAILABLE');
      assert.match(body.error.message, /^Webhooks cannot be created: SECRETS_KEY is not set/);
      await worker.waitForLog((r) => r.msg === 'webhook deliveries are off in this process: SECRETS_KEY is not set (docs/operations.md)', 20_000);
    } finally {
      await Promise.all([api.stop(), worker.stop()]);
      await cleanup();
    }
  });
});
