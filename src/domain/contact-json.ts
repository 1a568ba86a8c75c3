// A contact as the API writes it: its data is already compact JSON in the
// store, so it is spliced in rather than parsed and serialised again. The
// HTTP answers and the NDJSON export share it.
import type { ContactRecord } from './store.js';

let lastTime = Number.NaN;
let lastIso = '';

/**
 * A time as the API writes it (ISO 8601, UTC, milliseconds). The last one is
 * kept: contacts written together (an import's batch) share their times, and
 * an export writes a million of them.
 */
export function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastTime = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function contactJson(contact: ContactRecord): string {
  return (
    `{"id":"${contact.id}","email":${JSON.stringify(contact.email)},"subscribed":${contact.subscribed},` +
    `"data":${contact.dataJson},"createdAt":"${isoTime(contact.createdAt)}","updatedAt":"${isoTime(contact.updatedAt)}"}`
  );
}
