// GET /metrics on a port of its own (METRICS_PORT): the scraper reaches it on
// a private interface or port while the API's port serves no metrics at all,
// and a worker-only process, which has no API, can be scraped too. This
// listener serves nothing else; it is plain node:http, as it needs no routing.
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Store } from '../domain/store.js';
import { METRICS_CONTENT_TYPE, metricsScraper } from './metrics.js';

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/** The service's one error envelope, for the few answers this listener gives besides the metrics. */
function sendError(response: ServerResponse, error: AppError): void {
  const requestId = randomUUID();
  const body = { error: { code: error.code, message: error.message, statusCode: error.statusCode, requestId } };
  response.writeHead(error.statusCode, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-ID': requestId });
  response.end(JSON.stringify(body));
}

export async function startMetricsListener(options: {
  port: number;
  host: string;
  store: Store;
  logger: FastifyBaseLogger;
}): Promise<MetricsListener> {
  const scrape = metricsScraper(options.store);
  const log = options.logger.child({ component: 'metrics' });
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') return sendError(response, new AppError('NOT_FOUND', 'Only GET /metrics is served on this port'));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendError(response, new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use GET, HEAD`));
    }
    scrape(log).then(
      (text) => {
        response.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        log.error({ err: error }, 'metrics scrape failed');
        sendError(response, new AppError('INTERNAL_SERVER_ERROR', 'Internal server error'));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ port, host: options.host }, 'metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper keeps its connection open between scrapes.
        server.closeIdleConnections();
      }),
  };
}
