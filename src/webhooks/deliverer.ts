// The webhook deliverer: a few slots in each worker process that each lease
// an endpoint with something to send, make one attempt of its next message,
// record the outcome, and go back for the next. Nothing lives only here: the
// endpoint's position, pending message and retry time are in the store, so
// a worker that dies mid-attempt loses nothing; its lease runs out (at once
// when its process is surely gone: jobs/worker-identity.ts) and another
// worker sends the same message again, under the same webhook-id.
import type { Logger } from 'pino';
import type { WebhookSettings } from '../config.js';
import { EVENT_TYPES } from '../domain/webhooks.js';
import type { EventRecord, Store, WebhookCursor, WebhookLease, WebhookOutcome, WebhookRecord } from '../domain/store.js';
import { newWorkerId, ownerIsGone } from '../jobs/worker-identity.js';
import { messageOf, messageSize, withinBatchBytes, type Message } from './messages.js';
import { retryDelay } from './schedule.js';
import { webhookSecretContext, type SecretBox } from './secret-box.js';
import { send, type AttemptResult } from './sender.js';
import { signature } from './signing.js';
import { countDelivery } from './webhook-metrics.js';
import { Naps } from '../jobs/naps.js';

export interface DelivererOptions {
  store: Store;
  logger: Logger;
  secrets: SecretBox;
  settings: WebhookSettings;
  /** How often an idle slot looks for work. */
  pollMs?: number;
}

/** What an attempt's lease must outlast: the attempt's time bound, and the writes around it. */
const LEASE_MARGIN_MS = 30_000;

function describeDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 1) return `${Math.round(hours * 10) / 10} hours`;
  const minutes = ms / 60_000;
  return minutes >= 1 ? `${Math.round(minutes * 10) / 10} minutes` : `${Math.round(ms / 100) / 10} seconds`;
}

export class WebhookDeliverer {
  readonly workerId = newWorkerId();
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly secrets: SecretBox;
  private readonly settings: WebhookSettings;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly naps = new Naps();
  private slots: Promise<void>[] = [];
  private stopping = false;
  /** Until when idle slots leave the claiming to the next poll: one slot found nothing to send. */
  private idleUntil = 0;
  private abandoned: { at: number; owners: Promise<string[]> } | undefined;

  constructor(options: DelivererOptions) {
    this.store = options.store;
    this.logger = options.logger.child({ component: 'webhooks' });
    this.secrets = options.secrets;
    this.settings = options.settings;
    this.pollMs = options.pollMs ?? 500;
    this.leaseMs = this.settings.timeoutMs + LEASE_MARGIN_MS;
  }

  start(): void {
    this.logger.info({ workerId: this.workerId, concurrency: this.settings.concurrency }, 'webhook deliveries started');
    for (let i = 0; i < this.settings.concurrency; i++) this.slots.push(this.work());
  }

