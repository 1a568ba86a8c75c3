// Rate limits (CONTRACT.md, "Operations"): a token bucket per project; every
// authenticated response carries RateLimit-Limit/Remaining/Reset; past the
// limit, 429 RATE_LIMIT_EXCEEDED with Retry-After; other projects unaffected.
// The in-memory limiter runs on a clock the test moves, so nothing here
// depends on timing; the Redis limiter is checked against the real Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryRateLimiter, RedisRateLimiter } from '../../src/http/rate-limit.js';
import { json, startApp, storeKinds, type TestApp } from '../support/app.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

for (const kind of storeKinds()) {
  describe(`rate limits (${kind.name})`, () => {
    let t: TestApp;
    let clock = 0;
    before(async () => {
      t = await startApp(kind, { rateLimiter: new MemoryRateLimiter({ perSecond: 2, burst: 3 }, () => clock) });
    });
    after(async () => t.close());

    test('each answer carries the headers; the burst passes, the next request gets 429 with Retry-After', async () => {
      const { auth } = await t.project();
      const seen = [];
      for (let i = 0; i < 4; i++) {
        const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: auth });
        seen.push([response.statusCode, response.headers['ratelimit-limit'], response.headers['ratelimit-remaining'], response.headers['ratelimit-reset']]);
        if (i === 3) {
          assert.equal(response.headers['retry-after'], '1');
          const body = json(response);
          assert.equal(body.error.code, 'RATE_LIMIT_EXCEEDED');
          assert.equal(body.error.statusCode, 429);
          assert.ok(response.headers['x-request-id']);
        }
      }
      // Reset: seconds until the bucket is full again at 2 tokens/s, rounded up.
      assert.deepEqual(seen, [
        [200, '3', '2', '1'],
        [200, '3', '1', '1'],
        [200, '3', '0', '2'],
        [429, '3', '0', '2'],
      ]);
    });

    test('tokens come back with time: half a second later one request passes', async () => {
      const { auth } = await t.project();
      for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/contacts', headers: auth });
      assert.equal((await t.app.inject({ method: 'GET', url: '/contacts', headers: auth })).statusCode, 429);
      clock += 500;
      assert.equal((await t.app.inject({ method: 'GET', url: '/contacts', headers: auth })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/contacts', headers: auth })).statusCode, 429);
      clock += 10_000;
    });

    test('another project is unaffected by one that is over its limit', async () => {
      const busy = await t.project('busy');
      const quiet = await t.project('quiet');
      for (let i = 0; i < 5; i++) await t.app.inject({ method: 'GET', url: '/contacts', headers: busy.auth });
      const response = await t.app.inject({ method: 'GET', url: '/contacts', headers: quiet.auth });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['ratelimit-remaining'], '2');
      clock += 10_000;
    });

    test('unauthenticated answers neither spend tokens nor carry the headers', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/contacts' });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['ratelimit-limit'], undefined);
      assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).headers['ratelimit-limit'], undefined);
    });

    test('a request refused with 429 changes nothing', async () => {
      const { auth } = await t.project();
      for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/contacts', headers: auth });
      const refused = await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: { email: 'no@example.com' } });
      assert.equal(refused.statusCode, 429);
      clock += 10_000;
      const list = json(await t.app.inject({ method: 'GET', url: '/contacts', headers: auth }));
      assert.equal(list.total, 0);
    });
  });
}

describe('rate limits shared through Redis', () => {
  test('two API instances (as two processes would) share one bucket per project', async (context) => {
    if (!(await redisAnswers())) return context.skip(`no Redis at ${REDIS_URL}`);
    const [kind] = storeKinds().filter((k) => k.name === 'sqlite');
    const settings = { perSecond: 0.001, burst: 4 }; // no refill within the test
    const firstLimiter = new RedisRateLimiter(REDIS_URL, settings);
    const first = await startApp(kind!, { rateLimiter: firstLimiter });
    try {
      // The second app shares the first's database, as a second process would.
      const { auth } = await first.project();
      const { buildApp } = await import('../../src/http/app.js');
      const { createLogger } = await import('../../src/logger.js');
      const secondLimiter = new RedisRateLimiter(REDIS_URL, settings);
      const second = await buildApp({ store: first.store, logger: createLogger('silent'), rateLimiter: secondLimiter });
      try {
        const statuses = [];
        for (let i = 0; i < 6; i++) {
          const app = i % 2 === 0 ? first.app : second;
          statuses.push((await app.inject({ method: 'GET', url: '/contacts', headers: auth })).statusCode);
        }
        assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
      } finally {
        await second.close();
        await secondLimiter.close();
      }
    } finally {
      await first.close();
      await firstLimiter.close();
    }
  });

  test('when Redis cannot be reached, requests are let through (and the fault reported)', async () => {
    const errors: unknown[] = [];
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1', { perSecond: 1, burst: 1 }, (error) => errors.push(error));
    try {
      const decisions = [await limiter.take('p'), await limiter.take('p')];
      assert.deepEqual(decisions.map((d) => d.allowed), [true, true]);
      assert.equal(errors.length, 2);
    } finally {
      await limiter.close();
    }
  });
});
