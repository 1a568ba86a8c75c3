// A 201 is a promise: the contact survives the process being killed (-9) the
// moment the answer arrives, and a new process on the same DATA_DIR serves it.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { killAll, startServer, type ServerProcess } from '../support/server-process.js';
import { serverTargets } from '../support/targets.js';

const ROUNDS = 4;

for (const target of serverTargets()) describe(`durability across kill -9 (${target.name})`, () => {
  after(killAll);

  test(`${ROUNDS} contacts, each acknowledged (201) just before a SIGKILL, are all there after restarts`, async () => {
    const { options, secretKey, cleanup } = await target.prepare('Durable');
    const headers = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };
    const created: { id: string; email: string; data: unknown }[] = [];

    let server: ServerProcess = await startServer(options);
    for (let round = 0; round < ROUNDS; round++) {
      const email = `crash-${round}@example.com`;
      const response = await fetch(`${server.url}/contacts`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email, data: { round } }),
      });
      assert.equal(response.status, 201);
      const contact = (await response.json()) as { id: string; email: string; data: unknown };
      await server.kill();
      created.push(contact);

      server = await startServer({ ...options, dataDir: options.dataDir ?? server.dataDir });
      for (const expected of created) {
        const read = await fetch(`${server.url}/contacts/${expected.id}`, { headers });
        assert.equal(read.status, 200, `${expected.email} lost after kill -9 (round ${round})`);
        assert.deepEqual(await read.json(), expected);
      }
    }
    const list = await fetch(`${server.url}/contacts?limit=100`, { headers });
    const body = (await list.json()) as { contacts: { id: string }[]; total: number };
    assert.equal(body.total, ROUNDS);
    assert.deepEqual(
      body.contacts.map((contact) => contact.id),
      created.map((contact) => contact.id).reverse(),
    );
    assert.equal(await server.stop(), 0);
    await cleanup();
  });
});
