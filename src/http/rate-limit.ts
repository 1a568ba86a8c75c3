// Per-project rate limits: a token bucket holding RATE_LIMIT_BURST tokens,
// refilled at RATE_LIMIT_PER_SECOND; each authenticated request takes one.
// With REDIS_URL the buckets live in Redis (one atomic script, Redis's clock),
// so the limit holds for the project across every API process; without it
// each process keeps its own buckets, and N processes allow N times the rate.
import type { FastifyReply } from 'fastify';
import { Redis } from 'ioredis';
import { AppError } from '../domain/errors.js';

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The bucket's size (RATE_LIMIT_BURST). */
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again, rounded up. */
  resetSeconds: number;
  /** Seconds until the next request is allowed (at least 1), when refused. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(projectId: string): Promise<RateDecision>;
  close(): Promise<void>;
}

function decide(tokens: number, allowed: boolean, { perSecond, burst }: RateLimitSettings): RateDecision {
  return {
    allowed,
    limit: burst,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.ceil((burst - tokens) / perSecond),
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)),
  };
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async take(projectId: string): Promise<RateDecision> {
    const now = this.now();
    const bucket = this.buckets.get(projectId) ?? { tokens: this.settings.burst, at: now };
    bucket.tokens = Math.min(this.settings.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.settings.perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(projectId, bucket);
    if (this.buckets.size > 100_000) this.forgetFullBuckets(now);
    return decide(bucket.tokens, allowed, this.settings);
  }

  async close(): Promise<void> {}

  /** A full bucket is the same as no bucket: drop them to bound memory. */
  private forgetFullBuckets(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.settings.perSecond >= this.settings.burst) this.buckets.delete(id);
    }
  }
}

const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return { allowed, tostring(tokens) }
`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly settings: RateLimitSettings,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    // Commands wait for the connection while it is being made (so the first
    // requests after a start are counted too), but never long: a Redis that
    // does not answer within half a second lets the request through.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 500 });
    this.redis.on('error', () => {});
    this.redis.defineCommand('rolodexTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async take(projectId: string): Promise<RateDecision> {
    try {
      const take = (this.redis as unknown as { rolodexTake(key: string, rate: number, burst: number): Promise<[number, string]> }).rolodexTake;
      const [allowed, tokens] = await take.call(this.redis, `rolodex:rate:${projectId}`, this.settings.perSecond, this.settings.burst);
      return decide(Number(tokens), allowed === 1, this.settings);
    } catch (error) {
      // Redis unreachable: let the request through rather than fail it.
      this.onError(error);
      return decide(this.settings.burst, true, this.settings);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Takes a token for the project, sets the RateLimit headers, and refuses with 429 when none is left. */
export async function applyRateLimit(limiter: RateLimiter, projectId: string, reply: FastifyReply): Promise<void> {
  const decision = await limiter.take(projectId);
  reply.header('RateLimit-Limit', String(decision.limit));
  reply.header('RateLimit-Remaining', String(decision.remaining));
  reply.header('RateLimit-Reset', String(decision.resetSeconds));
  if (!decision.allowed) {
    reply.header('Retry-After', String(decision.retryAfterSeconds));
    throw new AppError('RATE_LIMIT_EXCEEDED', `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s`);
  }
}

export function createRateLimiter(
  settings: RateLimitSettings,
  redisUrl: string | undefined,
  onRedisError: (error: unknown) => void,
): RateLimiter {
  return redisUrl ? new RedisRateLimiter(redisUrl, settings, onRedisError) : new MemoryRateLimiter(settings);
}
