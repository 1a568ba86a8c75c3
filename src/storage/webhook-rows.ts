// Row shapes of the webhook tables (the same column names on SQLite and
// PostgreSQL), and their mapping to the Store's records.
import type { EventType, WebhookChange, WebhookCursor, WebhookDeliveryRecord, WebhookRecord } from '../domain/store.js';

export interface WebhookRow {
  project_id: string;
  id: string;
  url: string;
  /** JSON text on SQLite, text[] on PostgreSQL. */
  events: string | string[];
  secret: Buffer;
  /** A boolean on PostgreSQL, 0 or 1 on SQLite. */
  enabled: boolean | number;
  disabled_at: number | null;
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
  position: number;
  pending_through: number | null;
  attempts: number;
}

/** The columns every read of an endpoint selects, in WebhookRow's order. */
export const WEBHOOK_COLUMNS =
  'project_id, id, url, events, secret, enabled, disabled_at, disabled_reason, failing_since, created_at, updated_at, position, pending_through, attempts';

export function toWebhook(row: WebhookRow): WebhookRecord {
  return {
    projectId: row.project_id,
    id: row.id,
    url: row.url,
    events: (typeof row.events === 'string' ? JSON.parse(row.events) : row.events) as EventType[],
    sealedSecret: row.secret,
    enabled: row.enabled === true || row.enabled === 1,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toCursor(row: WebhookRow): WebhookCursor {
  return { position: row.position, pendingThrough: row.pending_through, attempts: row.attempts };
}

export interface DeliveryRow {
  message_id: string;
  type: string;
  event_count: number;
  attempt: number;
  attempted_at: number;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  next_retry_at: number | null;
}

export const DELIVERY_COLUMNS =
  'message_id, type, event_count, attempt, attempted_at, duration_ms, outcome, response_status, response_body, error, next_retry_at';

export function toDelivery(row: DeliveryRow): WebhookDeliveryRecord {
  return {
    messageId: row.message_id,
    type: row.type,
    eventCount: row.event_count,
    attempt: row.attempt,
    attemptedAt: row.attempted_at,
    durationMs: row.duration_ms,
    outcome: row.outcome,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    error: row.error,
    nextRetryAt: row.next_retry_at,
  };
}

/** The values of a delivery, in DELIVERY_COLUMNS' order. */
export function deliveryValues(d: WebhookDeliveryRecord): unknown[] {
  return [
    d.messageId, d.type, d.eventCount, d.attempt, d.attemptedAt, d.durationMs, d.outcome,
    d.responseStatus, d.responseBody, d.error, d.nextRetryAt,
  ];
}

/** Attempts the deliveries log keeps per endpoint. */
export const DELIVERIES_KEPT = 100;

/**
 * An endpoint after a PATCH: re-enabling starts its retries afresh (due at
 * once, no failures counted); disabling records when and why.
 */
export function changed(
  current: WebhookRecord,
  row: { attempts: number },
  change: WebhookChange,
): { webhook: WebhookRecord; attempts: number; nextAttemptAt: number | null } {
  const webhook: WebhookRecord = {
    ...current,
    url: change.url ?? current.url,
    events: change.events ?? current.events,
    updatedAt: change.at,
  };
  let attempts = row.attempts;
  let nextAttemptAt: number | null = null;
  if (change.enabled === true && !current.enabled) {
    Object.assign(webhook, { enabled: true, disabledAt: null, disabledReason: null, failingSince: null });
    attempts = 0;
    nextAttemptAt = change.at;
  } else if (change.enabled === false && current.enabled) {
    Object.assign(webhook, { enabled: false, disabledAt: change.at, disabledReason: change.disabledReason ?? null });
  }
  return { webhook, attempts, nextAttemptAt };
}
