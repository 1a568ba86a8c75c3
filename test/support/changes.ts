// Helpers for the change feed suites: reading GET /contacts/changes, walking
// it to its end, and replaying it onto a model of the project.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { json, type TestApp } from './app.js';
import { assertContact, type Auth, type ContactJson } from './contacts.js';

export interface ChangeJson {
  type: 'contact.created' | 'contact.updated' | 'contact.deleted';
  at: string;
  contact: ContactJson | { id: string; email: string };
}

export interface ChangePageJson {
  changes: ChangeJson[];
  cursor: string;
  hasMore: boolean;
}

export function getChanges(t: TestApp, auth: Auth, query: Record<string, string | number> = {}): Promise<LightMyRequestResponse> {
  const search = Object.fromEntries(Object.entries(query).map(([name, value]) => [name, String(value)]));
  return t.app.inject({ method: 'GET', url: '/contacts/changes', headers: auth, query: search });
}

/** One page; asserts 200 and the exact shape of the page and each change. */
export async function changesPage(t: TestApp, auth: Auth, query: Record<string, string | number> = {}): Promise<ChangePageJson> {
  const response = await getChanges(t, auth, query);
  assert.equal(response.statusCode, 200, response.body);
  const page = json<ChangePageJson>(response);
  assert.deepEqual(Object.keys(page), ['changes', 'cursor', 'hasMore']);
  assert.equal(typeof page.cursor, 'string');
  for (const change of page.changes) {
    assert.deepEqual(Object.keys(change), ['type', 'at', 'contact']);
    if (change.type === 'contact.deleted') assert.deepEqual(Object.keys(change.contact), ['id', 'email']);
    else {
      const contact = assertContact(change.contact);
      assert.equal(change.at, contact.updatedAt, 'a created or updated contact changed at its updatedAt');
    }
  }
  return page;
}

/** Every change after `since` (from the oldest kept when absent), page by page; `limit` picks each page's size. */
export async function allChanges(
  t: TestApp,
  auth: Auth,
  since?: string,
  limit: () => number = () => 100,
): Promise<{ changes: ChangeJson[]; cursor: string }> {
  const changes: ChangeJson[] = [];
  let cursor = since;
  for (;;) {
    const size = limit();
    const page = await changesPage(t, auth, cursor === undefined ? { limit: size } : { since: cursor, limit: size });
    assert.ok(page.changes.length <= size);
    if (page.hasMore) assert.equal(page.changes.length, size, 'a page short of the limit has no more after it');
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.hasMore) return { changes, cursor };
  }
}

/** The project as the changes leave it: id → contact. */
export function replay(changes: ChangeJson[], start = new Map<string, ContactJson>()): Map<string, ContactJson> {
  const contacts = new Map(start);
  for (const change of changes) {
    if (change.type === 'contact.deleted') {
      assert.ok(contacts.has(change.contact.id), `a delete of a contact the feed had: ${change.contact.id}`);
      assert.equal(contacts.get(change.contact.id)!.email, change.contact.email);
      contacts.delete(change.contact.id);
    } else {
      assert.equal(contacts.has(change.contact.id), change.type === 'contact.updated', `${change.type} of ${change.contact.id}`);
      contacts.set(change.contact.id, change.contact as ContactJson);
    }
  }
  return contacts;
}

/** The listing in the replay's form: id → contact. */
export function byId(contacts: ContactJson[]): Map<string, ContactJson> {
  return new Map(contacts.map((contact) => [contact.id, contact]));
}
