// The request and response schemas shared by the routes. The same objects
// validate requests and generate /openapi.json; the helpers at the end say,
// once, which statuses and headers every operation can answer with.
import { Type, type TObject, type TSchema } from 'typebox';
import type { DataPatch } from '../domain/data.js';
import { ERROR_STATUS, type ErrorCode } from '../domain/errors.js';

const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({
        type: 'string',
        enum: ERROR_CODES,
        description: 'Stable and machine-readable; the status follows from it (see the Errors table of the contract)',
      }),
      message: Type.String({ description: 'For people; may change' }),
      statusCode: Type.Integer({ description: 'The HTTP status, repeated' }),
      requestId: Type.String({ description: 'The X-Request-ID of this answer' }),
      errors: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
          description: 'Each invalid field (VALIDATION_ERROR only)',
        }),
      ),
    }),
  },
  {
    $id: 'Error',
    description: 'The error envelope every non-2xx answer carries',
    examples: [
      {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'email: Invalid email address',
          statusCode: 400,
          requestId: '6f1c0e9a-3b1d-4a51-9f0e-2d6c7a1b2c3d',
          errors: [{ field: 'email', message: 'Invalid email address' }],
        },
      },
    ],
  },
);

export const DataSchema = Type.Unsafe<DataPatch>({
  type: 'object',
  additionalProperties: true,
  description:
    'Custom fields, shallow-merged into what is stored: a key set to null is deleted, other keys overwrite. ' +
    'At most 100 keys, key length 1-100, at most 32 KiB of compact JSON.',
});

export const ContactSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUID v7' }),
    // No `format: email`: internationalised addresses (`josé@exämple.de`) are
    // accepted and returned, and JSON Schema's `email` format refuses them.
    email: Type.String({ description: 'Trimmed and lower-cased; unique within the project' }),
    subscribed: Type.Boolean(),
    data: Type.Object({}, { additionalProperties: true, description: 'Always an object; {} when empty' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'Contact',
    examples: [
      {
        id: '01936c2e-7c1a-7d8e-9a51-2b7f0c9e4d11',
        email: 'ada@example.com',
        subscribed: true,
        data: { plan: 'pro', seats: 5 },
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-10T08:00:00.000Z',
      },
    ],
  },
);

export const ContactIdParams = Type.Object({ id: Type.String({ description: 'The contact id (a UUID)' }) });

/** `true` or `false` in a query string: one string enum, which every generator reads as such. */
export const BooleanText = (description: string) =>
  Type.Unsafe<'true' | 'false'>({ type: 'string', enum: ['true', 'false'], description });

/**
 * An object schema whose properties with a `default` are optional to the
 * client (the document says so) and always present to the handler: Ajv's
 * `useDefaults` fills them in before the handler runs, so the static type
 * keeps them required.
 */
export function withDefaults<T extends TObject>(schema: T): T {
  const required = (schema.required ?? []).filter((name: string) => {
    const property = schema.properties[name] as TSchema & { default?: unknown };
    return property.default === undefined;
  });
  return Object.assign(Object.create(Object.getPrototypeOf(schema) as object) as T, schema, { required });
}

// ---------------------------------------------------------------------------
// Responses: every one carries X-Request-ID; authenticated ones the RateLimit
// headers; 429 and 503 Retry-After; a 202 Location.

interface HeaderSpec {
  description: string;
  schema: { type: 'string' | 'integer'; minimum?: number };
  /** Always sent on the responses that declare it. */
  required: boolean;
}

export const HEADERS = {
  'X-Request-ID': {
    description: "The request's id: the client's own X-Request-ID when it is 1-128 characters of A-Z a-z 0-9 . _ : -, else a new one",
    schema: { type: 'string' },
    required: true,
  },
  'RateLimit-Limit': {
    description: "The project's burst (RATE_LIMIT_BURST); sent when rate limits are configured",
    schema: { type: 'integer', minimum: 0 },
    required: false,
  },
  'RateLimit-Remaining': {
    description: 'Whole requests left in the bucket; sent when rate limits are configured',
    schema: { type: 'integer', minimum: 0 },
    required: false,
  },
  'RateLimit-Reset': {
    description: 'Seconds until the bucket is full again, rounded up; sent when rate limits are configured',
    schema: { type: 'integer', minimum: 0 },
    required: false,
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (at least 1)',
    schema: { type: 'integer', minimum: 1 },
    required: true,
  },
  Location: {
    description: 'Where to watch the job: GET this path',
    schema: { type: 'string' },
    required: true,
  },
  Allow: { description: 'The methods the path takes', schema: { type: 'string' }, required: true },
} satisfies Record<string, HeaderSpec>;

