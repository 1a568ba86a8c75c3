// Contacts and jobs are written to the wire by hand: a contact's data and a
// job's result are already compact JSON in the store, so they are spliced in
// rather than parsed and serialised again.
import type { ContactPage } from '../domain/contacts.js';
import { contactJson } from '../domain/contact-json.js';

export { contactJson };
import type { JobRecord } from '../domain/store.js';

function isoOrNull(time: number | null): string {
  return time === null ? 'null' : `"${new Date(time).toISOString()}"`;
}

export function contactPageJson(page: ContactPage): string {
  const contacts = page.contacts.map(contactJson).join(',');
  const total = page.total === undefined ? '' : `,"total":${page.total}`;
  return `{"contacts":[${contacts}],"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore}${total}}`;
}

/** The status endpoint's object, in the contract's key order. */
export function jobJson(job: JobRecord): string {
  return (
    `{"id":"${job.id}","type":"${job.type}","state":"${job.state}","progress":${job.progress},` +
    `"result":${job.resultJson},"failedReason":${JSON.stringify(job.failedReason)},` +
    `"createdAt":${isoOrNull(job.createdAt)},"startedAt":${isoOrNull(job.startedAt)},"finishedAt":${isoOrNull(job.finishedAt)}}`
  );
}
