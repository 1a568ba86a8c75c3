// Webhook endpoints: what a project registers, checked before it is stored.
// The signing secret is made here, shown once (the create answer), and kept
// only sealed; an endpoint's URL must pass the SSRF rule (webhooks/
// address-guard.ts) whenever it is set, and again before every delivery.
import type { EventType, Store, WebhookDeliveryRecord, WebhookRecord } from './store.js';
import { AppError, invalidField, notFound } from './errors.js';
import { isId, newId } from './ids.js';
import { AddressRefusedError, checkedAddress, hostOf } from '../webhooks/address-guard.js';
import { SecretsKeyMissingError, type SecretBox, webhookSecretContext } from '../webhooks/secret-box.js';
import { newSigningSecret } from '../webhooks/signing.js';

export const EVENT_TYPES: readonly EventType[] = ['contact.created', 'contact.updated', 'contact.deleted', 'import.completed', 'bulk.completed'];

const MAX_URL_LENGTH = 2048;

/** A project has at most this many endpoints: each one is polled and delivered to on its own. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;

export interface WebhookInput {
  url: string;
  events: EventType[];
}

export interface WebhookPatch {
  url?: string;
  events?: EventType[];
  enabled?: boolean;
}

export class WebhookService {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    /** WEBHOOK_ALLOW_PRIVATE: loopback and private addresses, and http://, are accepted. */
    private readonly allowPrivate: boolean,
  ) {}

  /** Stores the endpoint; the answer holds its secret, which is never shown again. */
  async create(projectId: string, input: WebhookInput): Promise<{ webhook: WebhookRecord; secret: string }> {
    const url = await this.checkUrl(input.url);
    if ((await this.store.webhooks.list(projectId)).length >= MAX_WEBHOOKS_PER_PROJECT) {
      throw new AppError('CONFLICT', `A project has at most ${MAX_WEBHOOKS_PER_PROJECT} webhooks; delete one first`);
    }
    const id = newId();
    const secret = newSigningSecret();
    let sealedSecret: Buffer;
    try {
      sealedSecret = this.secrets.seal(secret.bytes, webhookSecretContext(projectId, id));
    } catch (error) {
      if (error instanceof SecretsKeyMissingError) throw new AppError('SERVICE_UNAVAILABLE', `Webhooks cannot be created: ${error.message}`);
      throw error;
    }
    const now = Date.now();
    const webhook: WebhookRecord = {
      projectId,
      id,
      url,
      events: distinct(input.events),
      sealedSecret,
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    // No history: the endpoint hears of events made from now on.
    await this.store.webhooks.create(webhook, await this.store.events.lastSeq(projectId));
    return { webhook, secret: secret.text };
  }

  list(projectId: string): Promise<WebhookRecord[]> {
    return this.store.webhooks.list(projectId);
  }

  async get(projectId: string, id: string): Promise<WebhookRecord> {
    const webhook = isId(id) ? await this.store.webhooks.get(projectId, id) : undefined;
    if (!webhook) throw notFound('Webhook');
    return webhook;
  }

  async update(projectId: string, id: string, patch: WebhookPatch): Promise<WebhookRecord> {
    if (!isId(id)) throw notFound('Webhook');
    const url = patch.url === undefined ? undefined : await this.checkUrl(patch.url);
    const webhook = await this.store.webhooks.update(projectId, id, {
      url,
      events: patch.events && distinct(patch.events),
      enabled: patch.enabled,
      disabledReason: 'Disabled through the API',
      at: Date.now(),
    });
    if (!webhook) throw notFound('Webhook');
    return webhook;
  }

  async remove(projectId: string, id: string): Promise<void> {
    if (!isId(id) || !(await this.store.webhooks.delete(projectId, id))) throw notFound('Webhook');
  }

  async deliveries(projectId: string, id: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    await this.get(projectId, id);
    return this.store.webhooks.listDeliveries(projectId, id, limit);
  }

  /** The URL as it will be called, or a 400 saying what is wrong with it. */
  private async checkUrl(text: string): Promise<string> {
    const refuse = (message: string) => invalidField('url', message);
    if (text.length > MAX_URL_LENGTH) throw refuse(`At most ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw refuse('Not a valid absolute URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowPrivate)) {
      throw refuse(this.allowPrivate ? 'Must be an http:// or https:// URL' : 'Must be an https:// URL');
    }
    // They would be stored and logged in the clear: secrets go in the signing secret, not the URL.
    if (url.username || url.password) throw refuse('Must not carry a user name or password');
    if (!this.allowPrivate) {
      try {
        await checkedAddress(hostOf(url));
      } catch (error) {
        if (error instanceof AddressRefusedError) throw refuse(error.message);
        throw error;
      }
    }
    return url.href;
  }
}

function distinct(events: EventType[]): EventType[] {
  return EVENT_TYPES.filter((type) => events.includes(type));
}
