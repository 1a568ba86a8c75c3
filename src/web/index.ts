// The dashboard: server-rendered pages for operators, at / and under
// /projects, in their own fastify scope beside the API (which stays as it
// is). Forms work without JavaScript; the scripts in /assets add debounced
// search and selection across pages (contacts.js) and live job progress. Every page but the login
// needs a session; every form post needs the session's CSRF token. Pages are
// sent with a strict Content-Security-Policy (no inline script or style),
// framing refused, and no caching.
import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { WebContext } from './context.js';
import { sendPage } from './context.js';
import { PageError } from './errors.js';
import { formBodies } from './forms.js';
import { html } from './html.js';
import { notice, page } from './layout.js';
import { checkCsrf, readSession } from './session.js';
import { loginPages } from './pages/login.js';
import { projectPages } from './pages/projects.js';
import { contactPages } from './pages/contacts.js';
import { importPages } from './pages/imports.js';
import { jobPages } from './pages/jobs.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const ASSET_TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };

/** Every file of src/web/assets, read once at start. */
const ASSETS: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  readdirSync(new URL('./assets/', import.meta.url))
    .filter((name) => ASSET_TYPES[name.split('.').pop()!])
    .map((name) => [name, { type: ASSET_TYPES[name.split('.').pop()!]!, body: readFileSync(new URL(`./assets/${name}`, import.meta.url)) }]),
);

/** Paths a visitor without a session may reach: the login page itself and the assets. */
function isPublic(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === '/' || path === '/login' || path!.startsWith('/assets/');
}

export async function dashboard(app: FastifyInstance, context: WebContext): Promise<void> {
  formBodies(app);
  // Pages are not the API: none of them is in the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Frame-Options', 'DENY');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.addHook('preHandler', async (request, reply) => {
    const session = await readSession(context.admins, request);
    if (session) request.webSession = session;
    if (isPublic(request)) return;
    if (!session) {
      // A page asks for a login, then comes back; a form post without a session has nowhere to go back to.
      const back = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
      return reply.redirect(`/${back}`, 303);
    }
    // A multipart form (an upload) carries its token in the action's query; its page checks it.
    if (request.method === 'POST' && !String(request.headers['content-type']).startsWith('multipart/form-data')) checkCsrf(request, session, (request.body as Record<string, unknown> | undefined)?._csrf);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    let status = 500;
    let message = 'Something went wrong on our side. It has been logged; try again, and if it goes on, give this request id to whoever runs Rolodex.';
    if (error instanceof PageError) [status, message] = [error.statusCode, error.message];
    else if (error instanceof AppError && error.statusCode < 500) [status, message] = [error.statusCode, error.message];
    else if (error instanceof AppError) [status, message] = [error.statusCode, error.message];
    else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) [status, message] = [error.statusCode, error.message];
    else request.log.error({ err: error }, 'dashboard page failed');
    const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status < 500 ? 'That did not work' : 'Error';
    return sendPage(
      reply,
      page({
        title,
        session: request.webSession,
        body: html`<h1>${title}</h1>${notice('error', message, String(request.id))}<p><a href="/">Back to the projects</a></p>`,
      }),
      status,
    );
  });

  app.get('/assets/:name', async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const asset = Object.hasOwn(ASSETS, request.params.name) ? ASSETS[request.params.name] : undefined;
    if (!asset) throw new PageError(404, 'No such file');
    return reply.type(asset.type).header('Cache-Control', 'public, max-age=300').send(asset.body);
  });

  loginPages(app, context);
  projectPages(app, context);
  contactPages(app, context);
  importPages(app, context);
  jobPages(app, context);
}
