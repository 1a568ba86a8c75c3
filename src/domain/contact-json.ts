// A contact as the API writes it: its data is already compact JSON in the
// store, so it is spliced in rather than parsed and serialised again. The
// HTTP answers and the NDJSON export share it.
import type { ContactRecord } from './store.js';

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: below it, and from 1970 on, a time is written here; toISOString writes the rest. */
const FAST_END = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

let lastTime = Number.NaN;
let lastIso = '';
let dayStart = Number.NaN;
let dayPrefix = '';

/**
 * A time as the API writes it (ISO 8601, UTC, milliseconds), exactly as
 * `Date.prototype.toISOString` writes it. The last time and the last day's
 * `YYYY-MM-DDT` are kept: contacts written together (an import's batch)
 * share their times, and an export writes a million of them, most on a few
 * days, so the clock part is all that is left to write.
 */
export function isoTime(ms: number): string {
  if (ms === lastTime) return lastIso;
  if (!(Number.isInteger(ms) && ms >= 0 && ms < FAST_END)) return new Date(ms).toISOString();
  let inDay = ms - dayStart;
  if (!(inDay >= 0 && inDay < DAY_MS)) {
    dayStart = ms - (ms % DAY_MS);
    dayPrefix = new Date(dayStart).toISOString().slice(0, 11);
    inDay = ms - dayStart;
  }
  lastTime = ms;
  lastIso =
    `${dayPrefix}${TWO_DIGITS[Math.floor(inDay / 3_600_000)]}:${TWO_DIGITS[Math.floor(inDay / 60_000) % 60]}:` +
    `${TWO_DIGITS[Math.floor(inDay / 1000) % 60]}.${THREE_DIGITS[inDay % 1000]}Z`;
  return lastIso;
}

export function contactJson(contact: ContactRecord): string {
  return (
    `{"id":"${contact.id}","email":${JSON.stringify(contact.email)},"subscribed":${contact.subscribed},` +
    `"data":${contact.dataJson},"createdAt":"${isoTime(contact.createdAt)}","updatedAt":"${isoTime(contact.updatedAt)}"}`
  );
}
