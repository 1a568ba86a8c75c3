// `rolodex export --project ID [filters] [--format csv|ndjson] [-o FILE]`
// (issue 12): the same code as GET /contacts/export, on both stores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliStores } from './cli-stores.js';

const BIN = fileURLToPath(new URL('../../bin/rolodex.js', import.meta.url));

for (const kind of cliStores()) {
  describe(`rolodex export (${kind.name})`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let dir: string;
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: dir });
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rolodex-export-cli-'));
      ({ env, cleanup } = await kind.prepare());
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test('writes the filtered contacts to a file or stdout, in either format, and a re-import gives them back', () => {
      const created = run('projects', 'create', 'export-cli', '--json');
      assert.equal(created.status, 0, created.stderr);
      const projectId = JSON.parse(created.stdout).project.id;
      writeFileSync(join(dir, 'in.csv'), 'email,subscribed,plan,seats\na@example.com,true,pro,5\nb@example.com,false,free,1\nc@example.com,true,pro,2\n');
      assert.equal(run('import', 'in.csv', '--project', projectId).status, 0);

      const csv = run('export', '--project', projectId, '--data', 'plan=pro');
      assert.equal(csv.status, 0, csv.stderr);
      const lines = csv.stdout.trim().split('\r\n');
      assert.equal(lines[0], 'email,subscribed,createdAt,updatedAt,plan,seats');
      assert.deepEqual(lines.slice(1).map((line) => line.split(',')[0]).sort(), ['a@example.com', 'c@example.com']);

      const file = run('export', '--project', projectId, '--format', 'ndjson', '--subscribed', 'false', '-o', 'out.ndjson');
      assert.equal(file.status, 0, file.stderr);
      assert.match(file.stderr, /Exported 1 contacts to out\.ndjson/);
      const contact = JSON.parse(readFileSync(join(dir, 'out.ndjson'), 'utf8'));
      assert.deepEqual({ email: contact.email, subscribed: contact.subscribed, data: contact.data }, { email: 'b@example.com', subscribed: false, data: { plan: 'free', seats: 1 } });

      const other = JSON.parse(run('projects', 'create', 'again', '--json').stdout).project.id;
      assert.equal(run('export', '--project', projectId, '-o', 'all.csv').status, 0);
      const reimport = run('import', 'all.csv', '--project', other, '--json');
      assert.equal(reimport.status, 0, reimport.stderr);
      assert.equal(JSON.parse(reimport.stdout).result.createdCount, 3);
      const again = run('export', '--project', other, '--format', 'ndjson');
      const essentials = (text: string) => text.trim().split('\n').map((line) => { const c = JSON.parse(line); return [c.email, c.subscribed, c.data]; }).sort();
      assert.deepEqual(essentials(again.stdout), essentials(run('export', '--project', projectId, '--format', 'ndjson').stdout));

      const bad = run('export', '--project', projectId, '--created-after', 'tuesday');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^rolodex: createdAfter: Must be an ISO 8601 instant/m);
      const badFormat = run('export', '--project', projectId, '--format', 'xlsx');
      assert.equal(badFormat.status, 1);
      assert.match(badFormat.stderr, /--format: csv or ndjson/);
    });
  });
}
