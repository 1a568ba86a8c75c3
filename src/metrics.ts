// The process's one Prometheus registry (prom-client). Instruments register
// here wherever they are defined (http/metrics.ts, jobs/job-metrics.ts); their
// labels never hold keys, emails or project ids, so series stay few and public.
import { collectDefaultMetrics, Registry } from 'prom-client';

export const registry = new Registry();

let collectingProcessMetrics = false;

/**
 * prom-client's default process and Node.js metrics (CPU, memory, event loop
 * lag, GC), from the moment this process serves metrics: sampling the event
 * loop costs a little, so a process that serves none does not pay for it.
 */
export function collectProcessMetrics(): void {
  if (collectingProcessMetrics) return;
  collectingProcessMetrics = true;
  collectDefaultMetrics({ register: registry });
}
