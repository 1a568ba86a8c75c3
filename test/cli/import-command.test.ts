// `rolodex import FILE --project ID` (issue 12): the same checks and job as
// POST /contacts/import, run to its end by the command, on both stores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliStores } from './cli-stores.js';

const BIN = fileURLToPath(new URL('../../bin/rolodex.js', import.meta.url));

for (const kind of cliStores()) {
  describe(`rolodex import (${kind.name})`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let dir: string;
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: dir });
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rolodex-import-cli-'));
      ({ env, cleanup } = await kind.prepare());
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('imports a file into the project, prints the finished job, and exits 0; refusals exit 1 with one line', () => {
      const created = run('projects', 'create', 'import-cli', '--json');
      assert.equal(created.status, 0, created.stderr);
      const projectId = JSON.parse(created.stdout).project.id;
      writeFileSync(join(dir, 'c.csv'), 'E-mail,Plan\na@example.com,pro\nb@example.com,free\nnot-an-email,x\n');

      const first = run('import', 'c.csv', '--project', projectId, '--json', '--mapping', '{"E-mail":"email"}');
      assert.equal(first.status, 0, first.stderr);
      const job = JSON.parse(first.stdout);
      assert.equal(job.state, 'completed');
      assert.deepEqual(
        { total: job.result.totalRows, created: job.result.createdCount, failed: job.result.failureCount },
        { total: 3, created: 2, failed: 1 },
      );
      assert.deepEqual(job.result.errors, [{ row: 4, email: 'not-an-email', error: 'Invalid email address' }]);

      const text = run('import', 'c.csv', '--project', projectId, '--mapping', '{"E-mail":"email"}');
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /^Import \S+ completed: 3 rows, 0 created, 2 updated, 1 failed/);

      const missing = run('import', 'c.csv', '--project', '01900000-0000-7000-8000-000000000000');
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /^rolodex: Project not found$/m);
      const badOption = run('import', 'c.csv', '--project', projectId, '--encoding', 'latin9');
      assert.equal(badOption.status, 1);
      assert.match(badOption.stderr, /^rolodex: encoding: Must be one of/m);
      writeFileSync(join(dir, 'bad.csv'), 'email\n"unclosed\n');
      const badFile = run('import', 'bad.csv', '--project', projectId);
      assert.equal(badFile.status, 1);
      assert.match(badFile.stderr, /CSV syntax error in record 2/);
    });
  });
}
