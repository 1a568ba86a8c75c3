// A search is bounded in time (SEARCH_TIMEOUT_MS; CONTRACT.md, errors): one
// that runs past it is stopped and answered 503 SERVICE_UNAVAILABLE, with a
// Retry-After, and the server goes on answering. The bound here is 1 ms, on a
// project of 40,000 contacts, so that no machine finishes the scan in time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, startApp, type StoreKind, type TestApp } from '../../support/app.js';
import { assertError, listPage, type Auth } from '../../support/contacts.js';
import { insertContacts, openTempStore } from './search-fixtures.js';

const tinyBound: StoreKind = {
  name: 'sqlite, searchTimeoutMs 1',
  async open() {
    const { store, cleanup } = await openTempStore({ searchTimeoutMs: 1 });
    return { store, cleanup };
  },
};

describe('SQLite search past its time bound', () => {
  let t: TestApp;
  let auth: Auth;
  before(async () => {
    t = await startApp(tinyBound);
    const created = await t.project();
    auth = created.auth;
    const db = (t.store as unknown as { db: import('better-sqlite3').Database }).db;
    insertContacts(db, created.project.id, Array.from({ length: 40_000 }, (_, i) => `user${i}@example.com`));
  });
  after(async () => t.close());

  test('503 SERVICE_UNAVAILABLE for a search that scans the whole project (a 1-character one matching nothing)', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/contacts?search=q', headers: auth });
    assertError(response, 503, { code: 'SERVICE_UNAVAILABLE' });
    assert.match(json(response).error.message, /took longer than 1 ms/);
    assert.equal(response.headers['retry-after'], '1');
  });

  test('503 for a total over every contact through the index', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/contacts?search=example', headers: auth });
    assertError(response, 503, { code: 'SERVICE_UNAVAILABLE' });
  });

  test('a list without a search, and later requests, are answered as usual', async () => {
    const page = await listPage(t, auth, { limit: 2 });
    assert.equal(page.total, 40_000);
    assert.equal(page.contacts.length, 2);
  });
});
