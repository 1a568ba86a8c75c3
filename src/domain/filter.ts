// The filters of the list, the export and bulk jobs: what a client writes
// (query parameters, or the same as JSON in a bulk job's `filter`) and the
// checked form the stores run (ContactFilter). Every rule of "which contacts
// match" lives here; the stores only translate it into SQL.
import { isValidKeyLength } from './data.js';
import { couldBeInEmail, parseEmail } from './email.js';
import { validationError, type FieldError } from './errors.js';
import { isId } from './ids.js';
import type { ContactFilter, ContactRecord, DataMatch } from './store.js';

/** A filter as a client writes it; times are ISO 8601 text, data values as in `data.<key>=<value>`. */
export interface FilterInput {
  search?: string;
  subscribed?: boolean;
  email?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  /** Key → value; the empty string (or null in JSON) asks for contacts that have the key. */
  data?: Record<string, string | number | boolean | null>;
}

/** A checked filter, or `nothing` when no stored contact could match it (a search for a space, say). */
export type CheckedFilter = ContactFilter | 'nothing';

/** At most this many `data.<key>` conditions: a contact holds at most 100 keys. */
const MAX_DATA_CONDITIONS = 100;
export const MAX_EXCLUDED_IDS = 1000;

// An instant: a date, a time and a zone (Z or an offset). Without a zone the
// text names no instant, so it is refused rather than read in some zone.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO 8601 instant as milliseconds since the epoch: whole milliseconds,
 * and whether digits beyond them were given (then the instant lies strictly
 * between `ms` and `ms + 1`). Undefined when the text is not an instant.
 */
export function parseInstant(text: string): { ms: number; fraction: boolean } | undefined {
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', digits = '', zone] = match as unknown as string[];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const local = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // Date.UTC rolls 31 February over into March: a day that does not exist is refused.
  if (new Date(local).getUTCDate() !== day || year! < 1) return undefined;
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const [oh, om] = [Number(zone!.slice(1, 3)), Number(zone!.slice(-2))];
    if (oh > 23 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  const ms = local - offset + Number(digits.slice(0, 3).padEnd(3, '0'));
  return { ms, fraction: /[1-9]/.test(digits.slice(3)) };
}

/** The JSON texts a data value matching `value` may have: the string itself, and a number or boolean written the same. */
export function dataTexts(value: string): string[] {
  const texts = [JSON.stringify(value)];
  if (value === 'true' || value === 'false') texts.push(value);
  else {
    const number = Number(value);
    if (Number.isFinite(number) && JSON.stringify(number) === value) texts.push(value);
  }
  return texts;
}

function dataValueText(value: string | number | boolean | null): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Whether a filter names any condition at all (an empty one would select every contact). */
export function isEmptyFilter(input: FilterInput): boolean {
  return (
    input.search === undefined &&
    input.subscribed === undefined &&
    input.email === undefined &&
    input.createdAfter === undefined &&
    input.createdBefore === undefined &&
    input.updatedAfter === undefined &&
    input.updatedBefore === undefined &&
    Object.keys(input.data ?? {}).length === 0
  );
}

/**
 * Checks a filter and puts it in the form the stores run. `prefix` names the
 * fields in errors (`filter.` in a bulk job's body). Every invalid part is a
 * 400 naming it; several are reported together.
 */
export function checkFilter(input: FilterInput, prefix = '', excludeIds: string[] = []): CheckedFilter {
  const errors: FieldError[] = [];
  const filter: ContactFilter = {};
  let nothing = false;

  if (input.search !== undefined) {
    const search = input.search.toLowerCase();
    // Nothing stored can hold such text, and databases refuse some of it (NUL) outright.
    if (!couldBeInEmail(search)) nothing = true;
    filter.search = search;
  }
  if (input.subscribed !== undefined) filter.subscribed = input.subscribed;
  if (input.email !== undefined) {
    try {
      filter.email = parseEmail(input.email, `${prefix}email`);
    } catch {
      errors.push({ field: `${prefix}email`, message: 'Invalid email address: give one whole address (use search for a part of one)' });
    }
  }

  const bound = (name: 'createdAfter' | 'createdBefore' | 'updatedAfter' | 'updatedBefore'): number | undefined => {
    const text = input[name];
    if (text === undefined) return undefined;
    const instant = parseInstant(text);
    if (!instant) {
      errors.push({ field: `${prefix}${name}`, message: 'Must be an ISO 8601 instant with a time zone, such as 2026-01-31T09:30:00Z' });
      return undefined;
    }
    // Stored times are whole milliseconds: "after x.5" is "after x", "before x.5" is "before x + 1".
    return name.endsWith('Before') && instant.fraction ? instant.ms + 1 : instant.ms;
  };
  filter.createdAfter = bound('createdAfter');
  filter.createdBefore = bound('createdBefore');
  filter.updatedAfter = bound('updatedAfter');
  filter.updatedBefore = bound('updatedBefore');

  const data: DataMatch[] = [];
  for (const [key, value] of Object.entries(input.data ?? {})) {
    if (!isValidKeyLength(key)) {
      errors.push({ field: `${prefix}data.${key.slice(0, 100)}`, message: 'A data key is 1 to 100 characters' });
      continue;
    }
    const text = dataValueText(value);
    data.push(text === '' ? { key } : { key, jsonTexts: dataTexts(text) });
  }
  if (data.length > MAX_DATA_CONDITIONS) {
    errors.push({ field: `${prefix}data`, message: `At most ${MAX_DATA_CONDITIONS} data conditions (a contact holds at most 100 keys)` });
  }
  if (data.length > 0) filter.data = data;

  if (excludeIds.length > 0) {
    // An id that is not one matches no contact, so excluding it changes nothing.
    const ids = [...new Set(excludeIds)].filter(isId);
    if (ids.length > 0) filter.excludeIds = ids;
  }

  if (errors.length > 0) throw validationError(errors);
  for (const key of Object.keys(filter) as (keyof ContactFilter)[]) if (filter[key] === undefined) delete filter[key];
  return nothing ? 'nothing' : filter;
}

/**
 * The `data.<key>` parameters of a query string (`data.plan=pro`), as a
 * filter's data. A key given twice is refused: a contact holds one value per key.
 */
export function dataParameters(query: Record<string, unknown>): Record<string, string> | undefined {
  let data: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('data.')) continue;
    const key = name.slice('data.'.length);
    if (typeof value !== 'string') {
      throw validationError([{ field: name, message: 'Given more than once: a data key takes one value (give other keys as further data.<key> parameters)' }]);
    }
    // A map keyed by the client's text: `__proto__` is a key like any other.
    data ??= Object.create(null) as Record<string, string>;
    data[key] = value;
  }
  return data;
}

