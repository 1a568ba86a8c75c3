// Webhook endpoints and their deliveries log on SQLite. An endpoint row is
// also its delivery state (position, the message pending, the next attempt's
// time) and its lease: a worker takes it for one attempt, and every write of
// the attempt's outcome first checks that it still holds it.
import type { Database as Db, Statement } from 'better-sqlite3';
import type {
  WebhookChange, WebhookCursor, WebhookDeliveryRecord, WebhookLease, WebhookOutcome, WebhookRecord, WebhookStore,
} from '../../domain/store.js';
import {
  DELIVERIES_KEPT, DELIVERY_COLUMNS, WEBHOOK_COLUMNS, changed, deliveryValues, toCursor, toDelivery, toWebhook,
  type DeliveryRow, type WebhookRow,
} from '../webhook-rows.js';
import { writeTransaction } from './write-transaction.js';

const q = {
  insert: `INSERT INTO webhooks (project_id, id, url, events, secret, enabled, created_at, updated_at, position, next_attempt_at)
           VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
  list: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = ? ORDER BY created_at, id`,
  get: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = ? AND id = ?`,
  update: `UPDATE webhooks SET url = ?, events = ?, enabled = ?, disabled_at = ?, disabled_reason = ?, failing_since = ?,
             attempts = ?, next_attempt_at = coalesce(?, next_attempt_at), updated_at = ? WHERE project_id = ? AND id = ?`,
  delete: 'DELETE FROM webhooks WHERE project_id = ? AND id = ?',
  deleteDeliveries: 'DELETE FROM webhook_deliveries WHERE project_id = ? AND webhook_id = ?',
  deliveries: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE project_id = ? AND webhook_id = ? ORDER BY seq DESC LIMIT ?`,
  // Due, free (or its owner gone), and with something to send: a message
  // pending, or an event after its position.
  due: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks AS w
        WHERE w.enabled = 1 AND w.next_attempt_at <= ?
          AND (w.locked_until IS NULL OR w.locked_until < ? OR w.locked_by IN (SELECT value FROM json_each(?)))
          AND (w.pending_through IS NOT NULL
               OR EXISTS (SELECT 1 FROM events AS e WHERE e.project_id = w.project_id AND e.seq > w.position))
        ORDER BY w.next_attempt_at LIMIT 1`,
  lease: `UPDATE webhooks SET locked_by = ?, locked_until = ? WHERE project_id = ? AND id = ? AND enabled = 1
            AND (locked_until IS NULL OR locked_until < ? OR locked_by IN (SELECT value FROM json_each(?)))`,
  leaseOwners: 'SELECT DISTINCT locked_by FROM webhooks WHERE locked_by IS NOT NULL AND locked_until >= ?',
  hold: 'UPDATE webhooks SET pending_through = ? WHERE project_id = ? AND id = ? AND locked_by = ?',
  delivered: `UPDATE webhooks SET position = ?, pending_through = NULL, attempts = 0, failing_since = NULL, next_attempt_at = ?,
                locked_by = NULL, locked_until = NULL WHERE project_id = ? AND id = ? AND locked_by = ?`,
  retry: `UPDATE webhooks SET attempts = attempts + 1, failing_since = ?, next_attempt_at = ?,
            locked_by = NULL, locked_until = NULL WHERE project_id = ? AND id = ? AND locked_by = ?`,
  disable: `UPDATE webhooks SET attempts = attempts + 1, failing_since = ?, enabled = 0, disabled_at = ?, disabled_reason = ?,
              locked_by = NULL, locked_until = NULL WHERE project_id = ? AND id = ? AND locked_by = ?`,
  release: `UPDATE webhooks SET next_attempt_at = ?, locked_by = NULL, locked_until = NULL
            WHERE project_id = ? AND id = ? AND locked_by = ?`,
  skip: 'UPDATE webhooks SET position = max(position, ?), pending_through = NULL WHERE project_id = ? AND id = ? AND locked_by = ?',
  insertDelivery: `INSERT INTO webhook_deliveries (project_id, webhook_id, ${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // The log keeps the endpoint's last DELIVERIES_KEPT attempts.
  pruneDeliveries: `DELETE FROM webhook_deliveries WHERE project_id = ? AND webhook_id = ? AND seq <= (
                      SELECT seq FROM webhook_deliveries WHERE project_id = ? AND webhook_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
} as const;

export class SqliteWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Db,
    private readonly statement: (sql: string) => Statement,
  ) {}

  async create(webhook: WebhookRecord, position: number): Promise<void> {
    const { projectId, id, url, events, sealedSecret, createdAt } = webhook;
    writeTransaction(this.db, () =>
      this.statement(q.insert).run(projectId, id, url, JSON.stringify(events), sealedSecret, createdAt, webhook.updatedAt, position, createdAt),
    );
  }

  async list(projectId: string): Promise<WebhookRecord[]> {
    return (this.statement(q.list).all(projectId) as WebhookRow[]).map(toWebhook);
  }

  async get(projectId: string, id: string): Promise<WebhookRecord | undefined> {
    const row = this.statement(q.get).get(projectId, id) as WebhookRow | undefined;
    return row && toWebhook(row);
  }

  async update(projectId: string, id: string, change: WebhookChange): Promise<WebhookRecord | undefined> {
    return writeTransaction(this.db, () => {
      const row = this.statement(q.get).get(projectId, id) as WebhookRow | undefined;
      if (!row) return undefined;
      const next = changed(toWebhook(row), row, change);
      this.statement(q.update).run(
        next.webhook.url, JSON.stringify(next.webhook.events), next.webhook.enabled ? 1 : 0, next.webhook.disabledAt,
        next.webhook.disabledReason, next.webhook.failingSince, next.attempts, next.nextAttemptAt, next.webhook.updatedAt,
        projectId, id,
      );
      return next.webhook;
    });
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    return writeTransaction(this.db, () => {
      this.statement(q.deleteDeliveries).run(projectId, id);
      return this.statement(q.delete).run(projectId, id).changes === 1;
    });
  }

  async listDeliveries(projectId: string, id: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    return (this.statement(q.deliveries).all(projectId, id, limit) as DeliveryRow[]).map(toDelivery);
  }

  /** A read first: an idle poll takes no write lock. */
  async claim(workerId: string, leaseMs: number, abandonedBy: string[] = []): Promise<{ webhook: WebhookRecord; cursor: WebhookCursor } | undefined> {
    const now = Date.now();
    const abandoned = JSON.stringify(abandonedBy);
    const row = this.statement(q.due).get(now, now, abandoned) as WebhookRow | undefined;
    if (!row) return undefined;
    const leased = writeTransaction(
      this.db,
      () => this.statement(q.lease).run(workerId, now + leaseMs, row.project_id, row.id, now, abandoned).changes === 1,
    );
    return leased ? { webhook: toWebhook(row), cursor: toCursor(row) } : undefined;
  }

  async leaseOwners(): Promise<string[]> {
    return this.statement(q.leaseOwners).pluck().all(Date.now()) as string[];
  }

  async hold(lease: WebhookLease, pendingThrough: number): Promise<boolean> {
    return writeTransaction(this.db, () => this.statement(q.hold).run(pendingThrough, ...leaseValues(lease)).changes === 1);
  }

  async finish(lease: WebhookLease, delivery: WebhookDeliveryRecord, outcome: WebhookOutcome): Promise<boolean> {
    const { projectId, webhookId } = lease;
    return writeTransaction(this.db, () => {
      const moved =
        outcome.kind === 'delivered'
          ? this.statement(q.delivered).run(outcome.through, outcome.nextAttemptAt, ...leaseValues(lease))
          : outcome.kind === 'retry'
            ? this.statement(q.retry).run(outcome.failingSince, outcome.nextAttemptAt, ...leaseValues(lease))
            : this.statement(q.disable).run(outcome.failingSince, outcome.at, outcome.reason, ...leaseValues(lease));
      if (moved.changes !== 1) return false;
      this.statement(q.insertDelivery).run(projectId, webhookId, ...deliveryValues(delivery));
      this.statement(q.pruneDeliveries).run(projectId, webhookId, projectId, webhookId, DELIVERIES_KEPT);
      return true;
    });
  }

  async release(lease: WebhookLease, nextAttemptAt: number, skipThrough?: number): Promise<void> {
    writeTransaction(this.db, () => {
      if (skipThrough !== undefined) this.statement(q.skip).run(skipThrough, ...leaseValues(lease));
      this.statement(q.release).run(nextAttemptAt, ...leaseValues(lease));
    });
  }
}

function leaseValues(lease: WebhookLease): unknown[] {
  return [lease.projectId, lease.webhookId, lease.workerId];
}
