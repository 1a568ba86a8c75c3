// Keys made through the real CLI and used against a real `rolodex serve`
// (SQLite, and PostgreSQL when the run has one): no raw key, nor its hex,
// base64 or body, ever reaches the server's stdout or stderr (at LOG_LEVEL
// trace, through passing, refused and malformed requests and the jobs they
// start), `keys list` output, CLI errors, or the database (SQLite file and WAL;
// every PostgreSQL row), where each key is its SHA-256.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freshPostgresDatabase, hasPostgres } from '../support/app.js';
import { multipartBody } from '../support/jobs.js';
import { killAll, runCli, startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { assertNoKeyIn, postgresRows, sha256, sqliteFiles } from './key-search.js';

interface Setup {
  env: Record<string, string>;
  /** Everything the database holds now. */
  contents(): Promise<Buffer>;
  drop(): Promise<void>;
}

const setups: { name: string; make(): Promise<Setup> }[] = [
  ...(hasPostgres
    ? [{
        name: 'postgres',
        async make(): Promise<Setup> {
          const database = await freshPostgresDatabase();
          return { env: { DATA_DIR: tempDataDir(), DATABASE_URL: database.url }, contents: () => postgresRows(database.url), drop: database.drop };
        },
      }]
    : []),
  {
    name: 'sqlite',
    async make(): Promise<Setup> {
      const dataDir = tempDataDir();
      return { env: { DATA_DIR: dataDir }, contents: async () => sqliteFiles(join(dataDir, 'rolodex.db')), drop: async () => {} };
    },
  },
];

async function cli(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `rolodex ${args.join(' ')}:\n${result.stderr}`);
  return result;
}

for (const setup of setups) {
  describe(`keys never in the clear: CLI and server logs (${setup.name})`, () => {
    let db: Setup;
    let server: ServerProcess;
    let projectId: string;
    const keys: Record<'secret' | 'public' | 'rotated' | 'rotatedPublic' | 'revoked', string> = {} as never;
    let mistyped: string;
    /** What the CLI printed where no key belongs (everything but the create commands' stdout). */
    const cliOutput: string[] = [];

    before(async () => {
      db = await setup.make();
      const created = JSON.parse((await cli(['projects', 'create', 'Keys', '--json'], db.env)).stdout);
      projectId = created.project.id;
      keys.secret = created.secretKey;
      keys.public = created.publicKey;
      const made = async (extra: string[]) => {
        const result = await cli(['keys', 'create', '--project', projectId, ...extra, '--json'], db.env);
        cliOutput.push(result.stderr);
        return JSON.parse(result.stdout) as { id: string; key: string };
      };
      keys.rotated = (await made([])).key;
      keys.rotatedPublic = (await made(['--public'])).key;
      const revoked = await made([]);
      keys.revoked = revoked.key;
      const revoke = await cli(['keys', 'revoke', revoked.id], db.env);
      cliOutput.push(revoke.stdout, revoke.stderr);
      mistyped = keys.secret.slice(0, -1) + (keys.secret.endsWith('A') ? 'B' : 'A');
      server = await startServer({ dataDir: db.env.DATA_DIR, env: { ...db.env, LOG_LEVEL: 'trace' } });
    });
    after(async () => {
      await killAll();
      await db.drop();
    });

    const allKeys = () => [...Object.values(keys), mistyped];
    const call = (key: string, path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });

    /** Polls a job until it completes (the logs of its work are part of what is checked). */
    const finished = async (key: string, location: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const job = (await (await call(key, location)).json()) as { state: string };
        assert.notEqual(job.state, 'failed', JSON.stringify(job));
        if (job.state === 'completed') return;
        assert.ok(Date.now() < deadline, `${location} still ${job.state}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    test('keys list (JSON and text) shows ids, kinds and prefixes, never a key; CLI errors never echo one', async () => {
      const listed = await cli(['keys', 'list', '--project', projectId, '--json'], db.env);
      const text = await cli(['keys', 'list', '--project', projectId], db.env);
      cliOutput.push(listed.stdout, listed.stderr, text.stdout, text.stderr);
      const list = JSON.parse(listed.stdout) as { kind: string; prefix: string }[];
      assert.equal(list.length, 5);
      for (const key of list) assert.match(key.prefix, /^(sk|pk)_[0-9A-Za-z]{8}$/);
      // A key pasted where an id belongs is refused without being repeated back.
      for (const args of [['keys', 'revoke', keys.secret], ['keys', 'list', '--project', keys.secret], ['keys', 'create', '--project', keys.public]]) {
        const failed = await runCli(args, db.env);
        assert.notEqual(failed.code, 0);
        cliOutput.push(failed.stdout, failed.stderr);
      }
      assertNoKeyIn(cliOutput.join('\n'), allKeys(), 'CLI output');
    });

    test('requests that pass, are refused (public, revoked, mistyped, wrong scheme) or are malformed', async () => {
      for (const key of [keys.secret, keys.rotated]) {
        assert.equal((await call(key, '/contacts')).status, 200);
        const created = await call(key, '/contacts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'logs@example.com' }) });
        assert.ok([200, 201].includes(created.status));
        const { id } = (await created.json()) as { id: string };
        const { payload, headers } = multipartBody('email,plan\nimported@example.com,pro\n');
        const imported = await call(key, '/contacts/import', { method: 'POST', headers, body: payload });
        assert.equal(imported.status, 202);
        const bulk = await call(key, '/contacts/bulk-unsubscribe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactIds: [id] }) });
        assert.equal(bulk.status, 202);
        for (const location of [imported.headers.get('location')!, bulk.headers.get('location')!]) await finished(key, location);
      }
      for (const [key, status] of [[keys.public, 403], [keys.rotatedPublic, 403], [keys.revoked, 401], [mistyped, 401]] as const) {
        assert.equal((await call(key, '/contacts')).status, status, key.slice(0, 3));
      }
      for (const authorization of [`Basic ${keys.secret}`, `Bearer ${keys.secret} extra`, `Bearer ${keys.secret}x`, keys.secret]) {
        assert.equal((await fetch(`${server.url}/contacts`, { headers: { authorization } })).status, 401);
      }
      // Malformed HTTP carrying a key: node's parser refuses it; the log line must not hold the raw bytes.
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve());
        socket.resume();
        socket.end(`GET /contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.secret}\r\nNo colon ${keys.rotated}\r\n\r\n`);
      });
    });

    test('no key anywhere in the server’s stdout or stderr, nor in the database; each stored hash is SHA-256(key)', async () => {
      const contents = await db.contents();
      assertNoKeyIn(contents, allKeys(), `the ${setup.name} database`);
      for (const key of Object.values(keys)) {
        const hash = sha256(key);
        assert.ok(contents.includes(hash) || contents.includes(hash.toString('hex')), 'SHA-256(key) is what is stored');
      }
      await server.stop();
      const logs = server.logs();
      assert.ok(logs.filter((line) => line.includes('"msg":"request"')).length >= 20, 'the requests were logged');
      assert.ok(logs.some((line) => line.includes('malformed request')));
      assertNoKeyIn(`${logs.join('\n')}\n${server.stderr()}`, allKeys(), 'the server logs');
    });
  });
}
