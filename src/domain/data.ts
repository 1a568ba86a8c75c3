// The rules for a contact's custom `data` (CONTRACT.md, "`data` rules"): a
// shallow merge where null deletes a key, and the limits checked after it.
// Objects built here have no prototype, so keys such as `__proto__` are plain
// data and can never reach Object.prototype.
import { invalidField } from './errors.js';
import { codePointLength } from './text.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type ContactData = Record<string, JsonValue>;
/** A patch: a key with value null deletes that key, any other value overwrites. */
export type DataPatch = Record<string, JsonValue>;

export const DATA_LIMITS = {
  maxKeys: 100,
  maxKeyLength: 100,
  maxBytes: 32 * 1024,
  /**
   * Levels of nesting, the data object itself being the first. Not in the
   * contract's list: without it the bound would be the engine's stack, which
   * varies by call site, so a contact could be stored and then never updated.
   */
  maxDepth: 100,
} as const;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function emptyData(): ContactData {
  return Object.create(null) as ContactData;
}

/** Parses stored data (always a JSON object) into a prototype-free object. */
export function parseData(json: string): ContactData {
  return Object.assign(emptyData(), JSON.parse(json) as ContactData);
}

export function mergeData(current: ContactData, patch: DataPatch): ContactData {
  const next = emptyData();
  for (const key of Object.keys(current)) next[key] = current[key]!;
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/**
 * Whether merging `patch` into `current` changes it. Only the patched keys
 * can differ, so only they are compared; a value equal by value (nested keys
 * perhaps in another order) is no change.
 */
export function patchChanges(current: ContactData, patch: DataPatch): boolean {
  return Object.keys(patch).some((key) => {
    const value = patch[key]!;
    return value === null ? Object.hasOwn(current, key) : !sameJson(current[key], value);
  });
}

/** Deep equality of JSON values; object key order does not count (JSON objects are unordered). */
export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

/**
 * What is wrong with a value's nesting or numbers, in one walk: objects and
 * arrays deeper than `levels` (the walk never recurses past that), or a
 * number too large for a double (JSON.parse reads 1e400 as Infinity, which
 * JSON.stringify would silently store as null).
 */
export function valueProblem(value: JsonValue, levels: number): 'depth' | 'number' | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'number';
  if (typeof value !== 'object' || value === null) return undefined;
  if (levels === 0) return 'depth';
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    const problem = valueProblem(child, levels - 1);
    if (problem) return problem;
  }
  return undefined;
}

/** The 400s for data over a limit: the same for one write and for an import's drafts (data-draft.ts). */
export const dataLimitError = {
  keys: (count: number) => invalidField('data', `data may have at most ${DATA_LIMITS.maxKeys} keys (has ${count})`),
  keyLength: () => invalidField('data', `data keys must be 1-${DATA_LIMITS.maxKeyLength} characters long`),
  depth: () => invalidField('data', `data may be nested at most ${DATA_LIMITS.maxDepth} levels deep`),
  number: () => invalidField('data', 'data numbers must fit in a 64-bit float (magnitude at most about 1.8e308)'),
  bytes: () => invalidField('data', `data may be at most ${DATA_LIMITS.maxBytes} bytes of JSON`),
};

export function isValidKeyLength(key: string): boolean {
  const length = codePointLength(key);
  return length >= 1 && length <= DATA_LIMITS.maxKeyLength;
}

/**
 * Checks the limits on a merged `data` object and returns its compact JSON,
 * which is what gets stored. Throws a 400 naming the limit that was passed.
 */
export function serializeData(data: ContactData): string {
  const keys = Object.keys(data);
  if (keys.length > DATA_LIMITS.maxKeys) throw dataLimitError.keys(keys.length);
  if (!keys.every(isValidKeyLength)) throw dataLimitError.keyLength();
  const problem = valueProblem(data, DATA_LIMITS.maxDepth);
  if (problem) throw dataLimitError[problem]();
  const json = JSON.stringify(data);
  if (Buffer.byteLength(json, 'utf8') > DATA_LIMITS.maxBytes) throw dataLimitError.bytes();
  return json;
}
