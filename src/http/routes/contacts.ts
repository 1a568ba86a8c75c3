// /contacts and /contacts/:id: the synchronous half of the contacts API.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { ContactService } from '../../domain/contacts.js';
import { contactJson, contactPageJson } from '../wire-json.js';
import { sendJson } from '../error-response.js';
import { ContactIdParams, DataSchema, errorResponses } from '../schemas.js';

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'Opaque; from the previous page' })),
    search: Type.Optional(
      Type.String({ minLength: 1, maxLength: 254, description: 'Case-insensitive substring of the email' }),
    ),
    subscribed: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  },
  { additionalProperties: false },
);

const ContactPageSchema = Type.Object({
  contacts: Type.Array(Type.Ref('Contact')),
  cursor: Type.Union([Type.String(), Type.Null()]),
  hasMore: Type.Boolean(),
  total: Type.Optional(Type.Integer({ description: 'Only on the first page (no cursor in the request)' })),
});

const CreateBody = Type.Object(
  {
    email: Type.String({ description: 'Trimmed and lower-cased; unique within the project' }),
    subscribed: Type.Optional(Type.Boolean({ description: 'Defaults to true for new contacts' })),
    data: Type.Optional(DataSchema),
  },
  { additionalProperties: false },
);

const PatchBody = Type.Object(
  {
    email: Type.Optional(Type.String()),
    subscribed: Type.Optional(Type.Boolean()),
    data: Type.Optional(Type.Union([DataSchema, Type.Null()], { description: 'null clears all data' })),
  },
  { additionalProperties: false },
);

export function contactRoutes(app: FastifyTypeBox, contacts: ContactService): void {
  app.get(
    '/contacts',
    {
      schema: {
        summary: 'List contacts, newest first',
        tags: ['contacts'],
        querystring: ListQuery,
        response: { 200: ContactPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, search, subscribed } = request.query;
      const page = await contacts.list(request.projectId, {
        limit,
        cursor,
        search,
        subscribed: subscribed === undefined ? undefined : subscribed === 'true',
      });
      return sendJson(reply, 200, contactPageJson(page));
    },
  );

  app.post(
    '/contacts',
    {
      schema: {
        summary: 'Create a contact, or update the one with this email',
        tags: ['contacts'],
        body: CreateBody,
        response: { 200: Type.Ref('Contact'), 201: Type.Ref('Contact'), ...errorResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const { contact, created } = await contacts.upsert(request.projectId, request.body);
      return sendJson(reply, created ? 201 : 200, contactJson(contact));
    },
  );

  app.get(
    '/contacts/:id',
    {
      schema: {
        summary: 'Get a contact',
        tags: ['contacts'],
        params: ContactIdParams,
        response: { 200: Type.Ref('Contact'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const contact = await contacts.get(request.projectId, request.params.id);
      return sendJson(reply, 200, contactJson(contact));
    },
  );

  app.patch(
    '/contacts/:id',
    {
      schema: {
        summary: 'Change a contact',
        tags: ['contacts'],
        params: ContactIdParams,
        body: PatchBody,
        response: { 200: Type.Ref('Contact'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const contact = await contacts.update(request.projectId, request.params.id, request.body);
      return sendJson(reply, 200, contactJson(contact));
    },
  );

  app.delete(
    '/contacts/:id',
    {
      schema: {
        summary: 'Delete a contact for good',
        tags: ['contacts'],
        params: ContactIdParams,
        response: { 204: Type.Null({ description: 'No body' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await contacts.remove(request.projectId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
