// Uploads cannot tie the server up: at most UPLOADS_IN_PROGRESS uploads are
// read at once per process, and at most UPLOADS_PER_PROJECT of one project;
// the next answers 503 with Retry-After at once, and uploads are taken again
// as soon as a slot frees. An upload slower than UPLOAD_MIN_BYTES_PER_SECOND
// is cut off (408), and one past 5 MiB is cut off there, however long it goes on.
// Over real sockets, since the point is uploads that have not finished.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { multipartBody } from '../support/jobs.js';

const [sqlite] = storeKinds().filter((kind) => kind.name === 'sqlite');
const { uploadsInProgress, uploadsPerProject } = DEFAULT_LIMITS;

/** Sends the headers and the first bytes of an upload, and then nothing more. */
function stalledUpload(port: number, authorization: string): Promise<Socket> {
  const { payload, headers } = multipartBody('email\n');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /contacts/import HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\n` +
          `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length + 1000}\r\n\r\n`,
      );
      socket.write(payload.subarray(0, 40));
      // Give the server a moment to route the request and start reading it.
      setTimeout(() => resolve(socket), 100);
    });
    socket.on('error', () => {});
  });
}

describe('a cap on uploads in progress', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startApp(sqlite!);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  after(async () => t.close());

  const upload = (auth: { authorization: string }) => {
    const { payload, headers } = multipartBody('email\na@example.com\n');
    return fetch(`http://127.0.0.1:${port}/contacts/import`, { method: 'POST', headers: { ...auth, ...headers }, body: payload });
  };

  test(`a project's upload after its ${uploadsPerProject} unfinished ones gets 503; another project's is accepted`, async () => {
    const greedy = await t.project('greedy');
    const other = await t.project('other');
    const stalled = await Promise.all(Array.from({ length: uploadsPerProject }, () => stalledUpload(port, greedy.auth.authorization)));
    const refused = await upload(greedy.auth);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(((await refused.json()) as any).error.message, /This project already has 2 uploads in progress/);
    assert.equal((await upload(other.auth)).status, 202, "another project's upload goes through");
    for (const socket of stalled) socket.destroy();
  });

  test(`the upload after ${uploadsInProgress} unfinished ones of several projects gets 503 with Retry-After; a freed slot takes uploads again`, async () => {
    const { auth } = await t.project();
    const stalled: Socket[] = [];
    for (let i = 0; i < uploadsInProgress / uploadsPerProject; i++) {
      const other = await t.project(`stalling-${i}`);
      for (let j = 0; j < uploadsPerProject; j++) stalled.push(await stalledUpload(port, other.auth.authorization));
    }
    const refused = await upload(auth);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as any).error.code, 'SERVICE_UNAVAILABLE');

    for (const socket of stalled) socket.destroy();
    let accepted: Response | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      accepted = await upload(auth);
      if (accepted.status !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(accepted!.status, 202);
  });

  test('an upload that trickles in slower than the minimum rate is cut off with 408 after its grace period', async () => {
    const { auth } = await t.project('trickle');
    const socket = await stalledUpload(port, auth.authorization);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      // A byte every 2 s: far below 10 KiB/s, and never silent long enough for any idle timeout.
      const drip = setInterval(() => socket.write('x'), 2000);
      socket.on('data', (data) => (text += data.toString()));
      socket.on('close', () => {
        clearInterval(drip);
        resolve(text);
      });
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"code":"REQUEST_TIMEOUT"/);
    assert.match(answer, /slower than 10240 bytes per second/);
    assert.equal((await upload(auth)).status, 202, 'the slot was given back');
  });

  test("Node's fetch, which sends the whole body before reading, gets the 413 for a 6 MiB file, and the 503 when its project's slots are full", async () => {
    const { auth } = await t.project('fetcher');
    const big = multipartBody(Buffer.alloc(6 * 1024 * 1024, 'a'));
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`http://127.0.0.1:${port}/contacts/import`, { method: 'POST', headers: { ...auth, ...big.headers }, body: big.payload });
      assert.equal(response.status, 413);
      assert.equal(((await response.json()) as any).error.code, 'PAYLOAD_TOO_LARGE');
    }
    const stalled = await Promise.all(Array.from({ length: uploadsPerProject }, () => stalledUpload(port, auth.authorization)));
    const medium = multipartBody(`email\n${'a@example.com\n'.repeat(80_000)}`);
    const refused = await fetch(`http://127.0.0.1:${port}/contacts/import`, { method: 'POST', headers: { ...auth, ...medium.headers }, body: medium.payload });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    for (const socket of stalled) socket.destroy();
  });

  test('a chunked upload that never ends is cut off at 5 MiB: 413 (or the connection closed) long before 64 MiB are sent', async () => {
    const { auth } = await t.project();
    const boundary = 'XXBOUNDARY';
    const outcome = await new Promise<{ sent: number; answer?: string; closed: boolean }>((resolve) => {
      let sent = 0;
      let answer: string | undefined;
      let closed = false;
      const socket = connect(port, '127.0.0.1');
      const finish = () => resolve({ sent, answer, closed });
      socket.on('data', (data) => {
        answer ??= data.toString().split('\r\n')[0];
        socket.destroy();
      });
      socket.on('error', () => (closed = true));
      socket.on('close', finish);
      const chunk = (text: string) => socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
      socket.write(
        `POST /contacts/import HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth.authorization}\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      chunk(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\nemail\n`);
      const block = `${'a'.repeat(63)}@example.com\n`.repeat(512); // 38 KiB of rows
      const pump = () => {
        while (!socket.destroyed && answer === undefined && sent < 64 * 1024 * 1024) {
          sent += block.length;
          if (!chunk(block)) return void socket.once('drain', pump);
        }
        // All 64 MiB went out with no answer: the server is still reading.
        if (!socket.destroyed && answer === undefined) socket.destroy();
      };
      pump();
    });
    assert.ok(outcome.answer !== undefined || outcome.closed, `no answer and no close after ${outcome.sent} bytes`);
    if (outcome.answer !== undefined) assert.match(outcome.answer, /^HTTP\/1\.1 413 /);
    assert.ok(outcome.sent < 64 * 1024 * 1024, `${outcome.sent} bytes were sent before the server stopped reading`);
  });
});
