// 405 instead of 404 when the path exists under another method. A second
// router mirrors every route fastify registers, so the answer (and the Allow
// header) always matches the real routing table.
import FindMyWay from 'find-my-way';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import { sendError } from './error-response.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the routes `refuseOtherMethods` adds: they only answer 405, so the mirror leaves them out. */
    refusesMethod?: boolean;
  }
}

export interface MethodTable {
  /** Answers a request no route takes: 405 with Allow where the path exists under other methods, else 404. */
  answerUnrouted(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /**
   * Makes every fixed path under `prefix` (/contacts/bulk-delete,
   * /contacts/import/preview) its own path for every method: without this, a
   * method it does not take falls to a parameter route beside it (GET
   * /contacts/bulk-delete would look up a contact named "bulk-delete"). Call
   * once all routes are registered.
   */
  refuseOtherMethods(prefix: string): void;
}

export function methodTable(app: FastifyInstance, maxParamLength: number): MethodTable {
  const mirror = FindMyWay({ maxParamLength });
  const noop = () => undefined;
  /** The methods of each route path, exactly as registered. */
  const routed = new Map<string, Method[]>();
  app.addHook('onRoute', (route) => {
    if (route.config?.refusesMethod) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m): m is Method => METHODS.includes(m as Method));
    for (const method of methods) mirror.on(method, route.url, noop);
    routed.set(route.url, [...(routed.get(route.url) ?? []), ...methods]);
  });

  const allowed = (url: string) => {
    const path = url.split('?')[0] ?? url;
    return METHODS.filter((method) => mirror.find(method, path) !== null);
  };

  const refuse = (request: FastifyRequest, reply: FastifyReply, methods: Method[]) => {
    reply.header('Allow', methods.join(', '));
    return sendError(reply, new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${methods.join(', ')}`));
  };

  const answerUnrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const methods = allowed(request.url);
    if (methods.length > 0 && !methods.includes(request.method as Method)) return refuse(request, reply, methods);
    return sendError(reply, new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
  };

  const refuseOtherMethods = (prefix: string) => {
    for (const [url, methods] of routed) {
      const rest = url.startsWith(`${prefix}/`) ? url.slice(prefix.length + 1) : '';
      if (rest === '' || /[:*]/.test(rest)) continue;
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
  };

  return { answerUnrouted, refuseOtherMethods };
}
