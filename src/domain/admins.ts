// The dashboard's operators: created from the command line, logged in with
// email and password, kept in by a session in the database (so any API
// process serves it). Passwords are hashed with scrypt (memory-hard, from
// node:crypto, run on libuv's thread pool rather than the event loop); a
// session's token is stored only as its SHA-256. Failed logins are counted
// per account and per address in the database, so every process throttles
// alike.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError, invalidField } from './errors.js';
import { isValidEmail, normalizeEmail } from './email.js';
import { newId } from './ids.js';
import type { AdminRecord, SessionRecord, Store } from './store.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** scrypt cost: N = 2^15, r = 8 (32 MiB and ~100 ms a hash on this class of machine). */
const SCRYPT = { logN: 15, r: 8, p: 1, keylen: 32 };
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;
/** A session lasts this long from login; logging out ends every session of the operator. */
export const SESSION_MS = 12 * 3600_000;
/** Failed logins are remembered this long, and at most this many are allowed in it. */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

async function hashPassword(password: string, salt = randomBytes(16), cost = SCRYPT): Promise<string> {
  const hash = await scryptAsync(password, salt, cost.keylen, { N: 2 ** cost.logN, r: cost.r, p: cost.p, maxmem: 256 * 2 ** 20 });
  return `scrypt$${cost.logN}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const cost = { logN: Number(logN), r: Number(r), p: Number(p), keylen: expected.length };
  const actual = Buffer.from((await hashPassword(password, Buffer.from(salt, 'base64url'), cost)).split('$')[5]!, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash to check against when the account does not exist, so that a wrong email takes as long as a wrong password. */
let decoy: Promise<string> | undefined;

function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface Session {
  admin: AdminRecord;
  session: SessionRecord;
}

export type LoginOutcome = { session: Session; token: string } | { refused: 'credentials' | 'throttled' };

export class AdminService {
  constructor(private readonly store: Store) {}

  /** A new operator; without a password, one is generated and returned (to be shown once). */
  async create(rawEmail: string, password?: string): Promise<{ admin: AdminRecord; generatedPassword?: string }> {
    const email = normalizeEmail(rawEmail);
    if (!isValidEmail(email)) throw invalidField('email', 'Invalid email address');
    const generated = password === undefined ? randomBytes(15).toString('base64url') : undefined;
    const chosen = password ?? generated!;
    if ([...chosen].length < MIN_PASSWORD_LENGTH) throw invalidField('password', `At least ${MIN_PASSWORD_LENGTH} characters`);
    if (chosen.length > MAX_PASSWORD_LENGTH) throw invalidField('password', `At most ${MAX_PASSWORD_LENGTH} characters`);
    const admin: AdminRecord = { id: newId(), email, passwordHash: await hashPassword(chosen), createdAt: Date.now() };
    if (!(await this.store.admins.create(admin))) throw new AppError('CONFLICT', `An operator with the email ${email} already exists`);
    return generated === undefined ? { admin } : { admin, generatedPassword: generated };
  }

  list(): Promise<AdminRecord[]> {
    return this.store.admins.list();
  }

  async delete(rawEmail: string): Promise<boolean> {
    return this.store.admins.delete(normalizeEmail(rawEmail));
  }

  /**
   * Checks a login. More than MAX_FAILURES_PER_ACCOUNT failures for the
   * account, or MAX_FAILURES_PER_ADDRESS from the address, within
   * THROTTLE_WINDOW_MS refuse it before the password is looked at.
   */
  async login(rawEmail: string, password: string, address: string, now = Date.now()): Promise<LoginOutcome> {
    const email = normalizeEmail(rawEmail).slice(0, 512);
    const accountKey = `account:${email}`;
    const addressKey = `address:${address}`;
    const since = now - THROTTLE_WINDOW_MS;
    const [byAccount, byAddress] = await Promise.all([
      this.store.admins.countLoginFailures(accountKey, since),
      this.store.admins.countLoginFailures(addressKey, since),
    ]);
    if (byAccount >= MAX_FAILURES_PER_ACCOUNT || byAddress >= MAX_FAILURES_PER_ADDRESS) return { refused: 'throttled' };

    const admin = await this.store.admins.findByEmail(email);
    const valid = password.length <= MAX_PASSWORD_LENGTH && (admin
      ? await passwordMatches(password, admin.passwordHash)
      : (await passwordMatches(password, await (decoy ??= hashPassword(randomBytes(16).toString('hex'))))) && false);
    if (!admin || !valid) {
      await this.store.admins.recordLoginFailure([accountKey, addressKey], now);
      return { refused: 'credentials' };
    }
    await this.store.admins.clearLoginFailures(accountKey, since);
    const token = randomBytes(32).toString('base64url');
    const session: SessionRecord = {
      tokenHash: tokenHash(token),
      adminId: admin.id,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: now + SESSION_MS,
    };
    await this.store.admins.createSession(session);
    return { session: { admin, session }, token };
  }

  /** The live session a cookie's token names, if any. */
  async session(token: string | undefined, now = Date.now()): Promise<Session | undefined> {
    if (!token || token.length > 100) return undefined;
    return this.store.admins.findSession(tokenHash(token), now);
  }

  /** Logs the operator out everywhere: every one of their sessions ends. */
  async logout(adminId: string): Promise<void> {
    await this.store.admins.deleteSessions(adminId);
  }
}
