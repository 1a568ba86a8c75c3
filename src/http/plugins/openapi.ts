// The OpenAPI document (GET /openapi.json, served by routes/operations.ts)
// and its readable reference at /docs: the shared schemas the routes refer to
// by name, the document's header, and each response header listed once.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ContactSchema, ErrorSchema, HEADERS } from '../schemas.js';
import { JOB_SCHEMAS } from '../routes/job-schemas.js';
import { WEBHOOK_SCHEMAS } from '../routes/webhooks.js';
import { appWide } from './app-wide.js';

type OpenApiDocument = {
  components?: { headers?: Record<string, unknown> };
  paths?: Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, unknown> }> }>>;
};

/**
 * The routes declare each response's headers by name (schemas.ts); the
 * document lists each header once, under components, and refers to it.
 */
function withSharedHeaders(document: OpenApiDocument): OpenApiDocument {
  const used = new Set<keyof typeof HEADERS>();
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const name of Object.keys(response.headers ?? {})) {
          if (!Object.hasOwn(HEADERS, name)) continue;
          used.add(name as keyof typeof HEADERS);
          response.headers![name] = { $ref: `#/components/headers/${name}` };
        }
      }
    }
  }
  const headers = Object.fromEntries([...used].sort().map((name) => [name, HEADERS[name]]));
  return { ...document, components: { ...document.components, headers } };
}

/** Register before any route: @fastify/swagger learns the routes as they are registered. */
export const openapi = appWide('openapi', async (app) => {
  app.addSchema(ErrorSchema);
  app.addSchema(ContactSchema);
  for (const schema of [...JOB_SCHEMAS, ...WEBHOOK_SCHEMAS]) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rolodex',
        version: '1',
        description:
          'Contacts for email platforms. Every /contacts and /webhooks endpoint needs `Authorization: Bearer sk_…`; ' +
          'every answer carries X-Request-ID, and every non-2xx answer the Error envelope.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: [
        { name: 'contacts', description: 'Contacts: list and filter, export, and one at a time' },
        { name: 'imports', description: 'CSV and NDJSON imports: upload, preview, status, failed rows' },
        { name: 'bulk', description: 'Subscribe, unsubscribe or delete many contacts, by id or by filter' },
        { name: 'webhooks', description: "Signed deliveries of the project's events to endpoints of its own, and their log" },
        { name: 'operations', description: 'Liveness, readiness and this document; no key needed' },
      ],
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    // Name components after their $id (Contact, Error) rather than def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documentObject) =>
      withSharedHeaders((documentObject as unknown as { openapiObject: OpenApiDocument }).openapiObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
});
