// Keys are never stored in the clear (CONTRACT.md, "Authentication"): after
// projects and keys are made (ProjectService) and used (requests that pass and
// fail), no raw key, nor its hex or base64, is anywhere in the SQLite file and
// its WAL, or in any row of any table of the PostgreSQL database; what is
// stored is the SHA-256 of each key, and a short display prefix.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApp, type FastifyTypeBox } from '../../src/http/app.js';
import { ProjectService } from '../../src/domain/projects.js';
import { createLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/domain/store.js';
import { freshPostgresDatabase, hasPostgres } from '../support/app.js';
import { multipartBody } from '../support/jobs.js';
import { assertNoKeyIn, postgresQuery, postgresRows, sha256, sqliteFiles } from './key-search.js';

/** A store whose raw bytes (SQLite) or every row (PostgreSQL) the test can read back. */
interface Inspectable {
  store: Store;
  /** Everything the database holds, as bytes to search. */
  contents(): Promise<Buffer>;
  /** api_keys rows as stored. */
  storedKeys(): Promise<{ hash: Buffer; prefix: string; kind: string }[]>;
  /** Closes the store; for SQLite, returns the files as closing left them (checkpointed). */
  close(): Promise<Buffer | undefined>;
}

async function openSqlite(): Promise<Inspectable> {
  const dir = mkdtempSync(join(tmpdir(), 'rolodex-keys-'));
  const file = join(dir, 'rolodex.db');
  const store = SqliteStore.open(file);
  await store.migrate();
  return {
    store,
    contents: async () => sqliteFiles(file),
    storedKeys: async () => {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT hash, prefix, kind FROM api_keys').all() as { hash: Buffer; prefix: string; kind: string }[];
      } finally {
        db.close();
      }
    },
    close: async () => {
      await store.close();
      const closed = sqliteFiles(file);
      rmSync(dir, { recursive: true, force: true });
      return closed;
    },
  };
}

async function openPostgres(): Promise<Inspectable> {
  const database = await freshPostgresDatabase();
  const store = await PostgresStore.connect(database.url);
  await store.migrate();
  return {
    store,
    contents: () => postgresRows(database.url),
    storedKeys: () => postgresQuery<{ hash: Buffer; prefix: string; kind: string }>(database.url, 'SELECT hash, prefix, kind FROM api_keys'),
    close: async () => {
      await store.close();
      await database.drop();
      return undefined;
    },
  };
}


const kinds = [...(hasPostgres ? [{ name: 'postgres', open: openPostgres }] : []), { name: 'sqlite', open: openSqlite }];

