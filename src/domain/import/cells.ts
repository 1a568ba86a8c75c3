// What a cell's text means: the words for yes and no that exports and
// spreadsheets write (Excel writes its booleans in the user's language), what
// a plainly written number is, and the apostrophe spreadsheets put before
// digits to keep them text (and an export before any text that could be read
// as something else).
import type { JsonValue } from '../data.js';
import { PLAIN_NUMBER } from '../text.js';

// Maps, not object literals: a cell such as `constructor` must find nothing.
/** Excel's TRUE and FALSE in its main languages, and plain true/false: a boolean in a data column. */
const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true], ['false', false],
  ['wahr', true], ['falsch', false], // German
  ['vrai', true], ['faux', false], // French
  ['verdadero', true], ['falso', false], // Spanish (and Italian, Portuguese FALSO)
  ['vero', true], // Italian
  ['waar', true], ['onwaar', false], // Dutch
  ['verdadeiro', true], // Portuguese
  ['sant', true], ['falskt', false], // Swedish
]);

/** What a subscription column may say: the boolean words, and the yes/no of consent columns. */
const CONSENT_WORDS = new Map<string, boolean>([
  ...BOOLEAN_WORDS,
  ['yes', true], ['y', true], ['1', true], ['on', true], ['subscribed', true], ['opted in', true],
  ['no', false], ['n', false], ['0', false], ['off', false], ['unsubscribed', false], ['opted out', false],
]);

const WORD_LENGTHS = [...BOOLEAN_WORDS.keys()].map((word) => word.length);
const SHORTEST_WORD = Math.min(...WORD_LENGTHS);
const LONGEST_WORD = Math.max(...WORD_LENGTHS);

export function booleanWord(text: string): boolean | undefined {
  // Lower-casing keeps the length of any text it turns into one of these
  // ASCII words, so other lengths are answered without a lower-cased copy.
  if (text.length < SHORTEST_WORD || text.length > LONGEST_WORD) return undefined;
  return BOOLEAN_WORDS.get(text.toLowerCase());
}

export function consentWord(text: string): boolean | undefined {
  return CONSENT_WORDS.get(text.toLowerCase().replace(/\s+/g, ' '));
}

/** A number written plainly that reads back as the same text (`02134`, `1.50`, `1e5` do not). */
export function plainNumber(text: string): number | undefined {
  if (!PLAIN_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return String(value) === text ? value : undefined;
}

/** A number as a person may write one where a number is asked for (`+42`, `1.50`, `1e5`). */
export function looseNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const APOSTROPHE = 0x27;

/** The first characters after which an apostrophe is protective: digits, `+ - =` (as spreadsheets), `@` and `'`. */
const PROTECTED_START = /^[0-9+\-=@']/;

/**
 * Whether `rest` is text that an apostrophe in front of it keeps as text:
 * empty, starting with a digit, `+`, `-`, `=`, `@` or `'`, or a boolean word
 * (any case). The one rule both sides use: the reader below, and
 * protectForCsv for the export.
 */
function needsProtection(rest: string): boolean {
  return rest === '' || PROTECTED_START.test(rest) || booleanWord(rest) !== undefined;
}

/**
 * A cell without its protective apostrophe, or undefined when it has none:
 * the apostrophe a spreadsheet adds to keep digits (or a leading +, - or =)
 * as text, and the one an export adds before `@`, before another `'`, before
 * a boolean word, or alone (the cell `'` is the empty string). Exactly one
 * apostrophe is removed; a protected cell makes its column text.
 */
export function withoutProtectiveApostrophe(text: string): string | undefined {
  if (text.charCodeAt(0) !== APOSTROPHE) return undefined;
  const rest = text.slice(1);
  return needsProtection(rest) ? rest : undefined;
}

/**
 * A string as an export writes it in a CSV cell, so that the import reads it
 * back as exactly that string in a text column: `'` + s when s is empty,
 * starts with a digit, `+`, `-`, `=`, `@` or `'`, or is a boolean word (any
 * case); otherwise s. (Quoting is the CSV writer's business, not this.)
 */
export function protectForCsv(s: string): string {
  return needsProtection(s) ? `'${s}` : s;
}

export type ColumnType = 'string' | 'number' | 'boolean';

/** A cell's value under its column's type, or undefined when the cell cannot be read as that type. */
export function readCell(text: string, type: ColumnType, forced: boolean): JsonValue | undefined {
  if (type === 'string') return text;
  if (type === 'boolean') return forced ? consentWord(text) : booleanWord(text);
  return forced ? looseNumber(text) : plainNumber(text);
}

/**
 * Decides a column's type from its cells, one at a time: boolean while every
 * non-empty cell is a boolean word, number while every one is a plain
 * number, else string.
 */
export class ColumnTyping {
  private couldBeBoolean = true;
  private couldBeNumber = true;
  private seen = false;

  see(text: string, protectedText: boolean): void {
    this.seen = true;
    if (protectedText) {
      this.couldBeBoolean = this.couldBeNumber = false;
      return;
    }
    if (this.couldBeBoolean && booleanWord(text) === undefined) this.couldBeBoolean = false;
    if (this.couldBeNumber && plainNumber(text) === undefined) this.couldBeNumber = false;
  }

  get type(): ColumnType {
    if (!this.seen) return 'string';
    if (this.couldBeBoolean) return 'boolean';
    if (this.couldBeNumber) return 'number';
    return 'string';
  }
}
