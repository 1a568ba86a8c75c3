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
  /** How long the change feed keeps events; a cursor older than that is refused (410). */
  changeRetentionDays: number;
  /** How many jobs one worker process runs at once. */
  workerConcurrency: number;
  limits: Limits;
  /**
   * GET /metrics: off when undefined; on the API's own port when `ownPort` is
   * null (METRICS=true); else only on a listener of its own (METRICS_PORT).
   */
  metrics: { ownPort: number | null } | undefined;
  /**
   * Whether (and which) proxies in front are trusted for the client's address
   * and protocol (X-Forwarded-For, X-Forwarded-Proto): TRUST_PROXY=true, a
   * number of hops, or addresses/CIDRs. Off by default.
   */
  trustProxy: boolean | number | string;
  webhooks: WebhookSettings;
  /**
   * The key that seals webhook signing secrets (SECRETS_KEY, 32 bytes); when
   * unset, the embedded store keeps one in a file of the data folder and the
   * scale-out store refuses to create webhooks.
   */
  secretsKey: Buffer | undefined;
}

/** How webhooks are delivered; docs/api.md ("Webhooks") tells the schedule they make. */
export interface WebhookSettings {
  /** Endpoints on loopback, private, link-local (…) addresses, and http:// URLs, are accepted. For tests and closed networks. */
  allowPrivate: boolean;
  /** Messages one endpoint is sent per second at most, across every worker. */
  ratePerSecond: number;
  /** Contact events one message carries at most, when an endpoint is behind (1: never batched). */
  batchSize: number;
  /** The first retry's delay; each next one doubles (up to 128 times this), with jitter. */
  retryBaseMs: number;
  /** An endpoint whose every attempt failed for this long is disabled (24 h). */
  disableAfterMs: number;
  /** Longest one attempt may take, answer included. */
  timeoutMs: number;
  /** Deliveries one worker process makes at once. */
  concurrency: number;
}

/**
 * Bounds that keep one project (or one client) from holding a resource every
 * other project needs. Each is a setting; docs/security.md says why each exists.
 */
