// Malformed HTTP on a real socket to a real `rolodex serve` (SQLite): what
// node's parser refuses before fastify sees a request (a garbage request line,
// a header without a colon, Content-Length that does not add up, raw bytes in
// the URL, headers over 16 KiB) still gets the envelope and an X-Request-ID;
// half-sent requests closed early or left hanging do not stop the server.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createProjectIn, killAll, startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Every HTTP response in what a socket received, in order. */
function parseResponses(received: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = received.toString('latin1');
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    const body = Buffer.from(rest.slice(headEnd + 4), 'latin1').subarray(0, length).toString('utf8');
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.slice(headEnd + 4 + Buffer.byteLength(body, 'latin1'));
  }
  return responses;
}

function assertEnvelope(response: RawResponse, status: number, code: string): void {
  const context = `${response.status} ${response.body}`;
  assert.equal(response.status, status, context);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', context);
  const { error } = JSON.parse(response.body);
  assert.equal(error.code, code, context);
  assert.equal(error.statusCode, status, context);
  assert.equal(error.requestId, response.headers['x-request-id'], context);
  assert.match(error.requestId, /^[0-9a-f-]{36}$/, context);
}

describe('malformed HTTP over a raw socket (real process, SQLite)', () => {
  let server: ServerProcess;
  let secretKey: string;
  let canaryId: string;
  const open = new Set<Socket>();

  /** Writes `bytes`, optionally half-closes, and resolves with everything received once the server closes (or 5 s pass). */
  const exchange = (bytes: string | Buffer, { end = false } = {}): Promise<RawResponse[]> =>
    new Promise((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', () => {});
      const timer = setTimeout(() => socket.destroy(), 5_000);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(parseResponses(Buffer.concat(chunks)));
      });
      socket.write(bytes);
      if (end) socket.end();
    });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json', ...init.headers } });

  before(async () => {
    const dataDir = tempDataDir();
    ({ secretKey } = await createProjectIn(dataDir));
    server = await startServer({ dataDir });
    const created = await api('/contacts', { method: 'POST', body: JSON.stringify({ email: 'canary@example.com', data: { a: 1 } }) });
    assert.equal(created.status, 201);
    canaryId = ((await created.json()) as { id: string }).id;
  });
  after(async () => {
    for (const socket of open) socket.destroy();
    await killAll();
  });

  const auth = () => `Authorization: Bearer ${secretKey}\r\n`;

  test('a garbage request line, binary noise, a header without a colon, NUL in a header → 400 VALIDATION_ERROR envelope, then close', async () => {
    const requests = [
      'HELLO WORLD\r\n\r\n',
      Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]),
      'GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n',
      'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET  HTTP/1.1\r\nHost: x\r\n\r\n',
    ];
    for (const request of requests) {
      const [response, ...more] = await exchange(request);
      assert.ok(response, `no answer to ${JSON.stringify(String(request))}`);
      assertEnvelope(response, 400, 'VALIDATION_ERROR');
      assert.equal(response.headers.connection, 'close');
      assert.deepEqual(more, []);
    }
  });

  test('Content-Length mismatches, invalid or duplicated, and Transfer-Encoding tricks → 4xx envelopes only', async () => {
    const post = (headers: string, body: string) => `POST /contacts HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\n${headers}\r\n${body}`;
    const cases: [string, { end?: boolean }][] = [
      [post('Content-Length: 500\r\n', '{"email":"short@example.com"}'), { end: true }],
      [post('Content-Length: 5\r\n', '{"email":"long@example.com"}'), {}],
      [post('Content-Length: abc\r\n', '{}'), {}],
      [post('Content-Length: -1\r\n', '{}'), {}],
      [post('Content-Length: 2\r\nContent-Length: 3\r\n', '{}'), {}],
      [post('Content-Length: 2\r\nTransfer-Encoding: chunked\r\n', '{}'), {}],
      [post('Transfer-Encoding: chunked\r\n', 'ZZ\r\n{}\r\n0\r\n\r\n'), {}],
      [post('Transfer-Encoding: chunked\r\n', '2\r\n{}\r\n'), { end: true }],
    ];
    for (const [request, options] of cases) {
      const responses = await exchange(request, options);
      assert.ok(responses.length > 0, `no answer to ${request.split('\r\n').slice(-3).join(' | ')}`);
      for (const response of responses) {
        assert.ok(response.status >= 400 && response.status < 500, `${response.status} ${response.body}`);
        assertEnvelope(response, response.status, JSON.parse(response.body).error.code);
      }
    }
    const list = await api('/contacts?search=example.com');
    assert.equal(((await list.json()) as { total: number }).total, 1, 'no half-sent contact was created');
  });

  test('raw bytes that are not UTF-8 in the path or query → 400; a raw backslash path → 404; headers over 16 KiB → 431', async () => {
    const line = (target: Buffer | string) => Buffer.concat([Buffer.from('GET '), Buffer.from(target as string, 'latin1'), Buffer.from(` HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`)]);
    for (const target of ['/contacts/\u00ff\u00fe', '/contacts?search=\u00c0\u00af', '/health\u0000']) {
      const [response] = await exchange(line(target));
      assertEnvelope(response!, 400, 'VALIDATION_ERROR');
    }
    const [backslash] = await exchange('GET /\\ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assertEnvelope(backslash!, 404, 'NOT_FOUND');
    for (const request of [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, `GET /contacts/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]) {
      const [response] = await exchange(request);
      assertEnvelope(response!, 431, 'HEADERS_TOO_LARGE');
    }
  });

  test('HTTP/1.1 without Host → 400 VALIDATION_ERROR on Host; a header named __proto__ is harmless', async () => {
    const [noHost] = await exchange('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n');
    assertEnvelope(noHost!, 400, 'VALIDATION_ERROR');
    assert.deepEqual(JSON.parse(noHost!.body).error.errors, [{ field: 'Host', message: 'Required for HTTP/1.1' }]);
    const [proto] = await exchange('GET /health HTTP/1.1\r\nHost: x\r\n__proto__: {"polluted":1}\r\nconstructor: x\r\nConnection: close\r\n\r\n');
    assert.equal(proto!.status, 200, proto!.body);
  });

  test('slowloris: partial requests closed early, and 50 left hanging, do not stop the server answering', async () => {
    for (const partial of ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: ', 'POST /contacts HTTP/1.1\r\n', 'GE', `POST /contacts HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em`]) {
      const responses = await exchange(partial, { end: true });
      for (const response of responses) assert.equal(response.status, 400, response.body);
      const destroyed = connect(server.port, '127.0.0.1');
      destroyed.on('error', () => {});
      destroyed.write(partial, () => destroyed.destroy());
    }
    for (let i = 0; i < 50; i++) {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(i % 2 ? 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' : `POST /contacts HTTP/1.1\r\nHost: x\r\n${auth()}Content-Length: 1000\r\n\r\n{`);
      open.add(socket);
    }
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    for (const socket of open) socket.destroy();
  });

  test('afterwards the same process answers /health and the contact made before is intact', async () => {
    const health = await fetch(`${server.url}/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const canary = await api(`/contacts/${canaryId}`);
    assert.equal(canary.status, 200);
    assert.deepEqual(((await canary.json()) as { data: unknown }).data, { a: 1 });
    const malformed = server.logRecords().filter((record) => record.msg === 'malformed request');
    assert.ok(malformed.length >= 10, `malformed requests are logged (${malformed.length})`);
    assert.doesNotMatch(server.stderr(), /Error|at /, 'nothing on stderr');
  });
});
