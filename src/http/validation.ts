// Request validation: one Ajv for bodies (no type coercion, unknown fields are
// errors rather than silently dropped) and one for query strings and path
// parameters (whose values arrive as strings and are converted strictly). Ajv's errors become the
// contract's `errors: [{field, message}]` list.
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../domain/errors.js';
import { PLAIN_NUMBER } from '../domain/text.js';

const common = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
// Bodies and text (query, path) use the same validator: neither coerces.
// `date-time` tells the document's readers what to send; the domain reads the
// instant itself (filter.ts), with an error that says what was expected.
const ajv = new Ajv({ ...common, coerceTypes: false, formats: { 'date-time': true } });

// Query and path values arrive as text. Ajv's own coercion is too lenient for
// a contract ("1e1", "+5", " 5", "0x10" and "05" all become numbers), so a
// value is converted only when written plainly; otherwise it stays text and
// the schema refuses it.
const PLAIN_INTEGER = /^-?(0|[1-9][0-9]*)$/;

function fromText(type: unknown, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'integer' && PLAIN_INTEGER.test(value)) return Number(value);
  if (type === 'number' && PLAIN_NUMBER.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

type TextSchema = { properties?: Record<string, { type?: unknown }> };

function compileForText(schema: TextSchema) {
  const validate = ajv.compile(schema);
  const properties = Object.entries(schema.properties ?? {});
  const check = Object.assign(
    (data: unknown): boolean => {
      const early = boundsErrors(schema as BodySchema, data);
      if (early) {
        check.errors = early;
        return false;
      }
      if (typeof data === 'object' && data !== null) {
        const values = data as Record<string, unknown>;
        for (const [key, property] of properties) {
          if (Object.hasOwn(values, key)) values[key] = fromText(property.type, values[key]);
        }
      }
      const valid = validate(data);
      check.errors = validate.errors;
      return valid;
    },
    { errors: null as typeof validate.errors },
  );
  return check;
}

type BodySchema = {
  properties?: Record<string, { maxItems?: number }>;
  additionalProperties?: unknown;
};

/**
 * Ajv does real work for every error it reports, and with allErrors a 1 MiB
 * body (or a long query string) holds 100,000 of them (an array of 500,000 ids, 96,000 unknown
 * fields): a quarter of a second or more of a blocked process. The two shapes
 * that make so many are refused here first, cheaply: a top-level array
 * longer than its maxItems is that one error, and unknown fields are listed
 * without asking Ajv about each.
 */
function boundsErrors(schema: BodySchema, data: unknown): ErrorObject[] | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const properties = schema.properties ?? {};
  const values = data as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    const value = values[name];
    if (property.maxItems !== undefined && Array.isArray(value) && value.length > property.maxItems) {
      return [{
        instancePath: `/${name}`, schemaPath: '', keyword: 'maxItems',
        params: { limit: property.maxItems }, message: `must NOT have more than ${property.maxItems} items`,
      }];
    }
  }
  if (schema.additionalProperties !== false) return undefined;
  const keys = Object.keys(values);
  if (keys.length <= MAX_LISTED_ERRORS) return undefined;
  const errors: ErrorObject[] = [];
  let unknown = 0;
  for (const key of keys) {
    if (Object.hasOwn(properties, key)) continue;
    if (++unknown <= MAX_LISTED_ERRORS) {
      errors.push({ instancePath: '', schemaPath: '', keyword: 'additionalProperties', params: { additionalProperty: key } });
    }
  }
  // Only the listed ones are made into errors; the rest are only counted.
  errorTotals.set(errors, unknown);
  return errors;
}

/** How many errors there were in all, for lists cut short before they were made. */
const errorTotals = new WeakMap<ErrorObject[], number>();

/** Fields of the contact object that the server sets: sent in a body, they are read-only, not unknown. */
const READ_ONLY_CONTACT_FIELDS = new Set(['id', 'createdAt', 'updatedAt']);

type UnknownFieldHint = 'custom' | 'readOnly';

/**
 * In a body that has `data` (a contact's), an unknown field at the top is
 * most often a custom field sent beside `data` instead of in it, or one the
 * server sets: its error says which.
 */
