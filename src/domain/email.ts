// What counts as an email address (CONTRACT.md, "The contact object"), and its
// stored form: trimmed and lower-cased.
import { invalidField } from './errors.js';
import { codePointLength } from './text.js';

const MAX_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
// Whitespace, control and format characters (which include the invisible
// zero-width ones) never belong in an address.
const FORBIDDEN = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** False for text holding a character that no valid address can hold. */
export function couldBeInEmail(text: string): boolean {
  return text.isWellFormed() && !FORBIDDEN.test(text);
}

export function isValidEmail(email: string): boolean {
  // 254 characters are at most 508 UTF-16 units: a longer text fails without being scanned.
  if (email.length > 2 * MAX_LENGTH || !couldBeInEmail(email)) return false;
  if (email.length === 0 || codePointLength(email) > MAX_LENGTH) return false;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return false;
  if (codePointLength(email.slice(0, at)) > MAX_LOCAL_LENGTH) return false;
  const labels = email.slice(at + 1).split('.');
  return labels.length >= 2 && labels.every((label) => label.length > 0);
}

/** The stored form of an address, or a 400 naming `field`. */
export function parseEmail(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) throw invalidField(field, 'Invalid email address');
  return email;
}