for (const kind of kinds) {
  describe(`keys at rest (${kind.name})`, () => {
    let db: Inspectable;
    let app: FastifyTypeBox;
    const keys: { key: string; kind: 'secret' | 'public' }[] = [];
    const projectIds: string[] = [];
    let mistyped: string;

    before(async () => {
      db = await kind.open();
      app = await buildApp({ store: db.store, logger: createLogger('silent') });
      await app.ready();
      const projects = new ProjectService(db.store);
      for (const name of ['Alpha', 'Beta']) {
        const created = await projects.createProject(name);
        projectIds.push(created.project.id);
        keys.push({ key: created.secretKey, kind: 'secret' }, { key: created.publicKey, kind: 'public' });
        const rotated = await projects.createKey(created.project.id, 'secret');
        const extraPublic = await projects.createKey(created.project.id, 'public');
        keys.push({ key: rotated.key, kind: 'secret' }, { key: extraPublic.key, kind: 'public' });
        const revoked = await projects.createKey(created.project.id, 'secret');
        keys.push({ key: revoked.key, kind: 'secret' });
        await projects.revokeKey(revoked.id);
      }
      const last = keys[0]!.key.at(-1) === 'A' ? 'B' : 'A';
      mistyped = keys[0]!.key.slice(0, -1) + last;
    });
    after(async () => {
      await app.close();
      const closed = await db.close();
      if (closed) assertNoKeyIn(closed, keys.map(({ key }) => key), 'the SQLite files after closing');
    });

    test('keys are used: every live secret key works, public keys get 403, revoked and mistyped keys 401', async () => {
      const [revokedA, revokedB] = [keys[4]!.key, keys[9]!.key];
      for (const { key, kind: keyKind } of keys) {
        const headers = { authorization: `Bearer ${key}` };
        const list = await app.inject({ method: 'GET', url: '/contacts', headers });
        const expected = key === revokedA || key === revokedB ? 401 : keyKind === 'public' ? 403 : 200;
        assert.equal(list.statusCode, expected, list.body);
        if (expected !== 200) continue;
        const created = await app.inject({ method: 'POST', url: '/contacts', headers, payload: { email: `${key.slice(-6).toLowerCase()}@example.com` } });
        assert.ok(created.statusCode === 201 || created.statusCode === 200, created.body);
        const { payload, headers: type } = multipartBody('email\nimported@example.com\n');
        const imported = await app.inject({ method: 'POST', url: '/contacts/import', headers: { ...headers, ...type }, payload });
        assert.equal(imported.statusCode, 202, imported.body);
        const bulk = await app.inject({ method: 'POST', url: '/contacts/bulk-subscribe', headers, payload: { contactIds: [JSON.parse(created.body).id] } });
        assert.equal(bulk.statusCode, 202, bulk.body);
      }
      for (const authorization of [`Bearer ${mistyped}`, `Basic ${keys[0]!.key}`, `Bearer ${keys[0]!.key}x`, `Bearer ${keys[0]!.key.toUpperCase()}`]) {
        const refused = await app.inject({ method: 'GET', url: '/contacts', headers: { authorization } });
        assert.equal(refused.statusCode, 401, authorization);
      }
    });

    test('no raw key (nor its hex, base64 or body without the prefix) is anywhere in the database', async () => {
      const contents = await db.contents();
      assert.ok(contents.length > 0);
      assertNoKeyIn(contents, [...keys.map(({ key }) => key), mistyped], `the ${kind.name} database`);
      // The search does see api_keys: each key's hash is there (raw bytes in SQLite, hex in PostgreSQL's rows).
      for (const { key } of keys) {
        const hash = sha256(key);
        assert.ok(contents.includes(hash) || contents.includes(hash.toString('hex')), 'the hash is stored');
      }
    });

    test('each stored hash is the SHA-256 of its key; the stored prefix is sk_/pk_ and 8 characters, never more', async () => {
      const stored = await db.storedKeys();
      assert.equal(stored.length, keys.length);
      const byHash = new Map(stored.map((row) => [Buffer.from(row.hash).toString('hex'), row]));
      for (const { key, kind: keyKind } of keys) {
        const row = byHash.get(sha256(key).toString('hex'));
        assert.ok(row, 'a row whose hash is SHA-256(key)');
        assert.equal(Buffer.from(row.hash).length, 32);
        assert.equal(row.kind, keyKind);
        assert.equal(row.prefix, key.slice(0, 11));
        assert.match(row.prefix, /^(sk|pk)_[0-9A-Za-z]{8}$/);
      }
    });

    test('listing keys shows ids, kinds and prefixes of every key, never a raw key', async () => {
      const projects = new ProjectService(db.store);
      const listed = (await Promise.all(projectIds.map((id) => projects.listKeys(id)))).flat();
      assert.equal(listed.length, keys.length);
      const text = JSON.stringify(listed);
      for (const { key } of keys) assert.ok(!text.includes(key) && !text.includes(key.slice(3)), 'a raw key is listed');
      for (const key of listed) {
        assert.deepEqual(Object.keys(key), ['id', 'kind', 'prefix', 'createdAt', 'revokedAt']);
        assert.match(key.prefix, /^(sk|pk)_[0-9A-Za-z]{8}$/);
      }
    });
  });
}
