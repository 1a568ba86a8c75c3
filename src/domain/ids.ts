// Contact and job ids: UUID version 7. The uuid package keeps them strictly
// increasing within a process, and createdAt is read back out of the id so
// that ordering by (createdAt, id) can never disagree with creation order,
// even if the wall clock steps backwards.
import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Random bytes come from a pool of 16 KiB: uuid's own pool holds 16 ids, and
// the system call that refills it cost more than the rest of making an id
// (an import of 80,000 new contacts spent 120 ms on it).
const POOL_BYTES = 16 * 1024;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

function randomBytes16(): Uint8Array {
  if (poolAt + 16 > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool.subarray(poolAt, (poolAt += 16));
}

// The monotonic part, as uuid keeps it: a new millisecond starts from random
// bits; within one millisecond the counter steps by one (and a wrap moves
// the time on), so ids of one process strictly increase.
const state = { msecs: -Infinity, seq: 0 };

export function newId(): string {
  const random = randomBytes16();
  const now = Date.now();
  if (now > state.msecs) {
    state.seq = (random[6]! << 23) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    state.msecs = now;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return uuidv7({ random, msecs: state.msecs, seq: state.seq });
}

/** Milliseconds since the epoch encoded in the first 48 bits of a v7 id. */
export function timeOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** Ids are lower-case canonical UUIDs; anything else can never be found. */
export function isId(value: string): boolean {
  return value.length === 36 && UUID_PATTERN.test(value);
}
