// Metrics in a real process (CONTRACT.md, "Operations"): METRICS_PORT serves
// GET /metrics on that port only, never on the API's, in `serve` and in a
// worker that has no API; METRICS=true serves it on the API's port; a bad
// setting stops the process at start, naming the variable.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { freePort, killAll, runCli, startProcess, startServer } from '../support/server-process.js';

const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url, init);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('metrics in a real process', () => {
  after(killAll);

  test('METRICS_PORT: /metrics on that port (counting the API\'s requests by route), not on the API port; exits 0 on SIGTERM', async () => {
    const metricsPort = await freePort();
    const server = await startServer({ env: { METRICS_PORT: String(metricsPort) } });
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;

    assert.equal((await get(`${server.url}/health`)).status, 200);
    const onApi = await get(`${server.url}/metrics`);
    assert.equal(onApi.status, 404);
    assert.equal(JSON.parse(onApi.body).error.code, 'NOT_FOUND');

    const scraped = await get(`${metricsUrl}/metrics`);
    assert.equal(scraped.status, 200);
    assert.equal(scraped.type, TEXT_FORMAT);
    assert.match(scraped.body, /^rolodex_http_requests_total\{route="\/health",method="GET",status_code="200"\} 1$/m);
    assert.match(scraped.body, /^rolodex_http_requests_total\{route="unmatched",method="GET",status_code="404"\} 1$/m);
    assert.match(scraped.body, /^rolodex_jobs_queued 0$/m);
    assert.match(scraped.body, /^# TYPE process_cpu_user_seconds_total counter$/m);

    const elsewhere = await get(`${metricsUrl}/health`);
    assert.equal(elsewhere.status, 404, 'the metrics port serves nothing but /metrics');
    assert.equal(elsewhere.type, 'application/json; charset=utf-8');
    assert.equal(JSON.parse(elsewhere.body).error.code, 'NOT_FOUND');
    const posted = await fetch(`${metricsUrl}/metrics`, { method: 'POST' });
    await posted.arrayBuffer();
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.get('allow'), 'GET, HEAD');

    // The scraper's keep-alive connection does not hold the shutdown.
    assert.equal(await server.stop('SIGTERM'), 0);
    await assert.rejects(fetch(`${metricsUrl}/metrics`));
  });

  test('METRICS=true: /metrics on the API port', async () => {
    const server = await startServer({ env: { METRICS: 'true' } });
    const scraped = await get(`${server.url}/metrics`);
    assert.equal(scraped.status, 200);
    assert.equal(scraped.type, TEXT_FORMAT);
    assert.match(scraped.body, /^rolodex_http_requests_total\{route="\/ready",method="GET",status_code="200"\} \d+$/m);
    assert.equal(await server.stop('SIGTERM'), 0);
  });

  test('a worker without an API, scraped on METRICS_PORT: the queue gauges', async () => {
    const metricsPort = await freePort();
    const worker = startProcess(['worker'], { env: { METRICS_PORT: String(metricsPort) } });
    await worker.waitForLog((record) => record.msg === 'metrics listening', 15_000);
    const scraped = await get(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(scraped.status, 200);
    assert.match(scraped.body, /^rolodex_jobs_oldest_queued_age_seconds 0$/m);
    assert.match(scraped.body, /^rolodex_jobs\{type="import",state="queued"\} 0$/m);
    assert.equal(await worker.stop('SIGTERM'), 0);
  });

  test('a bad setting stops the process at start with exit code 78, naming the variable', async () => {
    const port = String(await freePort());
    for (const [env, variable] of [
      [{ METRICS: 'yes' }, 'METRICS'],
      [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT'],
      [{ METRICS_PORT: port, PORT: port }, 'METRICS_PORT'],
      [{ METRICS_PORT: port, METRICS: 'false' }, 'METRICS'],
    ] as const) {
      const result = await runCli(['serve'], env);
      assert.equal(result.code, 78, `${JSON.stringify(env)}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^rolodex: Invalid configuration: ${variable} `), result.stderr);
    }
  });
});
