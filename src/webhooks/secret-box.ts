// Webhook signing secrets at rest: every worker must be able to sign with
// them, so they are stored sealed (AES-256-GCM) rather than hashed, under a
// key that is never in the database: SECRETS_KEY, or, for the embedded
// store, a key file of the data folder made on first use (mode 0600).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** What a webhook's sealed secret is bound to: it opens for that endpoint of that project only. */
export function webhookSecretContext(projectId: string, webhookId: string): string {
  return `webhook:${projectId}:${webhookId}`;
}

/** Sealing without a key: the scale-out store without SECRETS_KEY. */
export class SecretsKeyMissingError extends Error {
  constructor() {
    super('SECRETS_KEY is not set: webhook signing secrets cannot be sealed. Set it (32 bytes in base64) on every process.');
    this.name = 'SecretsKeyMissingError';
  }
}

export class SecretBox {
  private key: Buffer | undefined;

  /** `loadKey` runs on first use, once. */
  constructor(private readonly loadKey: () => Buffer) {}

  /** `context` binds the sealed bytes to their owner: they open under the same context only. */
  seal(plain: Buffer, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyBytes(), iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), sealed]);
  }

  /** Throws when the bytes were sealed under another key or context, or altered. */
  open(sealed: Buffer, context: string): Buffer {
    if (sealed[0] !== VERSION || sealed.length < 1 + IV_BYTES + TAG_BYTES) throw new Error('not a sealed secret of a known version');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.keyBytes(), iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  }

  private keyBytes(): Buffer {
    this.key ??= this.loadKey();
    return this.key;
  }
}

/**
 * The box a process uses: SECRETS_KEY when set; else, on the embedded
 * store, the data folder's key file; else (scale-out without a key) a box
 * that refuses, because each process would otherwise make a key of its own.
 */
export function secretBoxFor(settings: { secretsKey: Buffer | undefined; dialect: 'sqlite' | 'postgres'; dataDir: string }): SecretBox {
  const { secretsKey, dialect, dataDir } = settings;
  if (secretsKey) return new SecretBox(() => secretsKey);
  if (dialect === 'sqlite') return new SecretBox(() => keyFile(join(dataDir, 'secrets.key')));
  return new SecretBox(() => {
    throw new SecretsKeyMissingError();
  });
}

/**
 * Reads the key file, or makes it: written whole under a name of its own,
 * then linked into place, so a process starting beside this one reads either
 * no file or the whole key, and two that make one at once keep the first.
 */
export function keyFile(path: string): Buffer {
  try {
    return parseKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  return parseKeyFile(path);
}

function parseKeyFile(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${path} does not hold a 32-byte key in base64`);
  return key;
}
