// A revocation by the command line counts on the very next request to a
// running server that has the key in its cache (domain/key-cache.ts), on
// both stores; and the cache is never trusted when the way revocations reach
// the server is broken: the SQLite data folder's revocation file deleted, or
// PostgreSQL's listening connection terminated.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { ProjectService } from '../../src/domain/projects.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { LISTENER_APPLICATION_NAME } from '../../src/storage/postgres/key-listener.js';
import { freshPostgresDatabase, hasPostgres } from '../support/app.js';
import { createProjectIn, killAll, runCli, startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';

async function status(server: ServerProcess, key: string): Promise<number> {
  const response = await fetch(`${server.url}/contacts?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  await response.arrayBuffer();
  return response.status;
}

/** A new secret key made by the CLI, as `keys create --json` prints it. */
async function newKey(projectId: string, env: Record<string, string>): Promise<{ id: string; key: string }> {
  const made = await runCli(['keys', 'create', '--project', projectId, '--json'], env);
  assert.equal(made.code, 0, made.stderr);
  return JSON.parse(made.stdout) as { id: string; key: string };
}

async function revoke(keyId: string, env: Record<string, string>): Promise<void> {
  const revoked = await runCli(['keys', 'revoke', keyId], env);
  assert.equal(revoked.code, 0, revoked.stderr);
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('key revocation reaches a running server at once (SQLite)', () => {
  after(killAll);

  test('a cached key revoked by `rolodex keys revoke` gets 401 on the next request; so does one revoked while the revocation file is gone', async () => {
    const dataDir = tempDataDir();
    const { project } = await createProjectIn(dataDir, 'Revocation');
    const env = { DATA_DIR: dataDir };
    const server = await startServer({ dataDir });
    const first = await newKey(project.id, env);
    const second = await newKey(project.id, env);
    for (let i = 0; i < 3; i++) assert.equal(await status(server, first.key), 200);
    assert.equal(await status(server, second.key), 200);

    await revoke(first.id, env);
    assert.equal(await status(server, first.key), 401);
    assert.equal(await status(server, second.key), 200);

    // Without its file, the server cannot tell a revocation, so it reads every key.
    rmSync(join(dataDir, 'rolodex.db-revoked-keys'));
    assert.equal(await status(server, second.key), 200);
    const db = (await import('better-sqlite3')).default(join(dataDir, 'rolodex.db'));
    try {
      // Revoked behind every process's back: no file is bumped, and still it counts.
      db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(Date.now(), second.id);
    } finally {
      db.close();
    }
    assert.equal(await status(server, second.key), 401);
  });
});

describe('key revocation reaches a running server at once (PostgreSQL)', { skip: hasPostgres ? false : 'no PostgreSQL in this run' }, () => {
  after(killAll);

  test('through LISTEN/NOTIFY; with the listening connection terminated, every key is read again until it listens anew', async () => {
    const database = await freshPostgresDatabase();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const store = await PostgresStore.connect(database.url);
      const { project } = await new ProjectService(store).createProject('Revocation');
      await store.close();
      const env = { DATABASE_URL: database.url };
      const server = await startServer({ env });
      const keys = [await newKey(project.id, env), await newKey(project.id, env), await newKey(project.id, env)];
      const listeners = async () =>
        (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTENER_APPLICATION_NAME])).rows;

      // The first key check opens the listening connection.
      assert.equal(await status(server, keys[0]!.key), 200);
      await eventually(async () => (await listeners()).length === 1, 'the server to listen');
      for (const { key } of keys) assert.equal(await status(server, key), 200);

      await revoke(keys[0]!.id, env);
      assert.equal(await status(server, keys[0]!.key), 401);
      assert.equal(await status(server, keys[1]!.key), 200);

      // Terminated: notifications are lost until the server listens again
      // (a second later), so it must not trust its cache meanwhile. The
      // revocation is made behind its back, with no notification at all, and
      // within that second (the CLI takes longer to start).
      const [listener] = await listeners();
      await admin.query('SELECT pg_terminate_backend($1)', [listener!.pid]);
      await eventually(async () => !(await listeners()).some(({ pid }) => pid === listener!.pid), 'the listener to go');
      await admin.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2', [Date.now(), keys[1]!.id]);
      assert.equal(await status(server, keys[1]!.key), 401);
      assert.equal(await status(server, keys[2]!.key), 200);

      // Listening again (a new backend), and the cache works as before.
      await eventually(async () => (await listeners()).some(({ pid }) => pid !== listener!.pid), 'the server to listen again');
      assert.equal(await status(server, keys[2]!.key), 200);
      await revoke(keys[2]!.id, env);
      assert.equal(await status(server, keys[2]!.key), 401);
    } finally {
      await admin.end();
      await killAll();
      await database.drop();
    }
  });
});