function markCustomFields(schema: BodySchema, errors: ErrorObject[] | null | undefined): void {
  if (!errors || !Object.hasOwn(schema.properties ?? {}, 'data')) return;
  for (const error of errors) {
    if (error.keyword === 'additionalProperties' && error.instancePath === '') {
      const params = error.params as { additionalProperty: string; hint?: UnknownFieldHint };
      params.hint = READ_ONLY_CONTACT_FIELDS.has(params.additionalProperty) ? 'readOnly' : 'custom';
    }
  }
}

function compileForBody(schema: BodySchema) {
  const validate = ajv.compile(schema);
  const check = Object.assign(
    (data: unknown): boolean => {
      const early = boundsErrors(schema, data);
      if (early) {
        markCustomFields(schema, early);
        check.errors = early;
        return false;
      }
      const valid = validate(data);
      check.errors = validate.errors;
      markCustomFields(schema, validate.errors);
      return valid;
    },
    { errors: null as ErrorObject[] | null | undefined },
  );
  return check;
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  httpPart === 'body' ? compileForBody(schema as BodySchema) : compileForText(schema as TextSchema);

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

/** "a or b", "a, b or c": the values a field may take, as a person would list them. */
function either(values: unknown[]): string {
  const words = values.map(String);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : (words[0] ?? '');
}

function messageOf(error: ErrorObject, part: string, allowed: unknown[] | undefined): string {
  switch (error.keyword) {
    case 'required':
      return 'Required';
    case 'additionalProperties':
      if (part === 'querystring') return 'Unknown query parameter';
      switch ((error.params as { hint?: UnknownFieldHint }).hint) {
        case 'custom':
          return 'Unknown field: custom fields go under "data"';
        case 'readOnly':
          return 'Read-only: the server sets it';
        default:
          return 'Unknown field';
      }
    case 'type':
      return `Must be ${(error.params as { type: string }).type === 'null' ? 'null' : `a${/^[aeiou]/.test((error.params as { type: string }).type) ? 'n' : ''} ${(error.params as { type: string }).type}`}`;
    case 'enum':
      return `Must be ${either((error.params as { allowedValues: unknown[] }).allowedValues)}`;
    case 'anyOf':
      // A choice of constants (a query's `true` or `false`) says which; a choice of types cannot say more.
      return allowed && allowed.length > 0 ? `Must be ${either(allowed)}` : 'Has the wrong type';
    default:
      return error.message ? error.message.charAt(0).toUpperCase() + error.message.slice(1) : 'Is invalid';
  }
}

/** At most this many field errors are listed; the message says how many more there were. */
export const MAX_LISTED_ERRORS = 100;

export interface FieldErrorList {
  /** The first MAX_LISTED_ERRORS field errors, one per field, in request order. */
  listed: FieldError[];
  /** How many fields were invalid in all. */
  total: number;
}

/**
 * The field errors for a failed validation, one per field, in request order.
 * One pass over Ajv's errors (a 1 MiB body can hold 100,000 of them), and at
 * most MAX_LISTED_ERRORS kept.
 */
export function fieldErrors(errors: ErrorObject[], part: string): FieldErrorList {
  // anyOf repeats each branch's error at the same place; its summary line is enough.
  const summarised = new Set<string>();
  const allowed = new Map<string, unknown[]>();
  for (const error of errors) {
    if (error.keyword === 'anyOf') summarised.add(error.instancePath);
    else if (error.keyword === 'const') {
      const values = allowed.get(error.instancePath) ?? [];
      if (values.length < 10) values.push((error.params as { allowedValue: unknown }).allowedValue);
      allowed.set(error.instancePath, values);
    }
  }
  const seen = new Set<string>();
  const listed: FieldError[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && summarised.has(error.instancePath)) continue;
    const field = fieldOf(error) || (part === 'body' ? 'body' : part);
    if (seen.has(field)) continue;
    seen.add(field);
    if (listed.length < MAX_LISTED_ERRORS) {
      const message = field === 'body' && error.keyword === 'type' ? 'Must be a JSON object' : messageOf(error, part, allowed.get(error.instancePath));
      listed.push({ field, message });
    }
  }
  return { listed, total: errorTotals.get(errors) ?? seen.size };
}
