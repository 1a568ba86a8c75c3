// /contacts and /contacts/:id: the synchronous half of the contacts API.
import { Type } from 'typebox';
import type { FastifyTypeBox } from '../app.js';
import type { ContactService } from '../../domain/contacts.js';
import type { ChangeService } from '../../domain/changes.js';
import { changePageJson, contactJson, contactPageJson } from '../wire-json.js';
import { dataParameters } from '../../domain/filter.js';
import type { ExportService } from '../../domain/export.js';
import { sendExport } from '../export-download.js';
import type { UploadSlots } from '../upload-slots.js';
import { sendJson } from '../error-response.js';
import {
  BooleanText,
  ContactIdParams,
  DataSchema,
  SECRET_KEY,
  authenticatedResponses,
  jsonResponse,
  otherResponse,
  withDefaults,
} from '../schemas.js';

/** The filters of the list and the export, as query parameters (`data.<key>` parameters besides). */
export const FILTER_PARAMETERS = {
  search: Type.Optional(
    Type.String({ minLength: 1, maxLength: 254, description: 'Case-insensitive substring of the email (`%` and `_` are ordinary characters)' }),
  ),
  subscribed: Type.Optional(BooleanText('Only subscribed (`true`) or unsubscribed (`false`) contacts')),
  email: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'One exact email, any case' })),
  createdAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Created strictly later than this ISO 8601 instant' })),
  createdBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Created strictly earlier than this ISO 8601 instant' })),
  updatedAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Last changed strictly later than this ISO 8601 instant' })),
  updatedBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Last changed strictly earlier than this ISO 8601 instant' })),
};

/**
 * `data.<key>=<value>` parameters: any number, one per key. They are outside
 * the document's parameter list (OpenAPI cannot name parameters by prefix);
 * the operation's description tells of them.
 */
export const DATA_PARAMETERS = { '^data\\.': Type.Union([Type.String(), Type.Array(Type.String())]) };

export const DATA_PARAMETERS_TEXT =
  'Filter by custom data with `data.<key>=<value>` (repeatable for different keys; the key as stored, URL-encoded): ' +
  'contacts whose `data[key]` is the string `<value>`, or a number or boolean written the same (`data.seats=5` matches 5 and "5"); ' +
  'an empty value (`data.plan=`) matches contacts that have the key. All filters combine with AND.';

const ListQuery = withDefaults(Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Contacts per page' }),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'Opaque; from the previous page. Send the same filters with every page' })),
    ...FILTER_PARAMETERS,
  },
  { additionalProperties: false, patternProperties: DATA_PARAMETERS },
));

const ExportQuery = withDefaults(Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv', description: 'CSV (the default) or NDJSON' }),
    ...FILTER_PARAMETERS,
  },
  { additionalProperties: false, patternProperties: DATA_PARAMETERS },
));

const ExportResponse = otherResponse(
  'Every matching contact, newest first, streamed (Content-Disposition: attachment). CSV: `email,subscribed,createdAt,updatedAt` ' +
    'then one column per data key, sorted; NDJSON: one contact object per line. Both import back (see the import).',
  'text/csv',
  { type: 'string', examples: ['email,subscribed,createdAt,updatedAt,plan\r\nada@example.com,true,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,pro\r\n'] },
);
ExportResponse.content!['application/x-ndjson'] = { schema: { type: 'string' } };

const ContactPageSchema = Type.Object({
  contacts: Type.Array(Type.Ref('Contact')),
  cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass back as ?cursor= for the next page; null when hasMore is false' }),
  hasMore: Type.Boolean(),
  total: Type.Optional(Type.Integer({ minimum: 0, description: 'Contacts matching the filters; only on the first page (no cursor in the request)' })),
});

