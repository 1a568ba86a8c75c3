// Contacts are written to the wire by hand: data is already compact JSON in
// the store, so it is spliced in rather than parsed and serialised again.
import type { Contact, ContactPage } from '../domain/contacts.js';

export function contactJson(contact: Contact): string {
  return (
    `{"id":"${contact.id}","email":${JSON.stringify(contact.email)},"subscribed":${contact.subscribed},` +
    `"data":${contact.dataJson},"createdAt":"${new Date(contact.createdAt).toISOString()}",` +
    `"updatedAt":"${new Date(contact.updatedAt).toISOString()}"}`
  );
}

export function contactPageJson(page: ContactPage): string {
  const contacts = page.contacts.map(contactJson).join(',');
  const total = page.total === undefined ? '' : `,"total":${page.total}`;
  return `{"contacts":[${contacts}],"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore}${total}}`;
}
