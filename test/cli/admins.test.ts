// `rolodex admins create|list|delete` (issue 14): the dashboard's operators,
// on both stores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliStores } from './cli-stores.js';

const BIN = fileURLToPath(new URL('../../bin/rolodex.js', import.meta.url));

for (const kind of cliStores()) {
  describe(`rolodex admins (${kind.name})`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    const run = (args: string[], input = '') => spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', input });
    before(async () => {
      ({ env, cleanup } = await kind.prepare());
    });
    after(async () => cleanup());

    test('create reads the password from stdin (--password-stdin) or makes one; list and delete', () => {
      const created = run(['admins', 'create', 'Ops@Example.com', '--password-stdin'], 'a good long password\nignored second line\n');
      assert.equal(created.status, 0, created.stderr);
      assert.equal(created.stdout, 'Operator ops@example.com created\n');

      const generated = run(['admins', 'create', 'second@example.com', '--json']);
      assert.equal(generated.status, 0, generated.stderr);
      const second = JSON.parse(generated.stdout);
      assert.match(second.password, /^[A-Za-z0-9_-]{20}$/, 'without a terminal or --password-stdin, a password is made and printed once');

      const list = run(['admins', 'list', '--json']);
      assert.deepEqual(JSON.parse(list.stdout).map((a: { email: string }) => a.email), ['ops@example.com', 'second@example.com']);
      assert.ok(!list.stdout.includes('scrypt'), 'never a password hash');

      const duplicate = run(['admins', 'create', 'OPS@example.com', '--password-stdin'], 'another long password\n');
      assert.equal(duplicate.status, 1);
      assert.match(duplicate.stderr, /^rolodex: An operator with the email ops@example\.com already exists$/m);
      const short = run(['admins', 'create', 'third@example.com', '--password-stdin'], 'short\n');
      assert.equal(short.status, 1);
      assert.match(short.stderr, /password: At least 12 characters/);

      assert.equal(run(['admins', 'delete', 'second@example.com']).status, 0);
      const missing = run(['admins', 'delete', 'second@example.com']);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /Operator not found/);
      assert.deepEqual(JSON.parse(run(['admins', 'list', '--json']).stdout).map((a: { email: string }) => a.email), ['ops@example.com']);
    });
  });
}