export interface Limits {
  /** Longest a search (a list page or its total) may work before it is cut off with a 503. */
  searchTimeoutMs: number;
  /** CSV uploads one API process reads at once, from all projects together. */
  uploadsInProgress: number;
  /** CSV uploads one project may have in progress on one API process. */
  uploadsPerProject: number;
  /** Exports one API process streams at once, from all projects together. */
  exportsInProgress: number;
  /** Exports one project may have streaming on one API process. */
  exportsPerProject: number;
  /** An upload slower than this on average (after its first 10 s) is cut off. */
  uploadMinBytesPerSecond: number;
  /** Jobs of one project that run at once, across every worker. */
  jobsRunningPerProject: number;
  /** Jobs of one project that may be queued or running at once; the next is refused with a 429. */
  jobsPendingPerProject: number;
  /** PostgreSQL connections one process holds at most. */
  databasePoolSize: number;
  /** Of those, how many one project's requests may use at once. */
  databaseConnectionsPerProject: number;
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

function readBoolean(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be true or false (got "${env[name]}")`);
}

/** METRICS_PORT alone turns metrics on; METRICS=false beside it is a contradiction, not a choice. */
function readMetrics(env: Env, apiPort: number): Config['metrics'] {
  const enabled = readBoolean(env, 'METRICS');
  const ownPort = env.METRICS_PORT ? readInteger(env, 'METRICS_PORT', 0, 1, 65535) : null;
  if (ownPort === null) return enabled ? { ownPort } : undefined;
  if (enabled === false) throw new ConfigError('METRICS', 'is false, but METRICS_PORT is set; unset one of them');
  if (ownPort === apiPort) throw new ConfigError('METRICS_PORT', `must differ from PORT (${apiPort})`);
  return { ownPort };
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

  const port = readInteger(env, 'PORT', 3000, 0, 65535);
  return {
    port,
    host,
    dataDir: resolve(env.DATA_DIR || 'data'),
    databaseUrl,
    logLevel,
    rateLimit,
    redisUrl,
    jobRetentionDays: readInteger(env, 'JOB_RETENTION_DAYS', 7, 1, 3650),
    changeRetentionDays: readInteger(env, 'CHANGE_RETENTION_DAYS', 7, 1, 3650),
    workerConcurrency: readInteger(env, 'WORKER_CONCURRENCY', 4, 1, 64),
    limits: readLimits(env),
    metrics: readMetrics(env, port),
    trustProxy: readTrustProxy(env.TRUST_PROXY),
    webhooks: readWebhookSettings(env),
    secretsKey: readSecretsKey(env),
  };
}

const HOUR_MS = 60 * 60 * 1000;

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  ratePerSecond: 10,
  batchSize: 100,
  retryBaseMs: 30_000,
  disableAfterMs: 24 * HOUR_MS,
  timeoutMs: 10_000,
  concurrency: 4,
};

function readWebhookSettings(env: Env): WebhookSettings {
  const d = DEFAULT_WEBHOOK_SETTINGS;
  return {
    allowPrivate: readBoolean(env, 'WEBHOOK_ALLOW_PRIVATE') ?? d.allowPrivate,
    ratePerSecond: readPositiveNumber(env, 'WEBHOOK_RATE_PER_SECOND') ?? d.ratePerSecond,
    batchSize: readInteger(env, 'WEBHOOK_BATCH_SIZE', d.batchSize, 1, 1000),
    retryBaseMs: readInteger(env, 'WEBHOOK_RETRY_BASE_MS', d.retryBaseMs, 1, HOUR_MS),
    disableAfterMs: readInteger(env, 'WEBHOOK_DISABLE_AFTER_MS', d.disableAfterMs, 1, 30 * 24 * HOUR_MS),
    timeoutMs: readInteger(env, 'WEBHOOK_TIMEOUT_MS', d.timeoutMs, 100, 60_000),
    concurrency: readInteger(env, 'WEBHOOK_CONCURRENCY', d.concurrency, 1, 64),
  };
}

/** 32 bytes, base64 (`openssl rand -base64 32`). The message never repeats the value. */
function readSecretsKey(env: Env): Buffer | undefined {
  const raw = env.SECRETS_KEY?.trim();
  if (!raw) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || key.length !== 32) {
    throw new ConfigError('SECRETS_KEY', 'must be 32 bytes in base64 (openssl rand -base64 32)');
  }
  return key;
}

function readTrustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export const DEFAULT_LIMITS: Limits = {
  searchTimeoutMs: 2000,
  uploadsInProgress: 8,
  uploadsPerProject: 2,
  uploadMinBytesPerSecond: 10 * 1024,
  exportsInProgress: 8,
  exportsPerProject: 2,
  jobsRunningPerProject: 2,
  jobsPendingPerProject: 20,
  databasePoolSize: 10,
  databaseConnectionsPerProject: 4,
};

function readLimits(env: Env): Limits {
  const d = DEFAULT_LIMITS;
  const databasePoolSize = readInteger(env, 'DATABASE_POOL_SIZE', d.databasePoolSize, 2, 1000);
  const databaseConnectionsPerProject = readInteger(
    env, 'DATABASE_CONNECTIONS_PER_PROJECT', Math.min(d.databaseConnectionsPerProject, databasePoolSize - 1), 1, 1000,
  );
  if (databaseConnectionsPerProject >= databasePoolSize) {
    throw new ConfigError('DATABASE_CONNECTIONS_PER_PROJECT', `must be less than DATABASE_POOL_SIZE (${databasePoolSize})`);
  }
  const uploadsInProgress = readInteger(env, 'UPLOADS_IN_PROGRESS', d.uploadsInProgress, 1, 10_000);
  const exportsInProgress = readInteger(env, 'EXPORTS_IN_PROGRESS', d.exportsInProgress, 1, 10_000);
  return {
    searchTimeoutMs: readInteger(env, 'SEARCH_TIMEOUT_MS', d.searchTimeoutMs, 100, 600_000),
    uploadsInProgress,
    uploadsPerProject: readInteger(env, 'UPLOADS_PER_PROJECT', Math.min(d.uploadsPerProject, uploadsInProgress), 1, uploadsInProgress),
    exportsInProgress,
    exportsPerProject: readInteger(env, 'EXPORTS_PER_PROJECT', Math.min(d.exportsPerProject, exportsInProgress), 1, exportsInProgress),
    uploadMinBytesPerSecond: readInteger(env, 'UPLOAD_MIN_BYTES_PER_SECOND', d.uploadMinBytesPerSecond, 0, 1 << 30),
    jobsRunningPerProject: readInteger(env, 'JOBS_RUNNING_PER_PROJECT', d.jobsRunningPerProject, 1, 1000),
    jobsPendingPerProject: readInteger(env, 'JOBS_PENDING_PER_PROJECT', d.jobsPendingPerProject, 1, 100_000),
    databasePoolSize,
    databaseConnectionsPerProject,
  };
}