export type HeaderName = keyof typeof HEADERS;

const RATE_LIMIT_HEADERS: HeaderName[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** What @fastify/swagger reads from a response schema: `description`, `headers` and the `content` by media type. */
export interface ResponseSpec {
  description: string;
  headers: Record<string, { description: string } & HeaderSpec['schema']>;
  content?: Record<string, { schema: unknown }>;
  /** type: 'null' marks a response without a body (fastify and @fastify/swagger both read it). */
  type?: 'null';
}

function headersOf(names: HeaderName[]): ResponseSpec['headers'] {
  return Object.fromEntries(names.map((name) => [name, { description: HEADERS[name].description, ...HEADERS[name].schema }]));
}

/** A JSON answer. */
export function jsonResponse(description: string, schema: unknown, headers: HeaderName[] = []): ResponseSpec {
  return { description, headers: headersOf(['X-Request-ID', ...headers]), content: { 'application/json': { schema } } };
}

/** An answer with a body of another media type (text/csv), or with none (`media` undefined). */
export function otherResponse(description: string, media?: string, schema: unknown = { type: 'string' }): ResponseSpec {
  const response: ResponseSpec = { description, headers: headersOf(['X-Request-ID']) };
  if (media) response.content = { [media]: { schema } };
  else response.type = 'null';
  return response;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: VALIDATION_ERROR (each field listed), INVALID_JSON or INVALID_CURSOR',
  401: 'UNAUTHORIZED (no usable Authorization header) or INVALID_API_KEY (unknown or revoked key)',
  403: 'SECRET_KEY_REQUIRED: a public key where a secret key is needed',
  404: 'NOT_FOUND: no such resource in this project',
  408: 'REQUEST_TIMEOUT: the upload arrived too slowly',
  409: 'CONFLICT: the email is used by another contact of the project',
  410: 'CURSOR_EXPIRED: the cursor is older than the changes kept (CHANGE_RETENTION_DAYS)',
  413: 'PAYLOAD_TOO_LARGE: a JSON body over 1 MiB, or a file over 5 MiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: a body (or Content-Encoding) this endpoint does not take',
  429: "RATE_LIMIT_EXCEEDED: over the project's rate limit, or too many jobs pending",
  500: 'INTERNAL_SERVER_ERROR: a bug, logged with the request id',
  503: 'SERVICE_UNAVAILABLE: the database is unreachable or busy, the upload slots are full, or the server is shutting down',
};

function errorResponse(status: number, authenticated: boolean): ResponseSpec {
  const headers: HeaderName[] = authenticated && status !== 401 && status !== 403 ? [...RATE_LIMIT_HEADERS] : [];
  if (status === 429 || status === 503) headers.push('Retry-After');
  return jsonResponse(ERROR_DESCRIPTIONS[status] ?? 'Error', Type.Ref('Error'), headers);
}

/** What any request can meet: a missing Host (400), a bug (500), a server shutting down (503). */
const ANY_REQUEST = [400, 500, 503];
/** What any /contacts request can meet besides: its key refused, a Content-Encoding, the rate limit. */
const ANY_AUTHENTICATED = [401, 403, 415, 429];

/** The responses of an operation that needs no key. */
export function publicResponses(successes: Record<number, ResponseSpec>, ...errors: number[]): Record<number, ResponseSpec> {
  const statuses = [...new Set([...ANY_REQUEST, ...errors])].sort((a, b) => a - b);
  return { ...successes, ...Object.fromEntries(statuses.map((status) => [status, errorResponse(status, false)])) };
}

/**
 * The responses of a /contacts operation: its successes (which get the
 * RateLimit headers here), the errors it names, and those every
 * authenticated operation can answer.
 */
export function authenticatedResponses(successes: Record<number, ResponseSpec>, ...errors: number[]): Record<number, ResponseSpec> {
  const withRateLimit = Object.fromEntries(
    Object.entries(successes).map(([status, response]) => [
      status,
      { ...response, headers: { ...response.headers, ...headersOf(RATE_LIMIT_HEADERS) } },
    ]),
  );
  const statuses = [...new Set([...ANY_REQUEST, ...ANY_AUTHENTICATED, ...errors])].sort((a, b) => a - b);
  return { ...withRateLimit, ...Object.fromEntries(statuses.map((status) => [status, errorResponse(status, true)])) };
}

/** The security requirement of every /contacts operation. */
export const SECRET_KEY = [{ secretKey: [] }];
