// The schemas of the upload routes: the multipart body (documented, not
// validated by fastify) and the preview's answer.
import { Type } from 'typebox';
import { DELIMITERS, OPTION_FIELDS } from '../../domain/import/options.js';
import { ENCODINGS } from '../../domain/import/decode.js';
import { BooleanText } from '../schemas.js';

/**
 * The multipart body of an upload, for the document only: the body is read
 * as a stream (readImportUpload) and its fields checked by
 * parseImportOptions, which names the same fields (OPTION_FIELDS).
 */
const UPLOAD_FIELDS = {
  file: Type.String({
    format: 'binary',
    description: 'The CSV (UTF-8, UTF-16 with BOM, or Windows-1252) or NDJSON file, at most 5 MiB; any declared content type',
  }),
  mapping: Type.Optional(Type.String({
    contentMediaType: 'application/json',
    description:
      'A JSON object from header (any case) to a target: "email", "subscribed", null (skip), a data key, ' +
      'or {"key": "…", "type": "string" | "number" | "boolean"}',
    examples: ['{"E-mail 1 - Value":"email","Zip":{"key":"zip","type":"string"}}'],
  })),
  subscribed: Type.Optional({ ...BooleanText('The status of contacts the file creates when their row says nothing'), default: 'true' }),
  resubscribe: Type.Optional({ ...BooleanText('Whether a row may turn an unsubscribed contact back to subscribed'), default: 'false' }),
  encoding: Type.Optional(Type.Unsafe<string>({
    type: 'string',
    enum: [...ENCODINGS],
    description: 'Overrides detection (utf8 is taken for utf-8, any case)',
  })),
  delimiter: Type.Optional(Type.Unsafe<string>({
    type: 'string',
    enum: [...DELIMITERS, '\\t', 'tab'],
    description: 'Overrides detection; a tab may be sent as itself, as \\t, or as "tab"',
  })),
} satisfies Record<'file' | (typeof OPTION_FIELDS)[number], unknown>;

export const UploadBody = Type.Object(UPLOAD_FIELDS, { additionalProperties: false });

const PreviewRow = Type.Union([
  Type.Object({
    row: Type.Integer({ minimum: 1 }),
    email: Type.String(),
    subscribed: Type.Boolean(),
    data: Type.Object({}, { additionalProperties: true }),
  }),
  Type.Object({ row: Type.Integer({ minimum: 1 }), email: Type.String(), error: Type.String() }),
]);

export const Preview = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')]),
  encoding: Type.String({ description: 'The encoding the file would be read in' }),
  delimiter: Type.Union([Type.String(), Type.Null()], { description: 'null for NDJSON' }),
  totalRows: Type.Integer({ minimum: 0 }),
  columns: Type.Array(
    Type.Object({
      header: Type.String(),
      target: Type.Unsafe<string>({ type: 'string', enum: ['email', 'subscribed', 'data', 'skip'] }),
      key: Type.Union([Type.String(), Type.Null()], { description: 'The data key (target data only)' }),
      type: Type.Union([Type.String({ enum: ['string', 'number', 'boolean'] }), Type.Null()]),
      samples: Type.Array(Type.String(), { maxItems: 5, description: 'The first 5 non-empty cells' }),
    }),
  ),
  rows: Type.Array(PreviewRow, { maxItems: 20, description: 'The first 20 records as they would be stored, or their error' }),
  counts: Type.Object({
    create: Type.Integer({ minimum: 0 }),
    update: Type.Integer({ minimum: 0 }),
    failure: Type.Integer({ minimum: 0 }),
    keptUnsubscribed: Type.Integer({ minimum: 0 }),
  }),
  errors: Type.Array(
    Type.Object({ row: Type.Integer({ minimum: 1 }), email: Type.String(), error: Type.String() }),
    { maxItems: 1000, description: 'The first 1,000 row errors' },
  ),
});
