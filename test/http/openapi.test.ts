// The OpenAPI document (CONTRACT.md, "Operations"): valid under Redocly's
// strict recommended rules, and free of the defects a review found in it
// (a required `limit`, a one-valued `subscribed`, no upload body, untyped job
// results, `format: email`, no headers, 429 and 503 missing, a key asked of
// /health, no servers or operationIds, "Default Response" everywhere).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ERROR_STATUS } from '../../src/domain/errors.js';
import { OPTION_FIELDS } from '../../src/domain/import/options.js';
import type { LightMyRequestResponse } from 'fastify';
import { DocumentChecker, json, startApp, storeKinds, type TestApp } from '../support/app.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

type Operation = {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: any }> };
  responses: Record<string, { description: string; headers?: Record<string, { $ref: string }>; content?: Record<string, { schema: any }> }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(doc: any): [string, string, Operation][] {
  return Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]): [string, string, Operation] => [path, method, operation]),
  );
}

const needsKey = (path: string) => path.startsWith('/contacts') || path.startsWith('/webhooks');

const headerNames = (response: { headers?: Record<string, unknown> }) => Object.keys(response.headers ?? {});

// The document does not depend on the store: SQLite is enough.
const kind = storeKinds().find((candidate) => candidate.name === 'sqlite')!;

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: any;
  before(async () => {
    t = await startApp(kind);
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = json(response);
  });
  after(async () => t.close());

  test('passes `redocly lint` with the recommended-strict rules: no errors, no warnings', async () => {
    // recommended-strict is `recommended` with every warning made an error,
    // so no warning is left to decide about.
    const dir = mkdtempSync(join(tmpdir(), 'rolodex-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const lint = await run('npx', ['--no-install', 'redocly', 'lint', file, '--extends', 'recommended-strict', '--format', 'json'], {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { stdout: string }) => error);
      const report = JSON.parse(lint.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
      assert.deepEqual(report.problems.map((p) => `${p.ruleId}: ${p.message}`), []);
      assert.deepEqual({ errors: report.totals.errors, warnings: report.totals.warnings }, { errors: 0, warnings: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every operation has a unique operationId, a summary, and no "Default Response"', () => {
    const ids = operations(doc).map(([, , operation]) => operation.operationId);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'operationIds');
    assert.equal(new Set(ids).size, ids.length, 'unique operationIds');
    for (const [path, method, operation] of operations(doc)) {
      assert.ok(operation.summary, `${method} ${path} summary`);
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.notEqual(response.description, 'Default Response', `${method} ${path} ${status}`);
      }
    }
  });

  test('servers are listed; /health, /ready and /openapi.json need no key, every /contacts and /webhooks operation the secret key', () => {
    assert.ok(Array.isArray(doc.servers) && doc.servers.length > 0);
    assert.equal(doc.security, undefined, 'no document-wide requirement for operations to inherit');
    for (const [path, method, operation] of operations(doc)) {
      const expected = needsKey(path) ? [{ secretKey: [] }] : [];
      assert.deepEqual(operation.security, expected, `${method} ${path}`);
    }
  });

  test('every response declares X-Request-ID; authenticated ones RateLimit-*; 429 and 503 Retry-After; 202 Location', () => {
    for (const [path, method, operation] of operations(doc)) {
      const authenticated = needsKey(path);
      for (const status of ['400', '500', '503', ...(authenticated ? ['401', '403', '415', '429'] : [])]) {
        assert.ok(operation.responses[status], `${method} ${path} declares ${status}`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const names = headerNames(response);
        const where = `${method} ${path} ${status}`;
        assert.ok(names.includes('X-Request-ID'), where);
        if (status === '429' || status === '503') assert.ok(names.includes('Retry-After'), where);
        if (status === '202') assert.ok(names.includes('Location'), where);
        if (authenticated && status !== '401' && status !== '403') {
          for (const name of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) assert.ok(names.includes(name), `${where} ${name}`);
        }
      }
    }
    assert.equal(doc.components.headers['X-Request-ID'].required, true);
    assert.equal(doc.components.headers['Retry-After'].required, true);
    assert.equal(doc.components.headers.Location.required, true);
  });

  test('GET /contacts: limit is optional with its default, subscribed offers true and false', () => {
    const parameters = Object.fromEntries(doc.paths['/contacts'].get.parameters.map((p: { name: string }) => [p.name, p]));
    assert.equal(parameters.limit.required, false);
    assert.equal(parameters.limit.schema.default, 20);
    assert.deepEqual(parameters.subscribed.schema, { type: 'string', enum: ['true', 'false'] });
    for (const path of ['/contacts/import', '/contacts/bulk']) {
      const limit = doc.paths[path].get.parameters.find((p: { name: string }) => p.name === 'limit');
      assert.equal(limit.required, false, path);
    }
  });

  test('the import and its preview take multipart/form-data: the file and every import option', () => {
    for (const path of ['/contacts/import', '/contacts/import/preview']) {
      const schema = doc.paths[path].post.requestBody.content['multipart/form-data'].schema;
      assert.deepEqual(Object.keys(schema.properties).sort(), ['file', ...OPTION_FIELDS].sort(), path);
      assert.deepEqual(schema.required, ['file']);
      assert.equal(schema.properties.file.format, 'binary');
      assert.deepEqual(schema.properties.subscribed.enum, ['true', 'false']);
    }
  });

  test('job results are typed field by field, for imports and bulk jobs', () => {
    const schemas = doc.components.schemas;
    const importJob = doc.paths['/contacts/import/{jobId}'].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(importJob.properties.result, { $ref: '#/components/schemas/ImportResult' });
    assert.deepEqual(schemas.ImportResult.required, [
      'totalRows', 'processedRows', 'successCount', 'createdCount', 'updatedCount', 'failureCount',
      'keptUnsubscribedCount', 'format', 'encoding', 'errors',
    ]);
    assert.deepEqual(schemas.ImportResult.properties.errors.items.required, ['row', 'email', 'error']);
    const bulkJob = doc.paths['/contacts/bulk/{jobId}'].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(bulkJob.properties.result, { $ref: '#/components/schemas/BulkResult' });
    assert.deepEqual(schemas.BulkResult.required, ['operation', 'totalRequested', 'successCount', 'unchangedCount', 'failureCount', 'errors']);
    const importList = doc.paths['/contacts/import'].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(importList.properties.jobs.items.properties.result, { $ref: '#/components/schemas/ImportResultSummary' });
    assert.equal(schemas.ImportResultSummary.properties.errors, undefined);
  });

  test('Contact.email has no format (internationalised addresses are accepted); the error codes are listed', () => {
    assert.equal(doc.components.schemas.Contact.properties.email.format, undefined);
    assert.deepEqual(doc.components.schemas.Error.properties.error.properties.code.enum, Object.keys(ERROR_STATUS));
  });

  test('errors.csv answers text/csv, its errors JSON', () => {
    const csv = doc.paths['/contacts/import/{jobId}/errors.csv'].get.responses['200'];
    assert.deepEqual(Object.keys(csv.content), ['text/csv']);
    assert.deepEqual(Object.keys(doc.paths['/contacts/import/{jobId}/errors.csv'].get.responses['404'].content), ['application/json']);
  });

  test("the test app's answer check refuses an undeclared status, a field the document omits, and a missing required header", () => {
    const checker = new DocumentChecker(doc);
    const answer = (url: string, status: number, body: unknown, headers: Record<string, string> = {}) =>
      ({
        statusCode: status,
        body: JSON.stringify(body),
        headers: { 'x-request-id': 'r1', 'content-type': 'application/json; charset=utf-8', ...headers },
        raw: { req: { method: 'GET', url } },
      }) as unknown as LightMyRequestResponse;
    const job = {
      id: '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11',
      type: 'import',
      state: 'queued',
      progress: 0,
      result: {
        totalRows: 1, processedRows: 0, successCount: 0, createdCount: 0, updatedCount: 0, failureCount: 0,
        keptUnsubscribedCount: 0, format: 'csv', encoding: 'utf-8', errors: [],
      },
      failedReason: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: null,
      finishedAt: null,
    };
    const url = `/contacts/import/${job.id}`;
    checker.check(answer(url, 200, job));
    assert.throws(() => checker.check(answer(url, 200, { ...job, extra: 1 })), /must NOT have additional properties/);
    assert.throws(() => checker.check(answer(url, 200, { ...job, result: { ...job.result, format: undefined } })), /format/);
    assert.throws(() => checker.check(answer(url, 418, job)), /status 418 is not declared/);
    const limited = { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Slow down', statusCode: 429, requestId: 'r1' } };
    checker.check(answer(url, 429, limited, { 'retry-after': '1' }));
    assert.throws(() => checker.check(answer(url, 429, limited)), /Retry-After is missing/);
    assert.throws(() => checker.check(answer(url, 429, { error: { ...limited.error, code: 'SLOW_DOWN' } }, { 'retry-after': '1' })), /allowed values/);
  });
});
