// A database that is missing or cannot be reached at start (CONTRACT.md, "The
// command line"): exactly one line on stderr naming it (host, port and
// database; or the SQLite file or folder), no stack trace, no error class,
// nothing on stdout, and exit code 69 (EX_UNAVAILABLE), for every command.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshPostgresDatabase, hasPostgres } from '../support/app.js';
import { freePort, killAll, runCli, tempDataDir } from '../support/server-process.js';

const UUID = '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11';
const EVERY_COMMAND = [
  ['serve'],
  ['api'],
  ['worker'],
  ['migrate'],
  ['projects', 'create', 'Nope', '--json'],
  ['projects', 'list'],
  ['keys', 'create', '--project', UUID],
  ['keys', 'list', '--project', UUID, '--json'],
  ['keys', 'revoke', UUID],
];
const SOME_COMMANDS = [['serve'], ['migrate'], ['projects', 'list', '--json']];

/** Runs each command (two at a time: the machine is shared) and checks the failure it must report. */
async function assertStartFailure(commands: string[][], env: Record<string, string>, names: (string | RegExp)[], hidden: string[] = []): Promise<void> {
  const queue = [...commands];
  const worker = async () => {
    for (let args = queue.shift(); args; args = queue.shift()) {
      const result = await runCli(args, { PORT: String(await freePort()), ...env });
      const what = `rolodex ${args.join(' ')}`;
      assert.equal(result.code, 69, `${what}: exit code\n${result.stderr}`);
      assert.equal(result.stdout, '', `${what}: nothing on stdout`);
      assert.match(result.stderr, /^rolodex: [^\n]+\n$/, `${what}: exactly one line on stderr, got:\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\bat \S+:\d+|Error\b|\[cause\]/, `${what}: no stack trace or error class`);
      for (const name of names) {
        if (typeof name === 'string') assert.ok(result.stderr.includes(name), `${what}: names ${name}: ${result.stderr}`);
        else assert.match(result.stderr, name, what);
      }
      for (const secret of hidden) assert.ok(!result.stderr.includes(secret), `${what}: shows ${secret}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

describe('PostgreSQL missing or unreachable at start: one line, exit 69', () => {
  after(killAll);

  test('connection refused (a closed port): names host, port and database, for every command', async () => {
    const port = await freePort();
    await assertStartFailure(EVERY_COMMAND, { DATABASE_URL: `postgres://rolodex:pw-not-shown@127.0.0.1:${port}/rolodex_app` }, [
      `127.0.0.1:${port}`,
      'rolodex_app',
      /refused/,
    ], ['pw-not-shown']);
  });

  test('the database does not exist (SQLSTATE 3D000): names host, port and database, and says it does not exist', { skip: !hasPostgres }, async () => {
    const server = new URL(process.env.ROLODEX_TEST_PG_URL!);
    const url = new URL(server);
    url.pathname = `/rolodex_missing_${process.pid}`;
    await assertStartFailure(EVERY_COMMAND, { DATABASE_URL: url.toString() }, [
      `${server.hostname}:${server.port || 5432}`,
      `rolodex_missing_${process.pid}`,
      /does not exist/,
    ]);
  });

  describe('authentication fails', { skip: !hasPostgres }, () => {
    let database: { url: string; drop(): Promise<void> };
    before(async () => {
      // A database of this test's own: should the login ever succeed, nothing else is touched.
      database = await freshPostgresDatabase();
    });
    after(() => database.drop());

    test('an unknown user: names host, port and database, never the user or password', async () => {
      const url = new URL(database.url);
      url.username = 'rolodex_no_such_role';
      url.password = 'pw-not-shown';
      await assertStartFailure(SOME_COMMANDS, { DATABASE_URL: url.toString() }, [
        `${url.hostname}:${url.port || 5432}`,
        url.pathname.slice(1),
        /login|authentication/i,
      ], ['pw-not-shown', 'rolodex_no_such_role']);
    });
  });
});

describe('SQLite cannot be opened at start: one line naming it, exit 69', () => {
  after(killAll);

  test('the data folder cannot be created (a file is in its path)', async () => {
    const dataDir = join(tempDataDir(), 'a-file', 'data');
    writeFileSync(join(dataDir, '..'), 'not a folder');
    await assertStartFailure(EVERY_COMMAND, { DATA_DIR: dataDir }, [dataDir, /cannot be created/]);
  });

  test('the database file cannot be opened (a folder in its place)', async () => {
    const dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'rolodex.db'));
    await assertStartFailure(SOME_COMMANDS, { DATA_DIR: dataDir }, [join(dataDir, 'rolodex.db'), /cannot be opened/]);
  });

  test('the file is not a SQLite database', async () => {
    const dataDir = tempDataDir();
    writeFileSync(join(dataDir, 'rolodex.db'), 'name,email\nnot,a database\n'.repeat(200));
    await assertStartFailure(SOME_COMMANDS, { DATA_DIR: dataDir }, [join(dataDir, 'rolodex.db'), /not a database/]);
  });
});
