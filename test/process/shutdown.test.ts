// Process lifecycle: a clean exit on SIGTERM, and several processes starting
// at once on one DATA_DIR (ARCHITECTURE.md: migrations are idempotent and safe
// when several processes start together).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { killAll, runCli, startProcess, startServer, tempDataDir } from '../support/server-process.js';

describe('process lifecycle', () => {
  after(killAll);

  test('SIGTERM: a serving process finishes and exits 0', async () => {
    const server = await startServer();
    const response = await fetch(`${server.url}/health`);
    assert.equal(response.status, 200);
    assert.equal(await server.stop('SIGTERM', 10_000), 0);
    await assert.rejects(fetch(`${server.url}/health`));
    assert.ok(server.logRecords().some((record) => record.msg === 'shutting down' && record.signal === 'SIGTERM'));
  });

  test('`worker` keeps running until SIGTERM, then exits 0', async () => {
    const worker = startProcess(['worker']);
    await worker.waitForLog((record) => record.msg === 'worker started', 15_000);
    let exitedEarly = false;
    void worker.exited.then(() => (exitedEarly = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(exitedEarly, false, 'the worker exited by itself');
    assert.equal(await worker.stop('SIGTERM'), 0);
    assert.ok(worker.logRecords().some((record) => record.msg === 'shutting down'));
  });

  test('two `migrate` at the same moment on a fresh DATA_DIR: both exit 0, each version applied once', async () => {
    const dataDir = tempDataDir();
    const results = await Promise.all([runCli(['migrate'], { DATA_DIR: dataDir }), runCli(['migrate'], { DATA_DIR: dataDir })]);
    for (const result of results) assert.equal(result.code, 0, result.stderr);

    const db = new Database(join(dataDir, 'rolodex.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version').all();
      assert.deepEqual(
        rows,
        migrations.map((migration) => ({ version: migration.version, n: 1 })),
      );
    } finally {
      db.close();
    }
  });

  test('two `serve` at once on one fresh DATA_DIR (two ports): both become ready and answer', async () => {
    const dataDir = tempDataDir();
    const servers = await Promise.all([startServer({ dataDir }), startServer({ dataDir })]);
    assert.notEqual(servers[0].port, servers[1].port);
    for (const server of servers) {
      const response = await fetch(`${server.url}/ready`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ready' });
    }
    const codes = await Promise.all(servers.map((server) => server.stop()));
    assert.deepEqual(codes, [0, 0]);
  });
});
