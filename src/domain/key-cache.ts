// Verified API keys, remembered per process so that a request's key check
// needs no database read. A revocation must still count at once in every
// process, so the store gives a revocation mark (store.keys.revocationMark):
// it changes whenever a key may have stopped working, in this process or any
// other, and what was remembered under one mark is forgotten when it changes.
// While the store cannot tell (no mark), nothing is remembered or trusted.
import type { ApiKeyRecord, KeyStore, RevocationMark } from './store.js';

/** More live keys than any deployment has; reached only by churn, and then the cache starts again. */
export const KEY_CACHE_CAPACITY = 10_000;

export class KeyCache {
  private readonly entries = new Map<string, ApiKeyRecord>();
  private mark: RevocationMark | undefined;

  constructor(private readonly capacity = KEY_CACHE_CAPACITY) {}

  /** Keys remembered now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The key with this hash, as `keys.findByHash` gives it. Only live keys
   * are remembered: an unknown or revoked key is read again each time, so
   * made-up keys cannot fill the cache.
   */
  async find(keys: KeyStore, hash: Buffer): Promise<ApiKeyRecord | undefined> {
    // Read before the database: a revocation committed after the read below
    // changes the mark afterwards, so what the read found is dropped next time.
    const mark = keys.revocationMark();
    if (mark !== this.mark) {
      this.entries.clear();
      this.mark = mark;
    }
    if (mark === undefined) return keys.findByHash(hash);
    const id = hash.toString('base64');
    const known = this.entries.get(id);
    if (known) return known;
    const key = await keys.findByHash(hash);
    // Another request may have seen a newer mark meanwhile: then this read
    // may predate a revocation, and is not kept.
    if (key && key.revokedAt === null && this.mark === mark) {
      if (this.entries.size >= this.capacity) this.entries.clear();
      this.entries.set(id, key);
    }
    return key;
  }
}
