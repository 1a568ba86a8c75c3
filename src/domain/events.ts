// The events a write appends to its project's outbox (EventStore), built from
// the records the write already has: the stores call these inside the
// write's transaction, so an event exists exactly when its change committed.
import { contactJson } from './contact-json.js';
import { jobJson } from './job-json.js';
import type { ContactRecord, ContactWrites, EventType, JobRecord, NewEvent } from './store.js';

/** The events of the change feed (GET /contacts/changes); the job events go to webhooks only. */
export const CONTACT_EVENT_TYPES: readonly EventType[] = ['contact.created', 'contact.updated', 'contact.deleted'];

/** A created or updated contact, as the API shows it, at its updatedAt (when the change was made). */
export function contactEvent(type: 'contact.created' | 'contact.updated', contact: ContactRecord): NewEvent {
  return { type, at: contact.updatedAt, dataJson: contactJson(contact) };
}

/** A deleted contact: only what identified it. */
export function deletedContactJson(id: string, email: string): string {
  return `{"id":"${id}","email":${JSON.stringify(email)}}`;
}

/**
 * The events of a job step's writes, in the order the step writes them
 * (deletes, updates, inserts). A deleted contact's email comes from the
 * records the step locked before planning.
 */
export function jobStepEvents(writes: ContactWrites, existing: ContactRecord[], now: number): NewEvent[] {
  const events: NewEvent[] = [];
  if (writes.deletes.length > 0) {
    const emails = new Map(existing.map((contact) => [contact.id, contact.email]));
    for (const id of writes.deletes) {
      const email = emails.get(id);
      // A job deletes only contacts it read; an id it did not read deletes nothing.
      if (email !== undefined) events.push({ type: 'contact.deleted', at: now, dataJson: deletedContactJson(id, email) });
    }
  }
  for (const contact of writes.updates) events.push(contactEvent('contact.updated', contact));
  for (const contact of writes.inserts) events.push(contactEvent('contact.created', contact));
  return events;
}

/** The event of a job that ended (completed or failed): the job as its status endpoint shows it. */
export function jobEndedEvent(job: JobRecord): NewEvent {
  return {
    type: job.type === 'import' ? 'import.completed' : 'bulk.completed',
    at: job.finishedAt ?? Date.now(),
    dataJson: jobJson(job),
  };
}
