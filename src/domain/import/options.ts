// The import's options, sent as multipart fields beside the file (the same
// on the preview): each checked here, and any other field refused, so a
// mistyped option (or a `dryRun` the service does not have) never imports
// something the user did not ask for.
import { validationError, type FieldError } from '../errors.js';
import { isPlainObject } from '../data.js';
import { codePointLength } from '../text.js';
import type { ColumnType } from './cells.js';
import { ENCODINGS, type Encoding } from './decode.js';

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export type ColumnTarget = 'email' | 'subscribed' | null | string | { key: string; type: ColumnType };
export type ColumnMapping = Record<string, ColumnTarget>;

export interface ImportOptions {
  mapping?: ColumnMapping;
  /** The status of contacts the file creates when their row says nothing. */
  subscribed: boolean;
  /** Whether a row may turn an unsubscribed contact back to subscribed. */
  resubscribe: boolean;
  encoding?: Encoding;
  delimiter?: Delimiter;
}

export const OPTION_FIELDS = ['mapping', 'subscribed', 'resubscribe', 'encoding', 'delimiter'] as const;

export const DEFAULT_OPTIONS: ImportOptions = { subscribed: true, resubscribe: false };

const TYPES = new Set(['string', 'number', 'boolean']);

function readTarget(header: string, target: unknown, problems: FieldError[]): ColumnTarget | undefined {
  const field = `mapping.${header}`;
  if (target === null || target === 'email' || target === 'subscribed') return target;
  if (typeof target === 'string') {
    const length = codePointLength(target);
    if (length >= 1 && length <= 100) return target;
    problems.push({ field, message: 'A data key is 1-100 characters' });
    return undefined;
  }
  if (isPlainObject(target)) {
    const { key, type, ...rest } = target;
    const valid =
      Object.keys(rest).length === 0 &&
      typeof key === 'string' && codePointLength(key) >= 1 && codePointLength(key) <= 100 &&
      typeof type === 'string' && TYPES.has(type);
    if (valid) return { key, type: type as ColumnType };
  }
  problems.push({
    field,
    message: 'Must be "email", "subscribed", null (skip the column), a data key, or {"key": "…", "type": "string" | "number" | "boolean"}',
  });
  return undefined;
}

function readMapping(text: string, problems: FieldError[]): ColumnMapping | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push({ field: 'mapping', message: 'Must be a JSON object from header to target' });
    return undefined;
  }
  if (!isPlainObject(parsed)) {
    problems.push({ field: 'mapping', message: 'Must be a JSON object from header to target' });
    return undefined;
  }
  const mapping: ColumnMapping = Object.create(null) as ColumnMapping;
  for (const [header, target] of Object.entries(parsed)) {
    const read = readTarget(header, target, problems);
    if (read !== undefined) mapping[header] = read;
  }
  return mapping;
}

function readBoolean(name: string, text: string, problems: FieldError[]): boolean | undefined {
  if (text === 'true' || text === 'false') return text === 'true';
  problems.push({ field: name, message: 'Must be true or false' });
  return undefined;
}

/** The options from the multipart fields other than `file`; any other field, or a bad value, is a 400. */
export function parseImportOptions(fields: [name: string, value: string][]): ImportOptions {
  const options: ImportOptions = { ...DEFAULT_OPTIONS };
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  for (const [name, value] of fields) {
    if (seen.has(name)) {
      problems.push({ field: name, message: 'Given more than once' });
      continue;
    }
    seen.add(name);
    switch (name) {
      case 'mapping':
        options.mapping = readMapping(value, problems);
        break;
      case 'subscribed':
        options.subscribed = readBoolean(name, value, problems) ?? options.subscribed;
        break;
      case 'resubscribe':
        options.resubscribe = readBoolean(name, value, problems) ?? options.resubscribe;
        break;
      case 'encoding': {
        const encoding = value.toLowerCase().replace(/^utf8$/, 'utf-8');
        if ((ENCODINGS as readonly string[]).includes(encoding)) options.encoding = encoding as Encoding;
        else problems.push({ field: name, message: `Must be one of ${ENCODINGS.join(', ')}` });
        break;
      }
      case 'delimiter': {
        const delimiter = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
        if ((DELIMITERS as readonly string[]).includes(delimiter)) options.delimiter = delimiter as Delimiter;
        else problems.push({ field: name, message: 'Must be one of , ; | or a tab (\\t)' });
        break;
      }
      default:
        problems.push({ field: name, message: `Unknown field; an import takes "file" and the options ${OPTION_FIELDS.join(', ')}` });
    }
  }
  if (problems.length > 0) throw validationError(problems.slice(0, 100), problems.length);
  return options;
}
