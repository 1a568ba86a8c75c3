// The PostgreSQL store's group commit of creates (group-insert.ts), through
// the store: creates that share a batch succeed or fail each on its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import type { ContactRecord, Store } from '../../src/domain/store.js';
import { hasPostgres, postgresStoreKind } from '../support/app.js';

function newContact(email: string, dataJson = '{}'): ContactRecord {
  const now = Date.now();
  return { id: uuidv7(), email, subscribed: true, dataJson, createdAt: now, updatedAt: now };
}

describe('PostgreSQL group commit of creates', { skip: !hasPostgres && 'no PostgreSQL in this run' }, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let projectId: string;
  before(async () => {
    ({ store, cleanup } = await postgresStoreKind().open());
    projectId = uuidv7();
    await store.projects.create({ id: projectId, name: 'batch', createdAt: Date.now() }, []);
  });
  after(async () => cleanup());

  test('a create the database refuses fails alone: the others of its batch are created, with their events', async () => {
    // Not JSON: PostgreSQL refuses the json value, and with it the batch's one statement.
    const contacts = Array.from({ length: 10 }, (_, i) => newContact(`b${i}@example.com`, i === 4 ? '{not json' : `{"i":${i}}`));
    const outcomes = await Promise.allSettled(contacts.map((c) => store.contacts.upsertByEmail(projectId, c.email, () => c)));
    outcomes.forEach((outcome, i) => {
      if (i === 4) assert.equal(outcome.status, 'rejected');
      else assert.deepEqual(outcome, { status: 'fulfilled', value: { contact: contacts[i], created: true } });
    });
    const stored = await store.contacts.getByEmails(projectId, contacts.map((c) => c.email));
    assert.deepEqual(stored.map((c) => c.email).sort(), contacts.filter((_, i) => i !== 4).map((c) => c.email).sort());
    const events = await store.events.after(projectId, 0, 100, ['contact.created']);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(new Set(events.map((e) => (JSON.parse(e.dataJson) as { email: string }).email)), new Set(stored.map((c) => c.email)));
    assert.equal(await store.contacts.count(projectId, {}), 9);
  });

  test('creates of two projects at once each land in their own project, numbered in their own feed', async () => {
    const other = uuidv7();
    await store.projects.create({ id: other, name: 'other', createdAt: Date.now() }, []);
    const emails = Array.from({ length: 30 }, (_, i) => `p${i}@example.com`);
    const created = await Promise.all(
      [projectId, other].flatMap((project) => emails.map((email) => store.contacts.upsertByEmail(project, email, () => newContact(email)))),
    );
    assert.ok(created.every((outcome) => outcome.created));
    assert.equal(await store.contacts.count(other, {}), 30);
    assert.equal(await store.events.lastSeq(other), 30);
    assert.equal(await store.events.lastSeq(projectId), 39);
  });
});
