// Authentication (CONTRACT.md, "Authentication"): Bearer secret keys decide
// the project; every other Authorization header is refused with the right code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashKey } from '../../src/domain/keys.js';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError, createContact, NEVER_ID } from '../support/contacts.js';

const KEY_FORMAT = { sk: /^sk_[0-9A-Za-z]{43,}$/, pk: /^pk_[0-9A-Za-z]{43,}$/ };
const UNAUTHORIZED = { code: 'UNAUTHORIZED', message: /Authorization/ };
const INVALID_KEY = { code: 'INVALID_API_KEY', message: 'Invalid API key' };

/** Every contacts endpoint of the synchronous API, with a body that would pass validation. */
interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  payload?: object;
}

const ENDPOINTS: Endpoint[] = [
  { method: 'GET', url: '/contacts' },
  { method: 'POST', url: '/contacts', payload: { email: 'auth@example.com' } },
  { method: 'GET', url: `/contacts/${NEVER_ID}` },
  { method: 'PATCH', url: `/contacts/${NEVER_ID}`, payload: { subscribed: false } },
  { method: 'DELETE', url: `/contacts/${NEVER_ID}` },
];

for (const kind of storeKinds()) {
  describe(`authentication (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    const call = (endpoint: Endpoint, authorization?: string) =>
      t.app.inject({
        method: endpoint.method,
        url: endpoint.url,
        headers: authorization === undefined ? {} : { authorization },
        ...(endpoint.payload ? { payload: endpoint.payload } : {}),
      });

    test('401 UNAUTHORIZED on every contacts endpoint without an Authorization header', async () => {
      for (const endpoint of ENDPOINTS) assertError(await call(endpoint), 401, UNAUTHORIZED);
    });

    test('401 UNAUTHORIZED for another scheme, an empty token or a bare scheme name', async () => {
      const { secretKey } = await t.project();
      for (const header of [`Basic ${secretKey}`, `Token ${secretKey}`, secretKey, 'Bearer', 'Bearer ', 'Bearer    ', '']) {
        for (const endpoint of ENDPOINTS) assertError(await call(endpoint, header), 401, UNAUTHORIZED);
      }
    });

    test('401 INVALID_API_KEY for an unknown key, a mistyped key, a key of the wrong shape, and a key with more after it', async () => {
      const { secretKey } = await t.project();
      const last = secretKey.at(-1) === 'a' ? 'b' : 'a';
      const tokens = [
        `sk_${'0'.repeat(43)}`,
        secretKey.slice(0, -1) + last,
        secretKey.slice(0, -1),
        secretKey + 'x',
        secretKey.toUpperCase(),
        'sk_',
        'nonsense',
        'x'.repeat(2000),
        `${secretKey} extra`,
        `${secretKey}\t${secretKey}`,
        `sk_ ${secretKey}`,
      ];
      for (const token of tokens) {
        for (const endpoint of ENDPOINTS) assertError(await call(endpoint, `Bearer ${token}`), 401, INVALID_KEY);
      }
    });

    test('a revoked key answers 401 INVALID_API_KEY at once, and the project’s other keys keep working', async () => {
      const { project, auth, secretKey } = await t.project();
      const spare = await t.projects.createKey(project.id, 'secret');
      await createContact(t, auth, { email: 'before@example.com' });
      const revoked = (await t.projects.listKeys(project.id)).find((key) => key.kind === 'secret' && secretKey.startsWith(key.prefix));
      await t.projects.revokeKey(revoked!.id);
      for (const endpoint of ENDPOINTS) assertError(await call(endpoint, auth.authorization), 401, INVALID_KEY);
      const response = await call(ENDPOINTS[0]!, `Bearer ${spare.key}`);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(json(response).contacts.map((c: { email: string }) => c.email), ['before@example.com']);
    });

    test('403 SECRET_KEY_REQUIRED for a valid public key on every contacts endpoint, with nothing written', async () => {
      const { auth, publicKey } = await t.project();
      for (const endpoint of ENDPOINTS) {
        assertError(await call(endpoint, `Bearer ${publicKey}`), 403, {
          code: 'SECRET_KEY_REQUIRED',
          message: 'This endpoint requires a secret key (sk_*)',
        });
      }
      const list = json(await call(ENDPOINTS[0]!, auth.authorization));
      assert.equal(list.total, 0, 'the refused POST created nothing');
    });

    test('the scheme name is case-insensitive: "bearer" and "BEARER" work', async () => {
      const { secretKey } = await t.project();
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        const response = await call(ENDPOINTS[0]!, `${scheme} ${secretKey}`);
        assert.equal(response.statusCode, 200, scheme);
      }
    });

    test('several secret keys of one project all work at once and act on the same contacts', async () => {
      const { project, secretKey } = await t.project();
      const second = await t.projects.createKey(project.id, 'secret');
      const third = await t.projects.createKey(project.id, 'secret');
      const keys = [secretKey, second.key, third.key];
      for (const [i, key] of keys.entries()) {
        const response = await call({ method: 'POST', url: '/contacts', payload: { email: `k${i}@example.com` } }, `Bearer ${key}`);
        assert.equal(response.statusCode, 201);
      }
      for (const key of keys) {
        const list = json(await call(ENDPOINTS[0]!, `Bearer ${key}`));
        assert.deepEqual(list.contacts.map((c: { email: string }) => c.email).sort(), ['k0@example.com', 'k1@example.com', 'k2@example.com']);
      }
    });

    test('authentication comes before validation: a bad body without a key is 401, not 400', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/contacts', payload: { nope: true } });
      assertError(response, 401, UNAUTHORIZED);
    });

    test('keys are sk_/pk_ followed by 43 or more base62 characters, all different', async () => {
      const created = await t.project();
      assert.match(created.secretKey, KEY_FORMAT.sk);
      assert.match(created.publicKey, KEY_FORMAT.pk);
      const secret = await t.projects.createKey(created.project.id, 'secret');
      const publicKey = await t.projects.createKey(created.project.id, 'public');
      assert.match(secret.key, KEY_FORMAT.sk);
      assert.match(publicKey.key, KEY_FORMAT.pk);
      assert.equal(new Set([created.secretKey, created.publicKey, secret.key, publicKey.key]).size, 4);
    });

    test('keys are stored only as their SHA-256 hash, never in the clear', async () => {
      const { project, secretKey, publicKey } = await t.project();
      const stored = await t.store.keys.list(project.id);
      assert.equal(stored.length, 2);
      const hashes = stored.map((key) => key.hash.toString('hex')).sort();
      assert.deepEqual(hashes, [hashKey(secretKey).toString('hex'), hashKey(publicKey).toString('hex')].sort());
      const text = JSON.stringify(stored);
      for (const raw of [secretKey, publicKey]) assert.ok(!text.includes(raw.slice(3)), 'no raw key body in the key rows');
    });
  });
}