const ChangesQuery = withDefaults(Type.Object(
  {
    since: Type.Optional(
      Type.String({ minLength: 1, description: 'Opaque; the `cursor` of an earlier answer. Omit to start from the oldest change kept' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Changes per page' }),
  },
  { additionalProperties: false },
));

const ChangeSchema = Type.Object({
  type: Type.Union([Type.Literal('contact.created'), Type.Literal('contact.updated'), Type.Literal('contact.deleted')]),
  at: Type.String({ format: 'date-time', description: 'When the change was made (a created or updated contact: its updatedAt)' }),
  contact: Type.Union(
    [
      Type.Ref('Contact'),
      Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String() }, { description: 'A deleted contact: only its id and email' }),
    ],
    { description: 'The contact as it was after the change, exactly as GET /contacts/{id} showed it then; for a delete, only its id and email' },
  ),
});

const ChangePageSchema = Type.Object({
  changes: Type.Array(ChangeSchema, { description: 'In commit order: every committed change exactly once' }),
  cursor: Type.String({
    description: 'Pass back as ?since= for the next page, or to poll for changes: the position after the last change, or where this page started when it has none',
  }),
  hasMore: Type.Boolean({ description: 'More changes were already committed: ask again at once' }),
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

export function contactRoutes(
  app: FastifyTypeBox,
  contacts: ContactService,
  changes: ChangeService,
  exports: ExportService,
  exportSlots: UploadSlots,
): void {

  app.get(
    '/contacts/changes',
    {
      schema: {
        operationId: 'listContactChanges',
        summary: "The project's contact changes in commit order, after a cursor",
        description:
          'Every create, update and delete of a contact (by the API, an import or a bulk job), each exactly once, in the order they ' +
          'committed. Changes are kept CHANGE_RETENTION_DAYS (7 by default); a cursor older than that is refused with 410 CURSOR_EXPIRED.',
        tags: ['contacts'],
        security: SECRET_KEY,
        querystring: ChangesQuery,
        response: authenticatedResponses({ 200: jsonResponse('A page of changes', ChangePageSchema) }, 410),
      },
    },
    async (request, reply) => {
      const page = await changes.read(request.projectId, request.query.since, request.query.limit);
      return sendJson(reply, 200, changePageJson(page));
    },
  );

  app.get(
    '/contacts/export',
    {
      schema: {
        operationId: 'exportContacts',
        summary: 'Every contact matching the filters, as CSV or NDJSON',
        description: `Takes the filters of GET /contacts (no limit or cursor). ${DATA_PARAMETERS_TEXT}`,
        tags: ['contacts'],
        security: SECRET_KEY,
        querystring: ExportQuery,
        response: authenticatedResponses({ 200: ExportResponse }),
      },
    },
    async (request, reply) => {
      const { format, subscribed, ...query } = request.query;
      const filter = { ...query, subscribed: subscribed === undefined ? undefined : subscribed === 'true', data: dataParameters(request.query) };
      return sendExport(reply, { exports, slots: exportSlots, projectId: request.projectId, filter, format });
    },
  );

  app.get(
    '/contacts',
    {
      schema: {
        operationId: 'listContacts',
        summary: 'List contacts, newest first',
        description: DATA_PARAMETERS_TEXT,
        tags: ['contacts'],
        security: SECRET_KEY,
        querystring: ListQuery,
        response: authenticatedResponses({ 200: jsonResponse('A page of contacts', ContactPageSchema) }),
      },
    },
    async (request, reply) => {
      const { subscribed, ...query } = request.query;
      const page = await contacts.list(request.projectId, {
        ...query,
        subscribed: subscribed === undefined ? undefined : subscribed === 'true',
        data: dataParameters(request.query),
      });
      return sendJson(reply, 200, contactPageJson(page));
    },
  );

  app.post(
    '/contacts',
    {
      schema: {
        operationId: 'upsertContact',
        summary: 'Create a contact, or update the one with this email',
        tags: ['contacts'],
        security: SECRET_KEY,
        body: CreateBody,
        response: authenticatedResponses(
          {
            200: jsonResponse('The email was known: the updated contact', Type.Ref('Contact')),
            201: jsonResponse('A new contact', Type.Ref('Contact')),
          },
          413,
        ),
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
        operationId: 'getContact',
        summary: 'Get a contact',
        tags: ['contacts'],
        security: SECRET_KEY,
        params: ContactIdParams,
        response: authenticatedResponses({ 200: jsonResponse('The contact', Type.Ref('Contact')) }, 404),
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
        operationId: 'updateContact',
        summary: 'Change a contact',
        tags: ['contacts'],
        security: SECRET_KEY,
        params: ContactIdParams,
        body: PatchBody,
        response: authenticatedResponses({ 200: jsonResponse('The updated contact', Type.Ref('Contact')) }, 404, 409, 413),
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
        operationId: 'deleteContact',
        summary: 'Delete a contact for good',
        tags: ['contacts'],
        security: SECRET_KEY,
        params: ContactIdParams,
        response: authenticatedResponses({ 204: otherResponse('Deleted; no body') }, 404, 413),
      },
    },
    async (request, reply) => {
      await contacts.remove(request.projectId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
