// Contacts: the rules of CONTRACT.md for creating, changing, reading and
// listing them. The store keeps writes atomic; this module decides what the
// next state of a contact is.
import { decodeCursor, encodeCursor } from './cursor.js';
import { emptyData, mergeData, parseData, patchChanges, serializeData, type DataPatch } from './data.js';
import { parseEmail } from './email.js';
import { checkFilter, type FilterInput } from './filter.js';
import { AppError, notFound } from './errors.js';
import { isId, newId, timeOfId } from './ids.js';
import { EmailTakenError, type ContactRecord, type Store } from './store.js';

export type Contact = ContactRecord;

export interface ContactInput {
  email: string;
  subscribed?: boolean;
  data?: DataPatch;
}

export interface ContactChange {
  email?: string;
  subscribed?: boolean;
  /** null clears all data; an object is merged. */
  data?: DataPatch | null;
}

export interface ListQuery extends FilterInput {
  limit: number;
  cursor?: string;
}

export interface ContactPage {
  contacts: Contact[];
  cursor: string | null;
  hasMore: boolean;
  total?: number;
}

/** The stored JSON of a new contact's data: the patch on nothing, checked against the limits. */
export function initialDataJson(data: DataPatch | undefined): string {
  return data && Object.keys(data).length > 0 ? serializeData(mergeData(emptyData(), data)) : '{}';
}

/** The contact a create makes: `subscribed` defaults to true, createdAt comes from the id. */
export function newContact(email: string, subscribed: boolean | undefined, dataJson: string): Contact {
  const id = newId();
  const createdAt = timeOfId(id);
  return { id, email, subscribed: subscribed ?? true, dataJson, createdAt, updatedAt: createdAt };
}

/**
 * Applies a change to a contact. Returns `current` itself when nothing would
 * change, so the write is skipped and updatedAt stays; otherwise updatedAt
 * moves strictly forward.
 */
export function reviseContact(current: Contact, change: ContactChange, now = Date.now()): Contact {
  const email = change.email ?? current.email;
  const subscribed = change.subscribed ?? current.subscribed;
  let dataJson = current.dataJson;
  if (change.data === null) dataJson = '{}';
  else if (change.data && Object.keys(change.data).length > 0) {
    const stored = parseData(current.dataJson);
    if (patchChanges(stored, change.data)) dataJson = serializeData(mergeData(stored, change.data));
  }
  if (email === current.email && subscribed === current.subscribed && dataJson === current.dataJson) return current;
  return { ...current, email, subscribed, dataJson, updatedAt: Math.max(now, current.updatedAt + 1) };
}

export class ContactService {
  constructor(private readonly store: Store) {}

  /** Upsert by email: a new contact, or the existing one with the change merged in. */
  async upsert(projectId: string, input: ContactInput): Promise<{ contact: Contact; created: boolean }> {
    const email = parseEmail(input.email);
    // Checked on its own first, so a bad request fails the same way whether
    // or not the contact exists; a new contact then stores exactly this.
    const dataJson = initialDataJson(input.data);
    return this.store.contacts.upsertByEmail(projectId, email, (current) =>
      current
        ? reviseContact(current, { subscribed: input.subscribed, data: input.data })
        : newContact(email, input.subscribed, dataJson),
    );
  }

  async get(projectId: string, id: string): Promise<Contact> {
    const contact = isId(id) ? await this.store.contacts.getById(projectId, id) : undefined;
    if (!contact) throw notFound('Contact');
    return contact;
  }

  async update(projectId: string, id: string, change: ContactChange): Promise<Contact> {
    const revised = { ...change, email: change.email === undefined ? undefined : parseEmail(change.email) };
    if (!isId(id)) throw notFound('Contact');
    try {
      const contact = await this.store.contacts.updateById(projectId, id, (current) => reviseContact(current, revised));
      if (!contact) throw notFound('Contact');
      return contact;
    } catch (error) {
      if (error instanceof EmailTakenError) {
        throw new AppError('CONFLICT', 'Another contact of this project already has this email');
      }
      throw error;
    }
  }

  async remove(projectId: string, id: string): Promise<void> {
    const deleted = isId(id) && (await this.store.contacts.deleteById(projectId, id));
    if (!deleted) throw notFound('Contact');
  }

  async list(projectId: string, query: ListQuery): Promise<ContactPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(projectId, query.cursor);
    const { limit, cursor, ...input } = query;
    const filter = checkFilter(input);
    if (filter === 'nothing') {
      return after === undefined ? { contacts: [], cursor: null, hasMore: false, total: 0 } : { contacts: [], cursor: null, hasMore: false };
    }
    const rows = await this.store.contacts.listPage(projectId, { ...filter, limit: limit + 1, after });
    const hasMore = rows.length > limit;
    const contacts = hasMore ? rows.slice(0, limit) : rows;
    const last = contacts[contacts.length - 1];
    const page: ContactPage = {
      contacts,
      cursor: hasMore && last ? encodeCursor(projectId, last) : null,
      hasMore,
    };
    if (after === undefined) page.total = await this.store.contacts.count(projectId, filter);
    return page;
  }
}
