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

/**
 * Lines go to stdout without blocking: a line written while the previous
 * write is in flight joins the next write, so a busy server makes one system
 * call per batch rather than per request, and a quiet one writes at once.
 * pino flushes what is left when the process exits.
 */
export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'rolodex' }, timestamp: isoTime },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 }),
  );
}
