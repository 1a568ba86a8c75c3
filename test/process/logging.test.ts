// The request log of a real server process: one JSON line per request on
// stdout, carrying the request id the client saw, and never a key.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CreatedProject } from '../../src/domain/projects.js';
import { createProjectIn, killAll, startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';

describe('request logging (real process)', () => {
  let server: ServerProcess;
  let project: CreatedProject;

  before(async () => {
    const dataDir = tempDataDir();
    project = await createProjectIn(dataDir, 'Logs');
    server = await startServer({ dataDir });
  });
  after(killAll);

  test('one "request" line per request with method, route, query names, statusCode and the X-Request-ID answered; no key anywhere', async () => {
    const auth = { authorization: `Bearer ${project.secretKey}` };
    const mistyped = project.secretKey.slice(0, -1) + (project.secretKey.endsWith('x') ? 'y' : 'x');
    const requests: [string, RequestInit, number, Record<string, unknown>][] = [
      ['/health', {}, 200, { route: '/health' }],
      ['/contacts', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"email":"ada@example.com"}' }, 201, { route: '/contacts' }],
      ['/contacts?limit=5&search=ada%40example', { headers: auth }, 200, { route: '/contacts', query: ['limit', 'search'] }],
      ['/contacts/01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11', { headers: auth }, 404, { route: '/contacts/:id' }],
      ['/contacts', { headers: { authorization: `Bearer ${mistyped}` } }, 401, { route: '/contacts' }],
      ['/contacts', { headers: { authorization: `Bearer ${project.publicKey}` } }, 403, { route: '/contacts' }],
      ['/no-such-route', {}, 404, { route: null, path: '/no-such-route' }],
    ];
    const seen: { id: string; path: string; method: string; status: number; target: Record<string, unknown> }[] = [];
    for (const [path, init, status, target] of requests) {
      const response = await fetch(`${server.url}${path}`, init);
      await response.arrayBuffer();
      assert.equal(response.status, status, path);
      const id = response.headers.get('x-request-id');
      assert.ok(id, `no X-Request-ID on ${path}`);
      seen.push({ id, path, method: init.method ?? 'GET', status, target });
    }
    for (const { id } of seen) await server.waitForLog((record) => record.requestId === id && record.msg === 'request');
    // A last request whose line, once seen, follows every earlier one.
    const marker = randomUUID();
    await (await fetch(`${server.url}/health`, { headers: { 'x-request-id': marker } })).arrayBuffer();
    await server.waitForLog((record) => record.requestId === marker);

    const records = server.logRecords();
    assert.equal(records.length, server.logs().length, 'every stdout line is a JSON object');
    for (const { id, path, method, status, target } of seen) {
      const lines = records.filter((record) => record.requestId === id);
      assert.equal(lines.length, 1, `exactly one line for ${method} ${path}`);
      const [line] = lines;
      assert.equal(line!.msg, 'request');
      assert.equal(line!.method, method);
      assert.equal(line!.url, undefined, 'no whole URLs: they carry search terms');
      assert.deepEqual({ route: line!.route, path: line!.path, query: line!.query }, { path: undefined, query: undefined, ...target }, path);
      assert.equal(line!.statusCode, status);
    }
    assert.equal(new Set(seen.map((s) => s.id)).size, seen.length, 'request ids are unique');

    const output = server.logs().join('\n') + server.stderr();
    assert.ok(!output.includes('ada%40example') && !output.includes('ada@example'), 'a search term or an email appeared in the log');
    for (const secret of [project.secretKey, project.publicKey, mistyped]) {
      assert.ok(!output.includes(secret), 'a key appeared in the output');
      assert.ok(!output.includes(secret.slice(3)), 'a key body appeared in the output');
    }
  });

  test('a client-supplied X-Request-ID is echoed and logged; an invalid one is replaced', async () => {
    const given = `client-${randomUUID()}:retry.1`;
    const response = await fetch(`${server.url}/health`, { headers: { 'x-request-id': given } });
    await response.arrayBuffer();
    assert.equal(response.headers.get('x-request-id'), given);
    await server.waitForLog((record) => record.requestId === given && record.msg === 'request');

    const invalid = 'has spaces and / slashes';
    const replaced = await fetch(`${server.url}/health`, { headers: { 'x-request-id': invalid } });
    await replaced.arrayBuffer();
    const id = replaced.headers.get('x-request-id');
    assert.ok(id && id !== invalid && /^[A-Za-z0-9._:-]{1,128}$/.test(id));
    await server.waitForLog((record) => record.requestId === id && record.msg === 'request');
    assert.ok(!server.logs().join('\n').includes(invalid));
  });
});
