// API keys: the scope whose routes need a key (its onRequest hook checks the
// key and the rate limit, then refuses an encoded body), and the replay of
// that check for a path the router refuses before any route: under /contacts
// such a path still needs a key before its 404, as any other id would.
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { KeyCache } from '../../domain/key-cache.js';
import { ProjectService } from '../../domain/projects.js';
import type { Store } from '../../domain/store.js';
import type { FastifyTypeBox } from '../app.js';
import { unsupportedEncoding } from '../content-encoding.js';
import { handleError, sendError } from '../error-response.js';
import { applyRateLimit, type RateLimiter } from '../rate-limit.js';
import type { AppPlugin } from './app-wide.js';
import type { RouteTable } from './route-table.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The project of the API key that authenticated this request. */
    projectId: string;
  }
}

/** The project a request acts for, once its key and the rate limit let it through; else throws the refusal. */
export type Authorize = (request: FastifyRequest, reply: FastifyReply) => Promise<string>;

export function authorizer(store: Store, rateLimiter: RateLimiter | undefined): Authorize {
  const projects = new ProjectService(store, new KeyCache());
  return async (request, reply) => {
    const projectId = await projects.authenticate(request.headers.authorization);
    if (rateLimiter) await applyRateLimit(rateLimiter, projectId, reply);
    return projectId;
  };
}

/**
 * fastify's `frameworkErrors`: a path the router cannot decode (or with a
 * parameter over its length limit) names nothing that exists. It gets the
 * 404 the route table gives it, after the key check where the table says a
 * key is needed.
 */
export function replayForRefusedPath(routes: RouteTable, authorize: Authorize): FastifyServerOptions['frameworkErrors'] {
  return (error, request, reply) => {
    const { needsKey, missing } = routes.refusedPath(request.url);
    if (!needsKey) return sendError(reply, missing);
    authorize(request, reply).then(
      () => sendError(reply, missing),
      (refused: FastifyError) => handleError(refused, request, reply),
    );
  };
}

export interface AuthOptions {
  authorize: Authorize;
  /** Told which routes need a key: those `register` adds. */
  routes: RouteTable;
  /** Registers the routes that need a key. */
  register(api: FastifyTypeBox): Promise<void>;
}

/** A scope in which every route needs a key: the routes `register` adds. */
export const auth: AppPlugin<AuthOptions> = async (scope, { authorize, routes, register }) => {
  const api = scope.withTypeProvider<TypeBoxTypeProvider>();
  api.decorateRequest('projectId', '');
  api.addHook('onRoute', (route) => routes.requireKey(route.url));
  api.addHook('onRequest', async (request, reply) => {
    request.projectId = await authorize(request, reply);
    const encoded = unsupportedEncoding(request);
    if (encoded) throw encoded;
  });
  await register(api);
};
