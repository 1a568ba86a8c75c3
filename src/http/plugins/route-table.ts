// The one route table: every route as fastify registers it (the onRoute
// hook), with what the rules around the routes need to know of it. The 404
// and 405 answers, the key check before the 404 of a path the router refuses
// (plugins/auth.ts), and the fixed paths' refusal of other methods all read
// it, so a route joins them by being registered, wherever that is.
import FindMyWay from 'find-my-way';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError, notFound } from '../../domain/errors.js';
import { sendError } from '../error-response.js';
import type { FastifyTypeBox } from '../app.js';
import { appWide } from './app-wide.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the routes `refuseOtherMethods` adds: they only answer 405, so the table leaves them out. */
    refusesMethod?: boolean;
  }
}

/** Ids are never this long, but a long one must still be a plain 404. */
const MAX_PARAM_LENGTH = 2048;

/** fastify's router options; the table's own router (for 405) is built with the same. */
export const ROUTER_OPTIONS = Object.freeze({ maxParamLength: MAX_PARAM_LENGTH });

/**
 * What a route's last segment names when it is a parameter: a path of the
 * route's shape whose parameter cannot be decoded names nothing, and is
 * answered as the route answers an id that names nothing (GET /contacts/%ZZ:
 * "Contact not found").
 */
const NAMED_BY_PARAMETER = new Map([
  ['id', 'Contact'],
  ['jobId', 'Job'],
  ['webhookId', 'Webhook'],
]);

/** One route path and what the table knows of it. */
interface Route {
  /** The pattern as registered (`/contacts/:id`); its segments split on `/`. */
  segments: string[];
  /** Its methods, exactly as registered. */
  methods: Method[];
  /** Registered where the key check runs (plugins/auth.ts). */
  needsKey: boolean;
  /** What its last segment names, when that is a parameter (`Contact` for /contacts/:id). */
  names: string | undefined;
}

/** Whether `path` has the shape of the route: the same segments, a parameter standing for any one of them. */
function fits(route: Route, path: string[]): boolean {
  return route.segments.length === path.length && route.segments.every((segment, i) => segment.startsWith(':') || segment === path[i]);
}

function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

export class RouteTable {
  /** By pattern, in the order of registration. */
  private readonly routes = new Map<string, Route>();
  /** A second router that mirrors every route fastify registers, so a 405 (and its Allow) always matches the real routing. */
  private readonly mirror = FindMyWay(ROUTER_OPTIONS);

  /** Called for every route fastify registers. */
  add(route: RouteOptions): void {
    if (route.config?.refusesMethod) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m): m is Method => METHODS.includes(m as Method));
    for (const method of methods) this.mirror.on(method, route.url, () => undefined);
    const known = this.routes.get(route.url);
    if (known) {
      known.methods.push(...methods);
      return;
    }
    const segments = route.url.split('/');
    const last = segments[segments.length - 1] ?? '';
    const names = last.startsWith(':') ? NAMED_BY_PARAMETER.get(last.slice(1)) : undefined;
    this.routes.set(route.url, { segments, methods, needsKey: false, names });
  }

  /** Marks a registered route as one that needs a key (plugins/auth.ts registers it). */
  requireKey(url: string): void {
    const route = this.routes.get(url);
    if (route) route.needsKey = true;
  }

  /** The methods some route takes `url` under. */
  allowedMethods(url: string): Method[] {
    const path = pathOf(url);
    return METHODS.filter((method) => this.mirror.find(method, path) !== null);
  }

  /**
   * The answer to a path the router refuses before any route (one that does
   * not decode, or a parameter over the length limit): the 404 of the route
   * whose shape it has, or "No such route"; and whether it needs a key
   * first, as it does anywhere under the first segment of a route that
   * needs one (/contacts…), as any other id would.
   */
  refusedPath(url: string): { needsKey: boolean; missing: AppError } {
    const path = pathOf(url).split('/');
    const routes = [...this.routes.values()];
    const named = routes.find((route) => route.names !== undefined && fits(route, path));
    const needsKey = path[0] === '' && routes.some((route) => route.needsKey && route.segments[1] === path[1]);
    return { needsKey, missing: named?.names ? notFound(named.names) : new AppError('NOT_FOUND', 'No such route') };
  }

  /**
   * The routes with a fixed path that a parameter route beside it would
   * also take (/contacts/bulk-delete and /contacts/:id; /contacts/import/preview
   * and /contacts/import/:jobId), with their patterns.
   */
  private fixedPathsBesideParameters(): [string, Route][] {
    const routes = [...this.routes];
    const parameterRoutes = routes.filter(([url]) => url.includes(':'));
    return routes.filter(([url, route]) => !/[:*]/.test(url) && parameterRoutes.some(([, beside]) => fits(beside, route.segments)));
  }

  /**
   * Makes every fixed path a parameter route beside it would also take its
   * own path for every method: without this, a method it does not take
   * falls to the parameter route (GET /contacts/bulk-delete would look up a
   * contact named "bulk-delete"). Call once all routes are registered.
   */
  refuseOtherMethods(app: FastifyTypeBox): void {
    for (const [url, { methods }] of this.fixedPathsBesideParameters()) {
      const others = METHODS.filter((method) => !methods.includes(method));
      const refusal = (request: FastifyRequest, reply: FastifyReply) => refuse(request, reply, methods);
      app.route({
        // fastify adds HEAD to a GET route itself.
        method: others.includes('GET') ? others.filter((method) => method !== 'HEAD') : others,
        url,
        config: { refusesMethod: true },
        schema: { hide: true },
        // Answered before any body is read, as for a path no route takes:
        // the method is wrong whatever the body's type or size.
        onRequest: (request, reply) => void refusal(request, reply),
        handler: refusal,
      });
    }
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, methods: Method[]): FastifyReply {
  reply.header('Allow', methods.join(', '));
  return sendError(reply, new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${methods.join(', ')}`));
}

/**
 * Fills `routes` with every route registered after it, and answers a request
 * no route takes: 405 with Allow where the path exists under other methods,
 * else 404.
 */
export const routeTable = appWide<{ routes: RouteTable }>('route-table', async (app, { routes }) => {
  app.addHook('onRoute', (route) => routes.add(route));
  app.setNotFoundHandler((request, reply) => {
    const methods = routes.allowedMethods(request.url);
    if (methods.length > 0 && !methods.includes(request.method as Method)) return refuse(request, reply, methods);
    return sendError(reply, new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
});
