// /webhooks: the project's endpoints (create, list, read, change, delete)
// and each one's deliveries log. The signing secret is in the create answer
// only.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import { EVENT_TYPES, MAX_WEBHOOKS_PER_PROJECT, type WebhookService } from '../../domain/webhooks.js';
import type { WebhookDeliveryRecord, WebhookRecord } from '../../domain/store.js';
import { sendJson } from '../error-response.js';
import { SECRET_KEY, authenticatedResponses, jsonResponse, otherResponse, withDefaults } from '../schemas.js';

const EventTypes = Type.Array(Type.Unsafe<(typeof EVENT_TYPES)[number]>({ type: 'string', enum: [...EVENT_TYPES] }), {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  uniqueItems: true,
  description: 'The events the endpoint receives; `contact.*` ones may arrive batched as `contact.batch` (see the webhooks guide)',
});

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'https:// (http:// too when the server allows private addresses); its host must not be a loopback, private or link-local address',
});

const date = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });
const dateOrNull = (description: string) => Type.Union([date(), Type.Null()], { description });

const webhookFields = {
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean({ description: 'false: nothing is delivered (disabledReason says why); PATCH {"enabled": true} resumes where it stopped' }),
  disabledAt: dateOrNull('When deliveries stopped; null while enabled'),
  disabledReason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why: every attempt failed for 24 hours (the last error quoted), or disabled through the API',
  }),
  failingSince: dateOrNull('Since when every attempt has failed; null when the last one succeeded'),
  createdAt: date(),
  updatedAt: date(),
};

const Webhook = Type.Object(webhookFields, { $id: 'Webhook', description: 'A webhook endpoint; its secret is never shown again' });

const CreatedWebhook = Type.Object(
  {
    ...webhookFields,
    secret: Type.String({ description: 'The signing secret, `whsec_` and base64: shown in this answer only; keep it', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
  },
  { description: 'The new endpoint, with its signing secret' },
);

const Delivery = Type.Object({
  messageId: Type.String({ description: 'The webhook-id header: the same on every attempt of the message' }),
  type: Type.String({ description: 'The event type, or contact.batch' }),
  eventCount: Type.Integer({ minimum: 1 }),
  attempt: Type.Integer({ minimum: 1, description: 'Of this message; 1 is the first try' }),
  attemptedAt: date(),
  durationMs: Type.Integer({ minimum: 0 }),
  outcome: Type.Unsafe<string>({ type: 'string', enum: ['succeeded', 'failed'] }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: "The endpoint's HTTP status; null when none came" }),
  responseBody: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 KiB of the answer' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed' }),
  nextRetryAt: dateOrNull('When the message is tried again; null after a success or when the endpoint was disabled'),
});

const WebhookParams = Type.Object({ webhookId: Type.String({ description: 'The webhook id (a UUID)' }) });

const CreateBody = Type.Object(
  { url: Url, events: EventTypes },
  { additionalProperties: false, examples: [{ url: 'https://example.com/hooks/rolodex', events: ['contact.created', 'contact.updated'] }] },
);

const PatchBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(EventTypes),
    enabled: Type.Optional(Type.Boolean({ description: 'false stops deliveries; true resumes them (failures forgotten, due at once)' })),
  },
  { additionalProperties: false },
);

const DeliveriesQuery = withDefaults(
  Type.Object(
    { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Attempts to list, newest first' }) },
    { additionalProperties: false },
  ),
);

function isoOrNull(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

function webhookObject(webhook: WebhookRecord) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled,
    disabledAt: isoOrNull(webhook.disabledAt),
    disabledReason: webhook.disabledReason,
    failingSince: isoOrNull(webhook.failingSince),
    createdAt: new Date(webhook.createdAt).toISOString(),
    updatedAt: new Date(webhook.updatedAt).toISOString(),
  };
}

