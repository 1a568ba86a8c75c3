// The key cache on its own, over a key store that counts its reads: live keys
// are remembered while the revocation mark stays the same; unknown and
// revoked keys never are; a full cache starts again; no mark, no caching.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyCache } from '../../src/domain/key-cache.js';
import { hashKey } from '../../src/domain/keys.js';
import type { ApiKeyRecord, KeyStore, RevocationMark } from '../../src/domain/store.js';

class CountingKeys implements KeyStore {
  reads = 0;
  mark: RevocationMark | undefined = 1;
  readonly byHash = new Map<string, ApiKeyRecord>();

  add(raw: string, revokedAt: number | null = null): Buffer {
    const hash = hashKey(raw);
    this.byHash.set(hash.toString('hex'), { id: raw, projectId: 'p', kind: 'secret', hash, prefix: raw.slice(0, 11), createdAt: 0, revokedAt });
    return hash;
  }
  async insert(): Promise<void> {}
  async list(): Promise<ApiKeyRecord[]> {
    return [];
  }
  async revoke(): Promise<boolean> {
    return false;
  }
  async findByHash(hash: Buffer): Promise<ApiKeyRecord | undefined> {
    this.reads++;
    return this.byHash.get(hash.toString('hex'));
  }
  revocationMark(): RevocationMark | undefined {
    return this.mark;
  }
}

describe('KeyCache', () => {
  test('a live key is read once while the mark stays the same, and again once it changes', async () => {
    const keys = new CountingKeys();
    const hash = keys.add('sk_live');
    const cache = new KeyCache();
    for (let i = 0; i < 5; i++) assert.equal((await cache.find(keys, hash))?.id, 'sk_live');
    assert.equal(keys.reads, 1);
    keys.mark = 2;
    keys.byHash.get(hash.toString('hex'))!.revokedAt = 5;
    assert.equal((await cache.find(keys, hash))?.revokedAt, 5);
    assert.equal(keys.reads, 2);
  });

  test('unknown and revoked keys are never remembered', async () => {
    const keys = new CountingKeys();
    const revoked = keys.add('sk_revoked', 1);
    const cache = new KeyCache();
    for (let i = 0; i < 100; i++) assert.equal(await cache.find(keys, hashKey(`sk_unknown_${i}`)), undefined);
    for (let i = 0; i < 3; i++) assert.equal((await cache.find(keys, revoked))?.revokedAt, 1);
    assert.equal(cache.size, 0);
    assert.equal(keys.reads, 103);
  });

  test('without a mark every check reads the store, and nothing is kept for later', async () => {
    const keys = new CountingKeys();
    const hash = keys.add('sk_live');
    keys.mark = undefined;
    const cache = new KeyCache();
    for (let i = 0; i < 3; i++) await cache.find(keys, hash);
    assert.equal(keys.reads, 3);
    assert.equal(cache.size, 0);
    keys.mark = 7;
    await cache.find(keys, hash);
    await cache.find(keys, hash);
    assert.equal(keys.reads, 4);
  });

  test('a read that a newer mark overtook is not kept', async () => {
    const keys = new CountingKeys();
    const hash = keys.add('sk_live');
    const cache = new KeyCache();
    const first = cache.find(keys, hash); // reads under mark 1…
    keys.mark = 2; // …while a revocation lands
    await cache.find(keys, keys.add('sk_other'));
    await first;
    assert.equal(cache.size, 1); // only sk_other, read under mark 2
    await cache.find(keys, hash);
    assert.equal(keys.reads, 3);
  });

  test('holds at most its capacity: full, it starts again', async () => {
    const keys = new CountingKeys();
    const cache = new KeyCache(3);
    const hashes = ['a', 'b', 'c', 'd'].map((name) => keys.add(`sk_${name}`));
    for (const hash of hashes.slice(0, 3)) await cache.find(keys, hash);
    assert.equal(cache.size, 3);
    await cache.find(keys, hashes[3]!);
    assert.equal(cache.size, 1);
  });
});
