// `rolodex projects …`, `rolodex keys …` and `rolodex migrate`: the exact
// shapes CONTRACT.md ("The command line") promises, and the failures.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, runCli, tempDataDir } from '../support/server-process.js';

const KEY = /^(sk|pk)_[0-9A-Za-z]{43,}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `rolodex ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

describe('rolodex projects and keys', () => {
  let env: Record<string, string>;
  let created: { project: { id: string; name: string }; secretKey: string; publicKey: string };

  before(async () => {
    env = { DATA_DIR: tempDataDir() };
    created = JSON.parse(await ok(['projects', 'create', 'Acme Mail', '--json'], env));
  });
  after(killAll);

  test('projects create --json prints exactly the project and both keys', () => {
    assert.deepEqual(Object.keys(created), ['project', 'secretKey', 'publicKey']);
    assert.deepEqual(Object.keys(created.project), ['id', 'name']);
    assert.equal(created.project.name, 'Acme Mail');
    assert.match(created.project.id, /^[0-9a-f-]{36}$/);
    assert.match(created.secretKey, KEY);
    assert.ok(created.secretKey.startsWith('sk_'));
    assert.match(created.publicKey, KEY);
    assert.ok(created.publicKey.startsWith('pk_'));
  });

  test('projects create without --json prints the keys as text', async () => {
    const stdout = await ok(['projects', 'create', 'Plain'], env);
    assert.throws(() => JSON.parse(stdout));
    const secret = /\b(sk_[0-9A-Za-z]{43,})\b/.exec(stdout)?.[1];
    const publicKey = /\b(pk_[0-9A-Za-z]{43,})\b/.exec(stdout)?.[1];
    assert.ok(secret && publicKey, stdout);
    assert.match(stdout, /Plain/);
  });

  test('keys create --json gives a secret key, or a public one with --public; keys list never shows a raw key', async () => {
    const project = created.project.id;
    const secret = JSON.parse(await ok(['keys', 'create', '--project', project, '--json'], env));
    assert.deepEqual(Object.keys(secret), ['id', 'key']);
    assert.match(secret.key, KEY);
    assert.ok(secret.key.startsWith('sk_'));
    const publicKey = JSON.parse(await ok(['keys', 'create', '--project', project, '--public', '--json'], env));
    assert.deepEqual(Object.keys(publicKey), ['id', 'key']);
    assert.ok(publicKey.key.startsWith('pk_'));
    assert.match(publicKey.key, KEY);

    const stdout = await ok(['keys', 'list', '--project', project, '--json'], env);
    for (const raw of [created.secretKey, created.publicKey, secret.key, publicKey.key]) {
      assert.ok(!stdout.includes(raw), 'keys list printed a raw key');
      assert.ok(!stdout.includes(raw.slice(3, 30)), 'keys list printed most of a raw key');
    }
    const list = JSON.parse(stdout) as Record<string, unknown>[];
    assert.equal(list.length, 4);
    for (const entry of list) {
      assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'id', 'kind', 'prefix', 'revokedAt']);
      assert.match(entry.createdAt as string, ISO);
      assert.equal(entry.revokedAt, null);
    }
    const byId = new Map(list.map((entry) => [entry.id, entry]));
    assert.equal(byId.get(secret.id)?.kind, 'secret');
    assert.equal(byId.get(publicKey.id)?.kind, 'public');
    assert.ok(secret.key.startsWith(byId.get(secret.id)?.prefix as string));
  });

  test('keys revoke exits 0 once; revoking the same key again fails with a clear message', async () => {
    const key = JSON.parse(await ok(['keys', 'create', '--project', created.project.id, '--json'], env));
    await ok(['keys', 'revoke', key.id], env);
    const again = await runCli(['keys', 'revoke', key.id], env);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already revoked/i);
    assert.match(again.stderr, new RegExp(key.id));
    assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');
  });

  test('an unknown project fails with a clear message and no stack trace', async () => {
    for (const args of [['keys', 'create', '--project', 'nope', '--json'], ['keys', 'list', '--project', 'nope']]) {
      const result = await runCli(args, env);
      assert.notEqual(result.code, 0);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /project not found/i);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
  });

  test('migrate exits 0, and again on an up-to-date schema', async () => {
    const fresh = { DATA_DIR: tempDataDir() };
    assert.equal((await runCli(['migrate'], fresh)).code, 0);
    assert.equal((await runCli(['migrate'], fresh)).code, 0);
  });
});
