// Operations (CONTRACT.md, "Operations"): GET / sends a visitor to the API
// reference, and /ready answers 503 in the error envelope, promptly, when the
// database cannot be reached (its closed-store case is in operations.test.ts).
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';
import { assertError } from '../support/contacts.js';
import { freePort } from '../support/server-process.js';

for (const kind of storeKinds()) {
  describe(`GET / (${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind);
    });
    after(async () => t.close());

    test('GET / → the dashboard\'s login page (HTML), without a key', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/' });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(response.body, /<form method="post" action="\/login">/);
      assert.ok(response.headers['x-request-id']);
    });

    test('POST / → 405 METHOD_NOT_ALLOWED with Allow', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/' });
      assertError(response, 405, { code: 'METHOD_NOT_ALLOWED' });
      assert.equal(response.headers.allow, 'GET, HEAD');
    });
  });
}

/** /ready of an app whose PostgreSQL is at `url`, and how long it took. */
async function readyOf(url: string): Promise<{ response: Awaited<ReturnType<TestApp['app']['inject']>>; ms: number }> {
  const store = await PostgresStore.connect(url, { connectTimeoutMs: 5000 });
  const app = await buildApp({ store, logger: createLogger('silent') });
  try {
    const started = Date.now();
    const response = await app.inject({ method: 'GET', url: '/ready', headers: { 'x-request-id': 'ready-unreachable' } });
    return { response, ms: Date.now() - started };
  } finally {
    await app.close();
    await store.close();
  }
}

describe('GET /ready when the database cannot be reached', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  before(async () => {
    // Accepts connections and never says a word, as a host that hangs does.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test('nothing listens at its address → 503 SERVICE_UNAVAILABLE in the envelope', async () => {
    const port = await freePort();
    const { response } = await readyOf(`postgres://rolodex@127.0.0.1:${port}/rolodex`);
    assertError(response, 503, { code: 'SERVICE_UNAVAILABLE' });
    assert.equal(json(response).error.requestId, 'ready-unreachable');
    assert.equal(response.headers['retry-after'], '1');
  });

  test('a server that never answers → 503 within about 2 s, not after the 5 s connect timeout', async () => {
    const address = silent.address();
    assert.ok(address && typeof address === 'object');
    const { response, ms } = await readyOf(`postgres://rolodex@127.0.0.1:${address.port}/rolodex`);
    assertError(response, 503, { code: 'SERVICE_UNAVAILABLE' });
    assert.ok(ms >= 1900 && ms < 4000, `answered after ${ms} ms`);
  });
});
