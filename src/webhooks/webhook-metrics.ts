// Webhook attempts by outcome (CONTRACT.md, "Operations"): succeeded, or how
// one failed. Labels are outcomes only: never a project, an endpoint or a URL.
import { Counter } from 'prom-client';
import { registry } from '../metrics.js';
import type { AttemptKind } from './sender.js';

const OUTCOMES = Object.keys({
  succeeded: true,
  http_error: true,
  redirect: true,
  timeout: true,
  network_error: true,
  address_refused: true,
} satisfies Record<AttemptKind, true>) as AttemptKind[];

const deliveries = new Counter({
  name: 'rolodex_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome (succeeded, http_error, redirect, timeout, network_error, address_refused)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
// Every outcome is a series from the start, at 0.
for (const outcome of OUTCOMES) deliveries.inc({ outcome }, 0);

export function countDelivery(outcome: AttemptKind): void {
  deliveries.inc({ outcome });
}
