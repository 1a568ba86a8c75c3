// Every command says on stderr, in one line, which store it uses (CONTRACT.md,
// "The command line"): the SQLite file's absolute path, and whether it was just
// created; or PostgreSQL's host:port/database, never the user or password.
// stdout stays the command's own output.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killAll, runCli, startServer, tempDataDir } from '../support/server-process.js';
import { cliStores, type CliStore } from './cli-stores.js';

/** stderr is exactly one line, the store line, naming `named`. */
function assertStoreLine(stderr: string, named: string): void {
  assert.match(stderr, /^rolodex: using [^\n]+\n$/, `one line on stderr, got:\n${stderr}`);
  assert.ok(stderr.includes(named), `the line names ${named}: ${stderr}`);
}

for (const kind of cliStores()) {
  describe(`the store line on stderr (${kind.name})`, () => {
    let store: CliStore;

    before(async () => {
      store = await kind.prepare();
    });
    after(async () => {
      await killAll();
      await store.cleanup();
    });

    test('every management command and migrate: one line naming the store, stdout unchanged', async () => {
      const created = await runCli(['projects', 'create', 'Lines', '--json'], store.env);
      assert.equal(created.code, 0, created.stderr);
      assertStoreLine(created.stderr, store.named);
      const project = (JSON.parse(created.stdout) as { project: { id: string } }).project.id;

      const key = await runCli(['keys', 'create', '--project', project, '--json'], store.env);
      assert.equal(key.code, 0, key.stderr);
      assertStoreLine(key.stderr, store.named);
      assert.deepEqual(Object.keys(JSON.parse(key.stdout)), ['id', 'key']);
      const keyId = (JSON.parse(key.stdout) as { id: string }).id;

      const runs = await Promise.all([
        runCli(['keys', 'list', '--project', project, '--json'], store.env),
        runCli(['projects', 'list', '--json'], store.env),
        runCli(['migrate'], store.env),
      ]);
      for (const run of runs) {
        assert.equal(run.code, 0, run.stderr);
        assertStoreLine(run.stderr, store.named);
      }
      assert.equal((JSON.parse(runs[0].stdout) as unknown[]).length, 3);
      assert.equal((JSON.parse(runs[1].stdout) as unknown[]).length, 1);

      const revoked = await runCli(['keys', 'revoke', keyId], store.env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, `Revoked ${keyId}\n`);
      assertStoreLine(revoked.stderr, store.named);
    });

    test('serve names the store on stderr once it has started; its stdout log is unchanged JSON', async () => {
      // A generous start-up bound: the machines running the suite are shared.
      const server = await startServer({ dataDir: store.env.DATA_DIR, env: store.env, timeoutMs: 60_000 });
      assertStoreLine(server.stderr(), store.named);
      for (const line of server.logs()) assert.doesNotThrow(() => JSON.parse(line), line);
      assert.equal(await server.stop(), 0);
    });
  });
}

describe('the store line: SQLite details', () => {
  after(killAll);

  test('a database file made by this command is said to be just created; the next command finds it', async () => {
    const dataDir = tempDataDir();
    const file = join(dataDir, 'rolodex.db');
    const first = await runCli(['projects', 'list', '--json'], { DATA_DIR: dataDir });
    assert.equal(first.code, 0, first.stderr);
    assertStoreLine(first.stderr, file);
    assert.match(first.stderr, /created just now/);
    assert.match(first.stderr, /DATA_DIR/);
    assert.equal(first.stdout, '[]\n');
    assert.ok(existsSync(file));

    const second = await runCli(['projects', 'list', '--json'], { DATA_DIR: dataDir });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, `rolodex: using SQLite database ${file}\n`);
  });

  test('a relative DATA_DIR is named by its absolute path', async () => {
    const dataDir = tempDataDir();
    // runCli starts the child in the repository's root.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const result = await runCli(['projects', 'list'], { DATA_DIR: relative(root, dataDir) });
    assert.equal(result.code, 0, result.stderr);
    assertStoreLine(result.stderr, join(dataDir, 'rolodex.db'));
  });
});

describe('the store line: PostgreSQL never shows the user or password', { skip: !cliStores().some((kind) => kind.name === 'postgres') }, () => {
  let store: CliStore;

  before(async () => {
    store = await cliStores().find((kind) => kind.name === 'postgres')!.prepare();
  });
  after(async () => {
    await killAll();
    await store.cleanup();
  });

  test('a URL with a password (ignored by a trust server) is named as host:port/database only', async () => {
    const url = new URL(store.env.DATABASE_URL!);
    url.password = 'hunter2-not-shown';
    const result = await runCli(['projects', 'list', '--json'], { DATABASE_URL: url.toString() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `rolodex: using PostgreSQL ${store.named}\n`);
    assert.ok(!result.stderr.includes('hunter2'));
    assert.ok(!result.stderr.includes(`${url.username}:`) && !result.stderr.includes('@'));
  });
});
