// Jobs never lose work: a server killed with SIGKILL while an import runs is
// started again, the job resumes from its checkpoint, and the result is exact:
// every row applied once, counts equal to an uninterrupted run.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { killAll, startServer, type ServerProcess } from '../support/server-process.js';
import { serverTargets } from '../support/targets.js';

const ROWS = 40_000;
const EXISTING = 500;

/**
 * Rows i = 0..ROWS-1: user{i}; every 50th repeats an earlier email in upper
 * case (an update), every 97th is invalid. `seq` is the row's own index, so a
 * contact's final seq tells which row applied last.
 */
function buildCsv() {
  const lines = ['email,name,seq'];
  const lastSeq = new Map<string, number>();
  let invalid = 0;
  for (let i = 0; i < ROWS; i++) {
    let email = `user${i}@crash.test`;
    if (i % 97 === 96) {
      lines.push(`broken${i}@,x,${i}`);
      invalid++;
      continue;
    }
    if (i % 50 === 49) email = `user${i - 25}@crash.test`;
    lines.push(`${i % 50 === 49 ? email.toUpperCase() : email},Name ${i},${i}`);
    lastSeq.set(email, i);
  }
  const valid = ROWS - invalid;
  const distinct = lastSeq.size;
  const preexisting = [...lastSeq.keys()].slice(0, EXISTING);
  return {
    csv: lines.join('\n') + '\n',
    lastSeq,
    preexisting,
    expected: { createdCount: distinct - EXISTING, updatedCount: valid - (distinct - EXISTING), failureCount: invalid },
  };
}

async function api(server: ServerProcess, key: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
}

async function status(server: ServerProcess, key: string, jobId: string): Promise<any> {
  return (await api(server, key, `/contacts/import/${jobId}`)).json();
}

async function waitUntil(server: ServerProcess, key: string, jobId: string, done: (job: any) => boolean): Promise<any> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await status(server, key, jobId);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job never reached the awaited state: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function allContacts(server: ServerProcess, key: string): Promise<Map<string, any>> {
  const contacts = new Map<string, any>();
  let cursor: string | null = null;
  do {
    const page: any = await (await api(server, key, `/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json();
    for (const contact of page.contacts) contacts.set(contact.email, contact);
    cursor = page.cursor;
  } while (cursor);
  return contacts;
}

after(killAll);

for (const target of serverTargets()) {
  describe(`an import survives kill -9 (${target.name})`, () => {
    test('killed three times at different points, it ends with every row applied exactly once and exact counts', async () => {
      const { options, secretKey, cleanup } = await target.prepare();
      const { env, dataDir } = options;
      const { csv, lastSeq, preexisting, expected } = buildCsv();
      let server = await startServer({ env, dataDir });
      try {
        for (const email of preexisting) {
          const response = await api(server, secretKey, '/contacts', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, data: { before: true } }),
          });
          assert.equal(response.status, 201);
        }
        const form = new FormData();
        form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
        const accepted = await api(server, secretKey, '/contacts/import', { method: 'POST', body: form });
        assert.equal(accepted.status, 202);
        const { jobId } = (await accepted.json()) as { jobId: string };

        // Kill at three points of the run: early, in the middle, late.
        let kills = 0;
        for (const fraction of [0.1, 0.45, 0.8]) {
          const seen = await waitUntil(server, secretKey, jobId, (job) => job.state === 'completed' || job.result.processedRows >= ROWS * fraction);
          if (seen.state === 'completed') break;
          await server.kill();
          kills++;
          server = await startServer({ env, dataDir: dataDir ?? server.dataDir });
        }
        assert.ok(kills >= 2, `the import must be interrupted to test anything (killed ${kills} times)`);

        const job = await waitUntil(server, secretKey, jobId, (j) => j.state === 'completed' || j.state === 'failed');
        assert.equal(job.state, 'completed', JSON.stringify(job.failedReason));
        assert.equal(job.progress, 100);
        const { result } = job;
        assert.equal(result.totalRows, ROWS);
        assert.equal(result.processedRows, ROWS);
        assert.equal(result.createdCount, expected.createdCount);
        assert.equal(result.updatedCount, expected.updatedCount);
        assert.equal(result.failureCount, expected.failureCount);
        assert.equal(result.successCount, result.createdCount + result.updatedCount);
        assert.equal(result.errors.length, Math.min(1000, expected.failureCount));

        const contacts = await allContacts(server, secretKey);
        assert.equal(contacts.size, lastSeq.size);
        for (const [email, seq] of lastSeq) {
          const contact = contacts.get(email);
          assert.ok(contact, `${email} missing`);
          assert.equal(contact.data.seq, seq, `${email}: the last row for it applied last`);
        }
        for (const email of preexisting) assert.equal(contacts.get(email).data.before, true);
      } finally {
        await server.stop().catch(() => undefined);
        await cleanup();
      }
    });
  });
}
