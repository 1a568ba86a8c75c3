// The dashboard's session cookie and its CSRF token. The cookie holds a
// random token (its SHA-256 is what the database keeps); HttpOnly, SameSite
// Lax, Path /, and Secure when the request came over HTTPS (as fastify sees
// it: behind a proxy, set TRUST_PROXY). Every form that changes anything
// carries the session's CSRF token, and a POST whose Origin is another site's
// is refused as well.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageError } from './errors.js';
import { SESSION_MS, type AdminService } from '../domain/admins.js';

export const COOKIE = 'rolodex_session';

export interface WebSession {
  adminId: string;
  email: string;
  csrfToken: string;
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_MS / 1000}${secure}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('Set-Cookie', `${COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0${secure}`);
}

export async function readSession(admins: AdminService, request: FastifyRequest): Promise<WebSession | undefined> {
  const found = await admins.session(cookieValue(request, COOKIE));
  return found && { adminId: found.admin.id, email: found.admin.email, csrfToken: found.session.csrfToken };
}

/** Refuses (403) a form post sent from another site (when the browser says where it came from). */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== request.headers.host) throw new PageError(403, 'This form was sent from another site');
  }
}

/** Refuses (403) a form post without this session's token, or sent from another site. */
export function checkCsrf(request: FastifyRequest, session: WebSession, token: unknown): void {
  checkOrigin(request);
  if (typeof token !== 'string' || token !== session.csrfToken) {
    throw new PageError(403, 'This form has expired (or came from elsewhere): reload the page and send it again');
  }
}
