// Request validation: one Ajv for bodies (no type coercion, unknown fields are
// errors rather than silently dropped) and one for query strings and path
// parameters (whose values arrive as strings). Ajv's errors become the
// contract's `errors: [{field, message}]` list.
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../domain/errors.js';

const common = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
const bodyAjv = new Ajv({ ...common, coerceTypes: false });
const queryAjv = new Ajv({ ...common, coerceTypes: true });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema as object);

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.split('/').slice(1).join('.');
  const child =
    error.keyword === 'required'
      ? (error.params as { missingProperty: string }).missingProperty
      : error.keyword === 'additionalProperties'
        ? (error.params as { additionalProperty: string }).additionalProperty
        : '';
  return [path, child].filter(Boolean).join('.');
}

function messageOf(error: ErrorObject, part: string): string {
  switch (error.keyword) {
    case 'required':
      return 'Required';
    case 'additionalProperties':
      return part === 'querystring' ? 'Unknown query parameter' : 'Unknown field';
    case 'type':
      return `Must be ${(error.params as { type: string }).type === 'null' ? 'null' : `a${/^[aeiou]/.test((error.params as { type: string }).type) ? 'n' : ''} ${(error.params as { type: string }).type}`}`;
    case 'anyOf':
      return 'Has the wrong type';
    default:
      return error.message ? error.message.charAt(0).toUpperCase() + error.message.slice(1) : 'Is invalid';
  }
}

/** The field errors for a failed validation, one per field, in request order. */
export function fieldErrors(errors: ErrorObject[], part: string): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    // anyOf repeats each branch's error; the summary line is enough.
    if (errors.some((other) => other.keyword === 'anyOf' && other.instancePath === error.instancePath && other !== error)) {
      continue;
    }
    const field = fieldOf(error) || (part === 'body' ? 'body' : part);
    if (seen.has(field)) continue;
    seen.add(field);
    result.push({ field, message: field === 'body' && error.keyword === 'type' ? 'Must be a JSON object' : messageOf(error, part) });
  }
  return result;
}
