// The long-running processes: `serve` (API and worker), `api`, `worker`, and
// `migrate`. Every one of them brings the schema up to date first.
import { loadConfig } from '../config.js';
import { JobRunner } from '../jobs/runner.js';
import { WebhookDeliverer } from '../webhooks/deliverer.js';
import { secretBoxFor } from '../webhooks/secret-box.js';
import { createLogger, flushLogs } from '../logger.js';
import { openCommandStore } from './store.js';

export interface ProcessRoles {
  api: boolean;
  worker: boolean;
}

export async function runProcess(roles: ProcessRoles): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const store = await openCommandStore(config);
  if (!roles.api && !roles.worker) {
    logger.info({ store: store.dialect }, 'schema is up to date');
    await store.close();
    return;
  }

  const runner = roles.worker
    ? new JobRunner({
        store,
        logger,
        concurrency: config.workerConcurrency,
        retentionDays: config.jobRetentionDays,
        changeRetentionDays: config.changeRetentionDays,
        runningPerProject: config.limits.jobsRunningPerProject,
      })
    : undefined;
  const secrets = secretBoxFor({ secretsKey: config.secretsKey, dialect: store.dialect, dataDir: config.dataDir });
  // Without a key every worker shares, scale-out workers could not open the
  // secrets the API sealed: they deliver nothing, and say so.
  const canSign = config.secretsKey !== undefined || store.dialect === 'sqlite';
  if (roles.worker && !canSign) logger.error('webhook deliveries are off in this process: SECRETS_KEY is not set (docs/operations.md)');
  const deliverer =
    roles.worker && canSign ? new WebhookDeliverer({ store, logger, secrets, settings: config.webhooks }) : undefined;
  // Loaded only here: `migrate` and `worker` need no HTTP stack.
  const http = roles.api ? await import('../http/app.js') : undefined;
  const rateLimiter =
    roles.api && config.rateLimit
      ? (await import('../http/rate-limit.js')).createRateLimiter(config.rateLimit, config.redisUrl, (error) =>
          logger.warn({ err: error }, 'rate limiter unavailable; requests let through'),
        )
      : undefined;
  const metricsPort = config.metrics?.ownPort ?? null;
  const metrics = config.metrics && (metricsPort === null ? 'served' : 'counted');
  const app = await http?.buildApp({
    store, logger, rateLimiter, limits: config.limits, metrics, trustProxy: config.trustProxy, onJobQueued: () => runner?.wake(),
    webhooks: { secrets, allowPrivate: config.webhooks.allowPrivate },
  });
  let metricsListener: { close(): Promise<void> } | undefined;
  // Signal handlers first: a process that says it has started must shut down
  // cleanly, never die of the default SIGTERM action.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Bounded: a request or job step that will not finish cannot hold the process.
    setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000).unref();
    // Stop taking requests and jobs; in-flight requests finish, and each
    // running job commits its current batch and is given back; each webhook
    // attempt under way ends (within WEBHOOK_TIMEOUT_MS) and is recorded.
    await Promise.all([app?.close(), runner?.stop(), deliverer?.stop(), metricsListener?.close()]);
    await rateLimiter?.close();
    await store.close();
    await flushLogs(logger);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // On a port of its own, a worker without an API is scraped too: its queue waits and imported rows are its own.
  if (metricsPort !== null) {
    const { startMetricsListener } = await import('../http/metrics-listener.js');
    metricsListener = await startMetricsListener({ port: metricsPort, host: config.host, store, logger });
  }
  runner?.start();
  deliverer?.start();
  if (app) await app.listen({ port: config.port, host: config.host });
}
