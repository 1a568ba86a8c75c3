// API keys: generated here, shown once, stored only as their SHA-256 hash.
// A key is `sk_` (secret) or `pk_` (public) and 32 random bytes in base62.
import { hash, randomBytes } from 'node:crypto';

export type KeyKind = 'secret' | 'public';

const PREFIX: Record<KeyKind, string> = { secret: 'sk_', public: 'pk_' };
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_BODY_LENGTH = 43; // 32 bytes need at most 43 base62 digits
const DISPLAY_PREFIX_LENGTH = 3 + 8;

function toBase62(bytes: Buffer): string {
  let value = BigInt('0x' + bytes.toString('hex'));
  let digits = '';
  while (value > 0n) {
    digits = BASE62[Number(value % 62n)]! + digits;
    value /= 62n;
  }
  return digits.padStart(KEY_BODY_LENGTH, '0');
}

export interface NewKey {
  raw: string;
  hash: Buffer;
  /** The first characters, enough to recognise a key in a list; never enough to use it. */
  prefix: string;
}

export function generateKey(kind: KeyKind): NewKey {
  const raw = PREFIX[kind] + toBase62(randomBytes(32));
  return { raw, hash: hashKey(raw), prefix: raw.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function hashKey(raw: string): Buffer {
  return hash('sha256', raw, 'buffer');
}

/** No key is this long; a longer Authorization header is refused unread. */
export const MAX_AUTHORIZATION_LENGTH = 1024;

function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * The token of an `Authorization: Bearer …` header (scheme case-insensitive),
 * or undefined when the header is missing, of another scheme, or empty.
 * Whatever follows the scheme is the token, spaces and all: `Bearer sk_… x`
 * is a token that is not a key, not a missing one. One pass, no regular
 * expression (whose backtracking made long runs of spaces cost their square);
 * a header over MAX_AUTHORIZATION_LENGTH is not read past its scheme, and its
 * token is the rest as it stands, which no key matches.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  if (header.length > 6 && !isSpaceOrTab(header.charCodeAt(6))) return undefined; // "Bearerish": another scheme
  if (header.length > MAX_AUTHORIZATION_LENGTH) return header.slice(7);
  let start = 7;
  let end = header.length;
  while (start < end && isSpaceOrTab(header.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(header.charCodeAt(end - 1))) end--;
  return start < end ? header.slice(start, end) : undefined;
}
