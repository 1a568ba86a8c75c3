// A contact as the API writes it: its data is already compact JSON in the
// store, so it is spliced in rather than parsed and serialised again. The
// HTTP answers and the NDJSON export share it.
import type { ContactRecord } from './store.js';

export function contactJson(contact: ContactRecord): string {
  return (
    `{"id":"${contact.id}","email":${JSON.stringify(contact.email)},"subscribed":${contact.subscribed},` +
    `"data":${contact.dataJson},"createdAt":"${new Date(contact.createdAt).toISOString()}",` +
    `"updatedAt":"${new Date(contact.updatedAt).toISOString()}"}`
  );
}
