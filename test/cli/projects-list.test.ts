// `rolodex projects list [--json]` (CONTRACT.md, "The command line"): exactly
// [{"id","name","createdAt"}], oldest first, on both stores; a readable table
// without --json.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, runCli } from '../support/server-process.js';
import { cliStores, type CliStore } from './cli-stores.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, env);
  assert.equal(result.code, 0, `rolodex ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

for (const kind of cliStores()) {
  describe(`rolodex projects list (${kind.name})`, () => {
    let store: CliStore;

    before(async () => {
      store = await kind.prepare();
    });
    after(async () => {
      await killAll();
      await store.cleanup();
    });

    test('with no project: --json prints [], the table says so', async () => {
      const [json, text] = await Promise.all([ok(['projects', 'list', '--json'], store.env), ok(['projects', 'list'], store.env)]);
      assert.equal(json, '[]\n');
      assert.equal(text, 'No projects\n');
    });

    test('--json prints exactly id, name and createdAt (ISO 8601, milliseconds, UTC) of every project, oldest first', async () => {
      // Names out of alphabetical order, so the order seen is the creation order.
      const created: { id: string; name: string }[] = [];
      for (const name of ['Zeta Mail', 'Acme', 'Mid Co']) {
        created.push((JSON.parse(await ok(['projects', 'create', name, '--json'], store.env)) as { project: { id: string; name: string } }).project);
      }
      const stdout = await ok(['projects', 'list', '--json'], store.env);
      assert.ok(stdout.endsWith('\n') && !stdout.slice(0, -1).includes('\n'), 'one line of JSON');
      const list = JSON.parse(stdout) as Record<string, unknown>[];
      assert.deepEqual(list.map((entry) => Object.keys(entry)), created.map(() => ['id', 'name', 'createdAt']));
      assert.deepEqual(list.map(({ id, name }) => ({ id, name })), created);
      const times = list.map((entry) => entry.createdAt as string);
      for (const time of times) {
        assert.match(time, ISO);
        assert.equal(new Date(time).toISOString(), time);
      }
      assert.deepEqual([...times].sort(), times, 'oldest first');
    });

    test('without --json: a header and one aligned row per project, in the same order', async () => {
      const list = JSON.parse(await ok(['projects', 'list', '--json'], store.env)) as { id: string; name: string; createdAt: string }[];
      const stdout = await ok(['projects', 'list'], store.env);
      assert.throws(() => JSON.parse(stdout));
      const [header, ...rows] = stdout.trimEnd().split('\n');
      assert.match(header!, /^ID\s+CREATED\s+NAME$/);
      assert.equal(rows.length, list.length);
      const nameColumn = header!.indexOf('NAME');
      const createdColumn = header!.indexOf('CREATED');
      rows.forEach((row, index) => {
        const project = list[index]!;
        assert.ok(row.startsWith(`${project.id} `), row);
        assert.equal(row.slice(createdColumn, createdColumn + project.createdAt.length), project.createdAt, 'CREATED column aligned');
        assert.equal(row.slice(nameColumn), project.name, 'NAME column aligned');
      });
    });
  });
}
