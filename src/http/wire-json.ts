// Contacts and jobs are written to the wire by hand: a contact's data and a
// job's result are already compact JSON in the store, so they are spliced in
// rather than parsed and serialised again.
import type { ContactPage } from '../domain/contacts.js';
import type { ChangePage } from '../domain/changes.js';
import { contactJson, isoTime } from '../domain/contact-json.js';
import { jobJson } from '../domain/job-json.js';

export { contactJson, jobJson };

export function contactPageJson(page: ContactPage): string {
  const contacts = page.contacts.map(contactJson).join(',');
  const total = page.total === undefined ? '' : `,"total":${page.total}`;
  return `{"contacts":[${contacts}],"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore}${total}}`;
}

/** GET /contacts/changes: each event's data is the contact JSON it was recorded with. */
export function changePageJson(page: ChangePage): string {
  const changes = page.changes.map((event) => `{"type":"${event.type}","at":"${isoTime(event.at)}","contact":${event.dataJson}}`);
  return `{"changes":[${changes.join(',')}],"cursor":"${page.cursor}","hasMore":${page.hasMore}}`;
}
