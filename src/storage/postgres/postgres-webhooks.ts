// Webhook endpoints and their deliveries log on PostgreSQL. An endpoint row
// is also its delivery state and its lease: workers of any process claim
// endpoints with FOR UPDATE SKIP LOCKED and a lease expiry, so no two hold
// one at once, and every write of an attempt's outcome checks the lease.
// Lease upkeep is one short statement each and charges no project's share
// of the pool (as for jobs: postgres-jobs.ts).
import type pg from 'pg';
import type {
  WebhookChange, WebhookCursor, WebhookDeliveryRecord, WebhookLease, WebhookOutcome, WebhookRecord, WebhookStore,
} from '../../domain/store.js';
import { guarded, transaction } from './database.js';
import type { ProjectGate } from './project-gate.js';
import {
  DELIVERIES_KEPT, DELIVERY_COLUMNS, WEBHOOK_COLUMNS, changed, deliveryValues, toCursor, toDelivery, toWebhook,
  type DeliveryRow, type WebhookRow,
} from '../webhook-rows.js';

const q = {
  insert: `INSERT INTO webhooks (project_id, id, url, events, secret, enabled, created_at, updated_at, position, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, true, $6, $7, $8, $6)`,
  list: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 ORDER BY created_at, id`,
  get: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 AND id = $2`,
  lock: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 AND id = $2 FOR UPDATE`,
  update: `UPDATE webhooks SET url = $3, events = $4, enabled = $5, disabled_at = $6, disabled_reason = $7, failing_since = $8,
             attempts = $9, next_attempt_at = coalesce($10, next_attempt_at), updated_at = $11 WHERE project_id = $1 AND id = $2`,
  delete: 'DELETE FROM webhooks WHERE project_id = $1 AND id = $2',
  deleteDeliveries: 'DELETE FROM webhook_deliveries WHERE project_id = $1 AND webhook_id = $2',
  deliveries: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE project_id = $1 AND webhook_id = $2 ORDER BY seq DESC LIMIT $3`,
  // Due, free (or its owner gone), and with something to send: a message
  // pending, or an event after its position. A row another worker is
  // claiming is skipped, and the lease condition is checked again on the row
  // as locked, so two claims never both take it.
  claim: `WITH next AS (
            SELECT w.project_id, w.id FROM webhooks AS w
            WHERE w.enabled AND w.next_attempt_at <= $3
              AND (w.locked_until IS NULL OR w.locked_until < $3 OR w.locked_by = ANY($4::text[]))
              AND (w.pending_through IS NOT NULL
                   OR EXISTS (SELECT 1 FROM events AS e WHERE e.project_id = w.project_id AND e.seq > w.position))
            ORDER BY w.next_attempt_at
            LIMIT 1
            FOR UPDATE OF w SKIP LOCKED
          )
          UPDATE webhooks AS w SET locked_by = $1, locked_until = $2
          FROM next WHERE w.project_id = next.project_id AND w.id = next.id
          RETURNING ${WEBHOOK_COLUMNS.split(', ').map((column) => `w.${column}`).join(', ')}`,
  leaseOwners: 'SELECT DISTINCT locked_by FROM webhooks WHERE locked_by IS NOT NULL AND locked_until >= $1',
  hold: 'UPDATE webhooks SET pending_through = $4 WHERE project_id = $1 AND id = $2 AND locked_by = $3',
  delivered: `UPDATE webhooks SET position = $4, pending_through = NULL, attempts = 0, failing_since = NULL, next_attempt_at = $5,
                locked_by = NULL, locked_until = NULL WHERE project_id = $1 AND id = $2 AND locked_by = $3`,
  retry: `UPDATE webhooks SET attempts = attempts + 1, failing_since = $4, next_attempt_at = $5,
            locked_by = NULL, locked_until = NULL WHERE project_id = $1 AND id = $2 AND locked_by = $3`,
  disable: `UPDATE webhooks SET attempts = attempts + 1, failing_since = $4, enabled = false, disabled_at = $5, disabled_reason = $6,
              locked_by = NULL, locked_until = NULL WHERE project_id = $1 AND id = $2 AND locked_by = $3`,
  release: `UPDATE webhooks SET next_attempt_at = $4, locked_by = NULL, locked_until = NULL,
              position = greatest(position, coalesce($5, position)),
              pending_through = CASE WHEN $5::bigint IS NULL THEN pending_through END
            WHERE project_id = $1 AND id = $2 AND locked_by = $3`,
  insertDelivery: `INSERT INTO webhook_deliveries (project_id, webhook_id, ${DELIVERY_COLUMNS})
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
  // The log keeps the endpoint's last DELIVERIES_KEPT attempts.
  pruneDeliveries: `DELETE FROM webhook_deliveries WHERE project_id = $1 AND webhook_id = $2 AND seq <= (
                      SELECT seq FROM webhook_deliveries WHERE project_id = $1 AND webhook_id = $2 ORDER BY seq DESC OFFSET $3 LIMIT 1)`,
} as const;

export class PostgresWebhookStore implements WebhookStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly gate: ProjectGate,
  ) {}

  /** One statement of a project's, through the project's share of the pool. */
  private inProject<R extends pg.QueryResultRow>(projectId: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.gate.run(projectId, () => guarded(() => this.pool.query<R>(text, values)));
  }

  async create(webhook: WebhookRecord, position: number): Promise<void> {
    const { projectId, id, url, events, sealedSecret, createdAt, updatedAt } = webhook;
    await this.inProject(projectId, q.insert, [projectId, id, url, events, sealedSecret, createdAt, updatedAt, position]);
  }

  async list(projectId: string): Promise<WebhookRecord[]> {
    return (await this.inProject<WebhookRow>(projectId, q.list, [projectId])).rows.map(toWebhook);
  }

  async get(projectId: string, id: string): Promise<WebhookRecord | undefined> {
    const row = (await this.inProject<WebhookRow>(projectId, q.get, [projectId, id])).rows[0];
    return row && toWebhook(row);
  }

  async update(projectId: string, id: string, change: WebhookChange): Promise<WebhookRecord | undefined> {
    return this.gate.run(projectId, () =>
      transaction(this.pool, async (client) => {
        const row = (await client.query<WebhookRow>(q.lock, [projectId, id])).rows[0];
        if (!row) return undefined;
        const { webhook, attempts, nextAttemptAt } = changed(toWebhook(row), row, change);
        await client.query(q.update, [
          projectId, id, webhook.url, webhook.events, webhook.enabled, webhook.disabledAt, webhook.disabledReason,
          webhook.failingSince, attempts, nextAttemptAt, webhook.updatedAt,
        ]);
        return webhook;
      }),
    );
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    return this.gate.run(projectId, () =>
      transaction(this.pool, async (client) => {
        await client.query(q.deleteDeliveries, [projectId, id]);
        return (await client.query(q.delete, [projectId, id])).rowCount === 1;
      }),
    );
  }

  async listDeliveries(projectId: string, id: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    return (await this.inProject<DeliveryRow>(projectId, q.deliveries, [projectId, id, limit])).rows.map(toDelivery);
  }

  async claim(workerId: string, leaseMs: number, abandonedBy: string[] = []): Promise<{ webhook: WebhookRecord; cursor: WebhookCursor } | undefined> {
    const now = Date.now();
    const row = (await guarded(() => this.pool.query<WebhookRow>(q.claim, [workerId, now + leaseMs, now, abandonedBy]))).rows[0];
    return row && { webhook: toWebhook(row), cursor: toCursor(row) };
  }

  async leaseOwners(): Promise<string[]> {
    const { rows } = await guarded(() => this.pool.query<{ locked_by: string }>(q.leaseOwners, [Date.now()]));
    return rows.map((row) => row.locked_by);
  }

  async hold(lease: WebhookLease, pendingThrough: number): Promise<boolean> {
    return (await guarded(() => this.pool.query(q.hold, [...leaseValues(lease), pendingThrough]))).rowCount === 1;
  }

  async finish(lease: WebhookLease, delivery: WebhookDeliveryRecord, outcome: WebhookOutcome): Promise<boolean> {
    const { projectId, webhookId } = lease;
    return transaction(this.pool, async (client) => {
      const moved =
        outcome.kind === 'delivered'
          ? await client.query(q.delivered, [...leaseValues(lease), outcome.through, outcome.nextAttemptAt])
          : outcome.kind === 'retry'
            ? await client.query(q.retry, [...leaseValues(lease), outcome.failingSince, outcome.nextAttemptAt])
            : await client.query(q.disable, [...leaseValues(lease), outcome.failingSince, outcome.at, outcome.reason]);
      if (moved.rowCount !== 1) return false;
      await client.query(q.insertDelivery, [projectId, webhookId, ...deliveryValues(delivery)]);
      await client.query(q.pruneDeliveries, [projectId, webhookId, DELIVERIES_KEPT]);
      return true;
    });
  }

  async release(lease: WebhookLease, nextAttemptAt: number, skipThrough?: number): Promise<void> {
    await guarded(() => this.pool.query(q.release, [...leaseValues(lease), nextAttemptAt, skipThrough ?? null]));
  }
}

function leaseValues(lease: WebhookLease): unknown[] {
  return [lease.projectId, lease.webhookId, lease.workerId];
}
