// The only reader of process.env. Everything is validated once at start; a bad
// value stops the process with a message naming the variable.
import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  rateLimit: { perSecond: number; burst: number } | undefined;
  /** Where rate-limit buckets live when several API processes share a limit. */
  redisUrl: string | undefined;
  jobRetentionDays: number;
  /** How many jobs one worker process runs at once. */
  workerConcurrency: number;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function readPositiveNumber(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(name, `must be a positive number (got "${raw}")`);
  }
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }

  const host = env.HOST || '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError('HOST', `must be a host name or address (got "${host}")`);

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }

  const perSecond = readPositiveNumber(env, 'RATE_LIMIT_PER_SECOND');
  const burstRaw = readPositiveNumber(env, 'RATE_LIMIT_BURST');
  if (burstRaw !== undefined && !Number.isInteger(burstRaw)) {
    throw new ConfigError('RATE_LIMIT_BURST', `must be a whole number (got "${env.RATE_LIMIT_BURST}")`);
  }
  if (burstRaw !== undefined && perSecond === undefined) {
    throw new ConfigError('RATE_LIMIT_PER_SECOND', 'must be set when RATE_LIMIT_BURST is set');
  }
  const rateLimit =
    perSecond === undefined ? undefined : { perSecond, burst: burstRaw ?? Math.max(1, Math.ceil(perSecond)) };

  return {
    port: readInteger(env, 'PORT', 3000, 0, 65535),
    host,
    dataDir: resolve(env.DATA_DIR || 'data'),
    databaseUrl,
    logLevel,
    rateLimit,
    redisUrl,
    jobRetentionDays: readInteger(env, 'JOB_RETENTION_DAYS', 7, 1, 3650),
    workerConcurrency: readInteger(env, 'WORKER_CONCURRENCY', 4, 1, 64),
  };
}
