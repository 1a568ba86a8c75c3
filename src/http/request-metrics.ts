// Requests by route, method and status, and their durations: counted in plain
// numbers on the request path, and turned into Prometheus series only when
// scraped. prom-client's own inc() and observe() build a label hash string,
// a closure and an object per call, about 1.5 µs a request together; this
// costs a few map lookups and no allocation once a series exists.
import { Counter, type Metric } from 'prom-client';
import { registry } from '../metrics.js';

const REQUESTS = 'rolodex_http_requests_total';
const DURATIONS = 'rolodex_http_request_duration_seconds';
const DURATIONS_HELP = 'Time from a request arriving to its answer being sent, by route pattern and method';
/** Upper bounds in seconds (le), for requests from a cached key check to a slow upload. */
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One route and method: answers by status code, and the durations' histogram. */
class Series {
  readonly statuses = new Map<number, number>();
  /** Requests per bucket, not cumulative; the last is beyond every bound (+Inf). */
  readonly buckets = new Float64Array(BOUNDS.length + 1);
  sum = 0;
  count = 0;
  constructor(
    readonly route: string,
    readonly method: string,
  ) {}
}

/** route → method → series. */
const series = new Map<string, Map<string, Series>>();

export function recordRequest(route: string, method: string, statusCode: number, seconds: number): void {
  let byMethod = series.get(route);
  if (!byMethod) series.set(route, (byMethod = new Map()));
  let one = byMethod.get(method);
  if (!one) byMethod.set(method, (one = new Series(route, method)));
  one.statuses.set(statusCode, (one.statuses.get(statusCode) ?? 0) + 1);
  let bucket = 0;
  while (bucket < BOUNDS.length && seconds > BOUNDS[bucket]!) bucket++;
  one.buckets[bucket]!++;
  one.sum += seconds;
  one.count++;
}

function* everySeries(): Generator<Series> {
  for (const byMethod of series.values()) yield* byMethod.values();
}

new Counter({
  name: REQUESTS,
  help: 'HTTP requests answered, by route pattern, method and status code',
  labelNames: ['route', 'method', 'status_code'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { route, method, statuses } of everySeries()) {
      for (const [status, count] of statuses) this.inc({ route, method, status_code: status }, count);
    }
  },
});

/**
 * The durations' histogram, read from the series above when scraped. It is
 * not a prom-client Histogram, whose observe() is the cost avoided here, but
 * it answers the registry as every prom-client metric does (name, help,
 * type, get, reset), and the registry writes it out the same way.
 */
const durations = {
  name: DURATIONS,
  help: 'Time from a request arriving to its answer being sent, by route pattern and method',
  type: 'histogram',
  aggregator: 'sum',
  async get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const { route, method, buckets, sum, count } of everySeries()) {
      let cumulative = 0;
      for (let i = 0; i < BOUNDS.length; i++) {
        cumulative += buckets[i]!;
        values.push({ metricName: `${DURATIONS}_bucket`, labels: { le: BOUNDS[i]!, route, method }, value: cumulative });
      }
      values.push({ metricName: `${DURATIONS}_bucket`, labels: { le: '+Inf', route, method }, value: count });
      values.push({ metricName: `${DURATIONS}_sum`, labels: { route, method }, value: sum });
      values.push({ metricName: `${DURATIONS}_count`, labels: { route, method }, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  },
  reset() {
    series.clear();
  },
};
registry.registerMetric(durations as unknown as Metric);
