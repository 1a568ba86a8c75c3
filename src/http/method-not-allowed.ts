// 405 instead of 404 when the path exists under another method. A second
// router mirrors every route fastify registers, so the answer (and the Allow
// header) always matches the real routing table.
import FindMyWay from 'find-my-way';
import type { FastifyInstance } from 'fastify';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function methodNotAllowed(app: FastifyInstance, maxParamLength: number): (url: string) => string[] {
  const mirror = FindMyWay({ maxParamLength });
  const noop = () => undefined;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as Method)) mirror.on(method as Method, route.url, noop);
    }
  });
  return (url) => {
    const path = url.split('?')[0] ?? url;
    return METHODS.filter((method) => mirror.find(method, path) !== null);
  };
}
