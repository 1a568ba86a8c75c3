// Webhook signing secrets at rest (our rule: never stored or logged in the
// clear): sealed with AES-256-GCM under a key outside the database, bound
// to their endpoint; the embedded store's key file is made once, mode 0600.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SecretBox, SecretsKeyMissingError, keyFile, secretBoxFor } from '../../src/webhooks/secret-box.js';

describe('webhook secrets at rest', () => {
  test('sealed bytes open with the same key and context only, and never contain the secret', () => {
    const key = randomBytes(32);
    const box = new SecretBox(() => key);
    const secret = randomBytes(32);
    const sealed = box.seal(secret, 'webhook:p:w');
    assert.equal(sealed.includes(secret), false);
    assert.deepEqual(box.open(sealed, 'webhook:p:w'), secret);
    assert.throws(() => box.open(sealed, 'webhook:p:other'));
    assert.throws(() => new SecretBox(() => randomBytes(32)).open(sealed, 'webhook:p:w'));
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    assert.throws(() => box.open(altered, 'webhook:p:w'));
  });

  test('the embedded key file: made on first use, mode 0600, the same key after; none made until then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolodex-secrets-'));
    try {
      const box = secretBoxFor({ secretsKey: undefined, dialect: 'sqlite', dataDir: dir });
      assert.throws(() => statSync(join(dir, 'secrets.key')), /ENOENT/);
      const sealed = box.seal(Buffer.from('s'), 'c');
      const file = join(dir, 'secrets.key');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
      assert.deepEqual(keyFile(file), keyFile(file));
      // Another process (a new box) opens what the first sealed.
      assert.equal(secretBoxFor({ secretsKey: undefined, dialect: 'sqlite', dataDir: dir }).open(sealed, 'c').toString(), 's');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('scale-out without SECRETS_KEY refuses to seal; with it, every process shares the key', () => {
    const box = secretBoxFor({ secretsKey: undefined, dialect: 'postgres', dataDir: '/nonexistent' });
    assert.throws(() => box.seal(Buffer.from('s'), 'c'), SecretsKeyMissingError);
    const key = randomBytes(32);
    const sealed = secretBoxFor({ secretsKey: key, dialect: 'postgres', dataDir: '/x' }).seal(Buffer.from('s'), 'c');
    assert.equal(secretBoxFor({ secretsKey: key, dialect: 'postgres', dataDir: '/y' }).open(sealed, 'c').toString(), 's');
  });

  test('configuration: SECRETS_KEY is 32 bytes of base64, the webhook settings are checked, and the defaults are the documented ones', () => {
    const config = loadConfig({});
    assert.equal(config.secretsKey, undefined);
    assert.deepEqual(config.webhooks, {
      allowPrivate: false, ratePerSecond: 10, batchSize: 100, retryBaseMs: 30_000, disableAfterMs: 86_400_000, timeoutMs: 10_000, concurrency: 4,
    });
    const key = randomBytes(32).toString('base64');
    assert.deepEqual(loadConfig({ SECRETS_KEY: key }).secretsKey, Buffer.from(key, 'base64'));
    for (const [name, value] of [
      ['SECRETS_KEY', randomBytes(16).toString('base64')],
      ['SECRETS_KEY', 'not base64 at all!'],
      ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
      ['WEBHOOK_RATE_PER_SECOND', '0'],
      ['WEBHOOK_BATCH_SIZE', '0'],
      ['WEBHOOK_BATCH_SIZE', '5000'],
      ['WEBHOOK_RETRY_BASE_MS', 'soon'],
      ['WEBHOOK_DISABLE_AFTER_MS', '-1'],
      ['WEBHOOK_TIMEOUT_MS', '50'],
      ['WEBHOOK_CONCURRENCY', '0'],
    ]) {
      assert.throws(() => loadConfig({ [name!]: value }), (error: unknown) => error instanceof ConfigError && error.message.includes(name!), `${name}=${value}`);
    }
    const error = (() => {
      try {
        loadConfig({ SECRETS_KEY: 'c2hvcnQ=' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    assert.ok(error && !error.message.includes('c2hvcnQ='), 'the message never repeats the key');
  });
});
