// Logging in and out. `/` is the login page without a session and the
// projects list with one; a successful login goes back to the page that
// asked for it (`next`, a path on this site only).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_FAILURES_PER_ACCOUNT, THROTTLE_WINDOW_MS } from '../../domain/admins.js';
import { field, seeOther, sendPage, type WebContext } from '../context.js';
import { html } from '../html.js';
import { notice, page } from '../layout.js';
import { checkOrigin, clearSessionCookie, setSessionCookie } from '../session.js';
import { projectsList } from './projects.js';

/** Only a path of this site: never `//elsewhere` or a full URL. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function loginForm(next: string, message?: ReturnType<typeof notice>, email = '') {
  return page({
    title: 'Log in',
    body: html`<section class="login">
      <h1>Log in to Rolodex</h1>
      ${message ?? ''}
      <form method="post" action="/login">
        <input type="hidden" name="next" value="${next}">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="${email}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Log in</button>
      </form>
      <p class="hint">Operators are created on the server: <code>rolodex admins create you@example.com</code>.</p>
    </section>`,
  });
}

export function loginPages(app: FastifyInstance, context: WebContext): void {
  app.get('/', async (request: FastifyRequest<{ Querystring: { next?: string } }>, reply) => {
    if (!request.webSession) return sendPage(reply, loginForm(safeNext(request.query.next)));
    return sendPage(reply, await projectsList(context, request.webSession));
  });

  app.post('/login', async (request, reply) => {
    // No session yet, so no CSRF token: a login posted from another site is refused by its Origin.
    checkOrigin(request);
    const email = field(request, 'email') ?? '';
    const next = safeNext(field(request, 'next'));
    const outcome = await context.admins.login(email, field(request, 'password') ?? '', request.ip);
    if ('refused' in outcome) {
      const throttled = outcome.refused === 'throttled';
      const message = throttled
        ? `Too many failed logins (${MAX_FAILURES_PER_ACCOUNT} for one account, or more from this address) in ${THROTTLE_WINDOW_MS / 60_000} minutes: wait, then try again.`
        : 'That email and password do not match an operator.';
      return sendPage(reply, loginForm(next, notice('error', message), email), throttled ? 429 : 401);
    }
    setSessionCookie(request, reply, outcome.token);
    return seeOther(reply, next);
  });

  app.post('/logout', async (request, reply) => {
    await context.admins.logout(request.webSession.adminId);
    clearSessionCookie(request, reply);
    return seeOther(reply, '/');
  });
}
