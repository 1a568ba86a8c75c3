// The HTTP side of the metrics (CONTRACT.md, "Operations"): requests by
// route, method and status, their durations, and the scrape behind GET
// /metrics. The route label is the pattern a request matched
// (`/contacts/:id`), never its URL, which would carry ids and search terms
// and make a new series of every request.
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../domain/store.js';
import { refreshJobGauges } from '../jobs/job-metrics.js';
import { collectProcessMetrics, registry } from '../metrics.js';
import type { FastifyTypeBox } from './app.js';
import { recordRequest } from './request-metrics.js';

/** The route label of a request no route took: a 404, a 405, a path that does not decode. */
export const UNMATCHED_ROUTE = 'unmatched';

export const METRICS_CONTENT_TYPE = registry.contentType;

/**
 * Counts and times every answered request. On the hot path, so it only looks
 * up its series: the duration is fastify's own (`elapsedTime`), with no timer
 * of ours per request.
 */
export function countRequests(app: FastifyTypeBox): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    recordRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

export type Scrape = (log: Pick<FastifyBaseLogger, 'warn'>) => Promise<string>;

/**
 * The scrape of this process's metrics, the job gauges read from `store` at
 * each call. Process metrics start with the first scraper, so a process that
 * serves no metrics does not sample its event loop for them. A store that
 * cannot answer does not fail the scrape: the process metrics matter most
 * then, and the job gauges say they are unknown.
 */
export function metricsScraper(store: Store): Scrape {
  collectProcessMetrics();
  return async (log) => {
    try {
      await refreshJobGauges(store);
    } catch (error) {
      log.warn({ err: error }, 'metrics: could not count jobs');
    }
    return registry.metrics();
  };
}
