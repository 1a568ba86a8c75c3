// The request and response schemas shared by the routes. The same objects
// validate requests and generate /openapi.json.
import { Type } from 'typebox';
import type { DataPatch } from '../domain/data.js';

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ examples: ['VALIDATION_ERROR'] }),
      message: Type.String(),
      statusCode: Type.Integer(),
      requestId: Type.String(),
      errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'Error', description: 'The error envelope every non-2xx answer carries' },
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
    email: Type.String({ format: 'email' }),
    subscribed: Type.Boolean(),
    data: Type.Object({}, { additionalProperties: true }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Contact' },
);

export const ContactIdParams = Type.Object({ id: Type.String() });

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('Error')]));
