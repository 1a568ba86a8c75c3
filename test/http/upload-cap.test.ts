// Slow uploaders cannot tie the server up: at most MAX_UPLOADS_IN_PROGRESS
// uploads are read at once per process; the next answers 503 with
// Retry-After at once, and uploads are taken again as soon as a slot frees.
// Over real sockets, since the point is uploads that have not finished.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MAX_UPLOADS_IN_PROGRESS } from '../../src/http/routes/jobs.js';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { multipartBody } from '../support/jobs.js';

const [sqlite] = storeKinds().filter((kind) => kind.name === 'sqlite');

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

  test(`the upload after ${MAX_UPLOADS_IN_PROGRESS} unfinished ones gets 503 with Retry-After; a freed slot takes uploads again`, async () => {
    const { auth } = await t.project();
    const stalled = await Promise.all(Array.from({ length: MAX_UPLOADS_IN_PROGRESS }, () => stalledUpload(port, auth.authorization)));
    const upload = () => {
      const { payload, headers } = multipartBody('email\na@example.com\n');
      return fetch(`http://127.0.0.1:${port}/contacts/import`, { method: 'POST', headers: { ...auth, ...headers }, body: payload });
    };
    const refused = await upload();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as any).error.code, 'SERVICE_UNAVAILABLE');

    for (const socket of stalled) socket.destroy();
    let accepted: Response | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      accepted = await upload();
      if (accepted.status !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(accepted!.status, 202);
  });
});
