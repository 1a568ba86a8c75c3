// The long-running processes: `serve` (API and worker), `api`, `worker`, and
// `migrate`. Every one of them brings the schema up to date first.
import { loadConfig } from '../config.js';
import { buildApp } from '../http/app.js';
import { createLogger } from '../logger.js';
import { openStore } from '../storage/open-store.js';

export interface ProcessRoles {
  api: boolean;
  worker: boolean;
}

export async function runProcess(roles: ProcessRoles): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const store = await openStore(config);
  await store.migrate();
  if (!roles.api && !roles.worker) {
    logger.info({ store: store.dialect }, 'schema is up to date');
    await store.close();
    return;
  }

  const app = roles.api ? await buildApp({ store, logger }) : undefined;
  if (app) await app.listen({ port: config.port, host: config.host });
  if (roles.worker && !roles.api) logger.info('worker started; no job types are registered yet');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app?.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