/** Whether a filter needs more than the per-project counters to count (anything beyond `subscribed`). */
export function needsScan(filter: ContactFilter): boolean {
  return Object.keys(filter).some((key) => key !== 'subscribed');
}

const excludedSets = new WeakMap<string[], Set<string>>();

function excludedSet(ids: string[]): Set<string> {
  let set = excludedSets.get(ids);
  if (!set) excludedSets.set(ids, (set = new Set(ids)));
  return set;
}

/**
 * Whether a contact matches a checked filter: the stores' SQL rule, in
 * JavaScript, for a contact read earlier and looked at again (a bulk job's
 * step checks that each contact it found still matches).
 */
export function matchesFilter(filter: ContactFilter, contact: ContactRecord): boolean {
  if (filter.search !== undefined && !contact.email.includes(filter.search)) return false;
  if (filter.subscribed !== undefined && contact.subscribed !== filter.subscribed) return false;
  if (filter.email !== undefined && contact.email !== filter.email) return false;
  if (filter.createdAfter !== undefined && !(contact.createdAt > filter.createdAfter)) return false;
  if (filter.createdBefore !== undefined && !(contact.createdAt < filter.createdBefore)) return false;
  if (filter.updatedAfter !== undefined && !(contact.updatedAt > filter.updatedAfter)) return false;
  if (filter.updatedBefore !== undefined && !(contact.updatedAt < filter.updatedBefore)) return false;
  if (filter.excludeIds !== undefined && excludedSet(filter.excludeIds).has(contact.id)) return false;
  if (filter.data !== undefined) {
    const data = JSON.parse(contact.dataJson) as Record<string, unknown>;
    for (const match of filter.data) {
      if (!Object.hasOwn(data, match.key)) return false;
      // The stored text is JSON.stringify's, so writing the value again gives it back.
      if (match.jsonTexts !== undefined && !match.jsonTexts.includes(JSON.stringify(data[match.key]))) return false;
    }
  }
  return true;
}
