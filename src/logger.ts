// Structured JSON logs (pino), one line per request. Credentials stay out by
// construction: nothing logs request headers, bodies or keys (the request
// line is method, url, status, duration and request id), and
// test/process/logging.test.ts checks that no key ever reaches the output.
// (pino's `redact` was dropped: it re-parsed its paths on every request line,
// a measurable share of a small request, to guard fields we never log.)
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** ISO 8601 time, formatted once per millisecond rather than once per line. */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastTime) {
    lastTime = now;
    lastIso = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastIso;
}
let lastTime = 0;
let lastIso = '';

/** Log lines wait for this many bytes, or LOG_FLUSH_MS, before they are written. */
export const LOG_BATCH_BYTES = 4096;
export const LOG_FLUSH_MS = 50;

/**
 * Lines go to stdout in batches, without blocking: one `write` per
 * LOG_BATCH_BYTES (some 15 request lines) rather than one per line, and what
 * is waiting goes out every LOG_FLUSH_MS, so a quiet server's lines are still
 * prompt. A clean stop writes what is left: the shutdown waits for it
 * (flushLogs), and pino writes it synchronously on `exit` whatever the cause.
 * A kill -9 loses the lines of the last LOG_FLUSH_MS at most.
 */
export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'rolodex' }, timestamp: isoTime },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }),
  );
}

/** Resolves once every line logged so far has been written. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
