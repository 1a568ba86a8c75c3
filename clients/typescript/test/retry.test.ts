// The retry policy on its own: which answers are retried, how long it waits,
// and that it gives up. (test/client.test.ts sees a real 429 retried.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelay, retryingFetch } from '../src/retry.js';

/** A fetch that answers `statuses` in turn and records each request's body. */
function scripted(statuses: number[], retryAfter: string | null = '0') {
  const bodies: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    bodies.push(await request.text());
    const status = statuses[bodies.length - 1] ?? 200;
    const headers = status === 200 || retryAfter === null ? undefined : { 'Retry-After': retryAfter };
    return new Response(status === 200 ? '{}' : '{"error":{}}', { status, headers });
  };
  return { fetch, bodies };
}

const post = () => new Request('http://rolodex.test/contacts', { method: 'POST', body: '{"email":"ada@example.com"}' });

test('503 and 429 are sent again, body and all, until an answer is not one of them', async () => {
  const { fetch, bodies } = scripted([503, 429, 200]);
  const response = await retryingFetch(fetch)(post());
  assert.equal(response.status, 200);
  assert.deepEqual(bodies, Array(3).fill('{"email":"ada@example.com"}'));
});

test('other failures are not retried', async () => {
  const { fetch, bodies } = scripted([500, 200]);
  assert.equal((await retryingFetch(fetch)(post())).status, 500);
  assert.equal(bodies.length, 1);
});

test('attempts are bounded: the last 429 is returned after `retries` retries', async () => {
  const { fetch, bodies } = scripted([429, 429, 429, 429]);
  assert.equal((await retryingFetch(fetch, { retries: 2 })(post())).status, 429);
  assert.equal(bodies.length, 3);
});

test('a Retry-After longer than maxDelayMs is returned at once, not waited for', async () => {
  const { fetch, bodies } = scripted([429, 200], '120');
  assert.equal((await retryingFetch(fetch, { maxDelayMs: 60_000 })(post())).status, 429);
  assert.equal(bodies.length, 1);
});

test('Retry-After is read as seconds or as an HTTP date; without it the backoff applies', () => {
  assert.equal(retryDelay('2', 500), 2000);
  assert.equal(retryDelay(null, 500), 500);
  assert.equal(retryDelay('soon', 500), 500);
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
  const delay = retryDelay(inTenSeconds, 500);
  assert.ok(delay > 8_000 && delay <= 10_000, String(delay));
});