  /** Lets every slot finish its attempt (at most the attempt's time bound), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.naps.wakeAll();
    await Promise.all(this.slots);
    this.logger.info('webhook deliveries stopped');
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      // A claim looks at every due endpoint: when one slot has just found
      // none with anything to send, the others do not ask again before the
      // next poll.
      const idle = this.idleUntil - Date.now();
      if (idle > 0) {
        await this.naps.sleep(idle);
        continue;
      }
      let claimed: { webhook: WebhookRecord; cursor: WebhookCursor } | undefined;
      try {
        claimed = await this.store.webhooks.claim(this.workerId, this.leaseMs, await this.abandonedOwners());
      } catch (error) {
        this.logger.error({ err: error }, 'could not claim a webhook endpoint');
      }
      if (!claimed) {
        this.idleUntil = Date.now() + this.pollMs;
        await this.naps.sleep(this.pollMs);
        continue;
      }
      const { webhook, cursor } = claimed;
      const lease: WebhookLease = { projectId: webhook.projectId, webhookId: webhook.id, workerId: this.workerId };
      try {
        await this.deliver(webhook, cursor, lease);
      } catch (error) {
        // The lease is kept without renewal: the endpoint is tried again once
        // it runs out, which spaces the attempts rather than spinning on a fault.
        this.logger.error({ err: error, projectId: webhook.projectId, webhookId: webhook.id }, 'webhook attempt failed');
      }
    }
  }

  /** One attempt of the endpoint's next message, or moving its position past events it does not take. */
  private async deliver(webhook: WebhookRecord, cursor: WebhookCursor, lease: WebhookLease): Promise<void> {
    const { projectId } = webhook;
    const { batchSize, ratePerSecond } = this.settings;
    // Enough events to fill a batch, and to tell whether more wait than a second's worth.
    const read = Math.max(batchSize, Math.ceil(ratePerSecond) + 1);
    const events = await this.store.events.after(projectId, cursor.position, read, EVENT_TYPES);
    const pending = cursor.pendingThrough;
    const wanted = events.filter((event) => webhook.events.includes(event.type) && (pending === null || event.seq <= pending));
    const last = events[events.length - 1];
    if (!last) {
      // A pending message's events were read before, so they can only have
      // been deleted by retention since (the endpoint was disabled longer
      // than that): move on past them. Else nothing is readable yet.
      if (pending !== null) return this.store.webhooks.release(lease, Date.now(), pending);
      return this.store.webhooks.release(lease, Date.now() + this.pollMs);
    }
    let chosen: EventRecord[];
    let through: number;
    if (pending !== null) {
      // The same events as the attempts before: a retry is the same message.
      chosen = wanted;
      through = pending;
    } else {
      chosen = withinBatchBytes(wanted.slice(0, messageSize(wanted, { batchSize, ratePerSecond })));
      through = chosen[chosen.length - 1]?.seq ?? last.seq;
    }
    // Nothing of its types (any more): move on without sending.
    if (chosen.length === 0) return this.store.webhooks.release(lease, Date.now(), through);
    if (pending === null && !(await this.store.webhooks.hold(lease, through))) return;

    const message = messageOf(webhook.id, chosen);
    const result = await this.attempt(webhook, message);
    countDelivery(result.kind);
    const attemptedAt = Date.now() - result.durationMs;
    const attempt = cursor.attempts + 1;
    const outcome = this.outcomeOf(webhook, result, attempt, attemptedAt, through);
    const finished = await this.store.webhooks.finish(lease, {
      messageId: message.id,
      type: message.type,
      eventCount: chosen.length,
      attempt,
      attemptedAt,
      durationMs: result.durationMs,
      outcome: result.kind === 'succeeded' ? 'succeeded' : 'failed',
      responseStatus: result.status,
      responseBody: result.body,
      error: result.error,
      nextRetryAt: outcome.kind === 'retry' ? outcome.nextAttemptAt : null,
    }, outcome);
    const log = this.logger.child({ projectId, webhookId: webhook.id, messageId: message.id });
    log.info(
      { type: message.type, events: chosen.length, attempt, outcome: result.kind, status: result.status, durationMs: result.durationMs },
      'webhook attempt',
    );
    if (!finished) log.warn('the endpoint was deleted or taken over during the attempt; its outcome was not recorded');
    else if (outcome.kind === 'disabled') log.warn({ reason: outcome.reason }, 'webhook endpoint disabled');
    else this.wakeAt(outcome.nextAttemptAt);
  }

  private async attempt(webhook: WebhookRecord, message: Message): Promise<AttemptResult> {
    const secret = this.secrets.open(webhook.sealedSecret, webhookSecretContext(webhook.projectId, webhook.id));
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': message.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature(secret, message.id, timestamp, message.body),
    };
    return send(webhook.url, message.body, headers, { timeoutMs: this.settings.timeoutMs, allowPrivate: this.settings.allowPrivate });
  }

  /**
   * After a success the endpoint is due again once the rate limit allows;
   * after a failure, after the backoff, unless every attempt has failed for
   * the whole give-up time: then it is disabled.
   */
  private outcomeOf(webhook: WebhookRecord, result: AttemptResult, attempt: number, attemptedAt: number, through: number): WebhookOutcome {
    const now = Date.now();
    if (result.kind === 'succeeded') {
      return { kind: 'delivered', through, nextAttemptAt: attemptedAt + Math.ceil(1000 / this.settings.ratePerSecond) };
    }
    const failingSince = webhook.failingSince ?? attemptedAt;
    if (now - failingSince >= this.settings.disableAfterMs) {
      const reason = `Every attempt failed for ${describeDuration(now - failingSince)}; the last: ${result.error ?? 'failed'}`;
      return { kind: 'disabled', failingSince, reason, at: now };
    }
    return { kind: 'retry', failingSince, nextAttemptAt: now + retryDelay(attempt, this.settings.retryBaseMs) };
  }

  /**
   * Has the slots look for work at `time`, when this endpoint is due again
   * (its rate limit, or its retry), rather than at their next poll: an
   * endpoint with a backlog is sent its messages as fast as its rate allows.
   */
  private wakeAt(time: number): void {
    this.idleUntil = Math.min(this.idleUntil, time);
    const timer = setTimeout(() => {
      this.naps.wakeAll();
    }, Math.max(0, time - Date.now()));
    timer.unref();
  }

  /** Lease owners on this host whose process is gone; looked up at most once per poll interval for all slots. */
  private abandonedOwners(): Promise<string[]> {
    const now = Date.now();
    if (!this.abandoned || now - this.abandoned.at >= this.pollMs) {
      const owners = this.store.webhooks.leaseOwners().then((all) => all.filter(ownerIsGone));
      this.abandoned = { at: now, owners };
      owners.catch(() => (this.abandoned = undefined));
    }
    return this.abandoned.owners;
  }
}
