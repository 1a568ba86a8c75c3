// When a failed message is tried again: exponential backoff from the base
// delay (WEBHOOK_RETRY_BASE_MS), doubling up to 128 times the base, with
// "equal jitter" (half the delay fixed, half random), so that endpoints that
// failed together do not all come back at the same moment, and each delay
// is at least the longest the one before it could have been.

const MAX_DOUBLINGS = 7;

/** The delay after the `failures`-th failed attempt in a row (1 for the first). */
export function retryDelay(failures: number, baseMs: number, random: () => number = Math.random): number {
  const full = baseMs * 2 ** Math.min(Math.max(failures - 1, 0), MAX_DOUBLINGS);
  return Math.round(full / 2 + (random() * full) / 2);
}
