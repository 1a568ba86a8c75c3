// Keys managed by the command line count at once on a running server
// (CONTRACT.md: "a revoked key stops working at once").
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProjectIn, killAll, runCli, startServer, type ServerProcess } from '../support/server-process.js';

async function listContacts(server: ServerProcess, key: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/contacts`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: await response.json() };
}

describe('keys created and revoked through the CLI while the server runs', () => {
  let server: ServerProcess;
  let env: Record<string, string>;

  before(async () => {
    server = await startServer();
    env = { DATA_DIR: server.dataDir };
  });
  after(killAll);

  test('a new key works on the next request; after revoke it answers 401 INVALID_API_KEY, the other secret key still works', async () => {
    // Written into the live server's database by another process (this one).
    const { project, secretKey } = await createProjectIn(server.dataDir, 'Live');
    assert.equal((await listContacts(server, secretKey)).status, 200);

    const made = await runCli(['keys', 'create', '--project', project.id, '--json'], env);
    assert.equal(made.code, 0, made.stderr);
    const rotated = JSON.parse(made.stdout) as { id: string; key: string };
    const before = await listContacts(server, rotated.key);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.contacts, []);

    const revoked = await runCli(['keys', 'revoke', rotated.id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    const afterRevoke = await listContacts(server, rotated.key);
    assert.equal(afterRevoke.status, 401);
    assert.equal(afterRevoke.body.error.code, 'INVALID_API_KEY');
    assert.equal((await listContacts(server, secretKey)).status, 200);
  });
});