function deliveryObject(delivery: WebhookDeliveryRecord) {
  return {
    messageId: delivery.messageId,
    type: delivery.type,
    eventCount: delivery.eventCount,
    attempt: delivery.attempt,
    attemptedAt: new Date(delivery.attemptedAt).toISOString(),
    durationMs: delivery.durationMs,
    outcome: delivery.outcome,
    statusCode: delivery.responseStatus,
    responseBody: delivery.responseBody,
    error: delivery.error,
    nextRetryAt: isoOrNull(delivery.nextRetryAt),
  };
}

export function webhookRoutes(app: FastifyTypeBox, webhooks: WebhookService): void {
  app.post(
    '/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        summary: 'Register an endpoint for signed event deliveries',
        description:
          `Events made from now on are POSTed to the URL, signed (Standard Webhooks). At most ${MAX_WEBHOOKS_PER_PROJECT} per project. ` +
          'A 503 when the server has no key to seal signing secrets with (SECRETS_KEY).',
        tags: ['webhooks'],
        security: SECRET_KEY,
        body: CreateBody,
        response: authenticatedResponses({ 201: jsonResponse('The endpoint, with its signing secret (shown this once)', CreatedWebhook) }, 409, 413),
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.create(request.projectId, request.body);
      return sendJson(reply, 201, JSON.stringify({ ...webhookObject(webhook), secret }));
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        summary: "The project's webhook endpoints, oldest first",
        tags: ['webhooks'],
        security: SECRET_KEY,
        response: authenticatedResponses({ 200: jsonResponse('Every endpoint', Type.Object({ webhooks: Type.Array(Type.Ref('Webhook')) })) }),
      },
    },
    async (request, reply) => {
      const list = await webhooks.list(request.projectId);
      return sendJson(reply, 200, JSON.stringify({ webhooks: list.map(webhookObject) }));
    },
  );

  app.get(
    '/webhooks/:webhookId',
    {
      schema: {
        operationId: 'getWebhook',
        summary: 'A webhook endpoint and its state',
        tags: ['webhooks'],
        security: SECRET_KEY,
        params: WebhookParams,
        response: authenticatedResponses({ 200: jsonResponse('The endpoint', Type.Ref('Webhook')) }, 404),
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, JSON.stringify(webhookObject(await webhooks.get(request.projectId, request.params.webhookId)))),
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      schema: {
        operationId: 'updateWebhook',
        summary: "Change an endpoint's URL or events, or disable or re-enable it",
        tags: ['webhooks'],
        security: SECRET_KEY,
        params: WebhookParams,
        body: PatchBody,
        response: authenticatedResponses({ 200: jsonResponse('The endpoint as changed', Type.Ref('Webhook')) }, 404, 413),
      },
    },
    async (request, reply) => {
      const webhook = await webhooks.update(request.projectId, request.params.webhookId, request.body);
      return sendJson(reply, 200, JSON.stringify(webhookObject(webhook)));
    },
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      schema: {
        operationId: 'deleteWebhook',
        summary: 'Delete an endpoint and its deliveries log',
        tags: ['webhooks'],
        security: SECRET_KEY,
        params: WebhookParams,
        response: authenticatedResponses({ 204: otherResponse('Deleted; no body') }, 404, 413),
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.projectId, request.params.webhookId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's latest delivery attempts, newest first (the last 100 are kept)",
        tags: ['webhooks'],
        security: SECRET_KEY,
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: authenticatedResponses({ 200: jsonResponse('The attempts', Type.Object({ deliveries: Type.Array(Delivery) })) }, 404),
      },
    },
    async (request, reply) => {
      const list = await webhooks.deliveries(request.projectId, request.params.webhookId, request.query.limit);
      return sendJson(reply, 200, JSON.stringify({ deliveries: list.map(deliveryObject) }));
    },
  );
}

/** The component schemas the webhook routes refer to by name; plugins/openapi.ts adds them. */
export const WEBHOOK_SCHEMAS = [Webhook];
