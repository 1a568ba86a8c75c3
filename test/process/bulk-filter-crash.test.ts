// A bulk job by filter never loses or repeats work: a server killed with
// SIGKILL while the job walks the project is started again, the job resumes
// after its last committed step, and its counts are exactly those of an
// uninterrupted run (a step applied twice would count its contacts again,
// as unchanged).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { killAll, startServer, type ServerProcess } from '../support/server-process.js';
import { serverTargets } from '../support/targets.js';

const CONTACTS = 60_000;

async function api(server: ServerProcess, key: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
}

async function waitUntil(server: ServerProcess, key: string, url: string, done: (job: any) => boolean): Promise<any> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const job = await (await api(server, key, url)).json();
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job never reached the awaited state: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function total(server: ServerProcess, key: string, query: string): Promise<number> {
  return ((await (await api(server, key, `/contacts?limit=1&${query}`)).json()) as { total: number }).total;
}

after(killAll);

for (const target of serverTargets()) {
  describe(`a bulk job by filter survives kill -9 (${target.name})`, () => {
    test('killed at several points, it ends with every matching contact changed once and exact counts', async () => {
      const { options, secretKey, cleanup } = await target.prepare();
      const { env, dataDir } = options;
      let server = await startServer({ env, dataDir });
      try {
        // Half the contacts are group a; a tenth of those are already unsubscribed.
        const lines = ['email,subscribed,group'];
        for (let i = 0; i < CONTACTS; i++) lines.push(`c${i}@crash.test,${!(i % 2 === 0 && i % 20 === 0)},${i % 2 === 0 ? 'a' : 'b'}`);
        const form = new FormData();
        form.append('file', new Blob([lines.join('\n')], { type: 'text/csv' }), 'contacts.csv');
        const imported = await api(server, secretKey, '/contacts/import', { method: 'POST', body: form });
        assert.equal(imported.status, 202);
        await waitUntil(server, secretKey, imported.headers.get('location')!, (job) => job.state === 'completed');

        const accepted = await api(server, secretKey, '/contacts/bulk-unsubscribe', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ filter: { data: { group: 'a' } } }),
        });
        assert.equal(accepted.status, 202);
        const location = accepted.headers.get('location')!;

        let kills = 0;
        for (const percent of [10, 40, 70]) {
          const seen = await waitUntil(server, secretKey, location, (job) => job.state === 'completed' || job.progress >= percent);
          if (seen.state === 'completed') break;
          await server.kill();
          kills++;
          server = await startServer({ env, dataDir: dataDir ?? server.dataDir });
        }
        assert.ok(kills >= 2, `the job must be interrupted to test anything (killed ${kills} times)`);

        const job = await waitUntil(server, secretKey, location, (j) => j.state === 'completed' || j.state === 'failed');
        assert.equal(job.state, 'completed', JSON.stringify(job.failedReason));
        assert.equal(job.progress, 100);
        const half = CONTACTS / 2;
        const already = CONTACTS / 20;
        assert.deepEqual(job.result, {
          operation: 'unsubscribe', totalRequested: half, successCount: half - already, unchangedCount: already, failureCount: 0, errors: [],
        });
        assert.equal(await total(server, secretKey, 'data.group=a&subscribed=true'), 0);
        assert.equal(await total(server, secretKey, 'data.group=b&subscribed=false'), 0);
      } finally {
        await server.stop().catch(() => undefined);
        await cleanup();
      }
    });
  });
}
