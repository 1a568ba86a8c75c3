// The route table (src/http/plugins/route-table.ts) learns the routes as they
// are registered: a route added to the keyed scope later (here GET
// /contacts/export, beside /contacts/:id) joins the 405, key and 404 rules
// without the table naming it. A small app of the real plugins, no store.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../src/domain/errors.js';
import { handleError } from '../../src/http/error-response.js';
import { auth, replayForRefusedPath, type Authorize } from '../../src/http/plugins/auth.js';
import { ROUTER_OPTIONS, RouteTable, routeTable } from '../../src/http/plugins/route-table.js';
import type { FastifyTypeBox } from '../../src/http/app.js';

const KEY = { authorization: 'Bearer sk_test' };

const authorize: Authorize = async (request) => {
  if (request.headers.authorization !== KEY.authorization) throw new AppError('UNAUTHORIZED', 'No key');
  return 'project';
};

async function smallApp(): Promise<FastifyTypeBox> {
  const routes = new RouteTable();
  const app = Fastify({ routerOptions: ROUTER_OPTIONS, frameworkErrors: replayForRefusedPath(routes, authorize) }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(handleError);
  await app.register(routeTable, { routes });
  app.get('/health', async () => ({ route: 'health' }));
  await app.register(auth, {
    authorize,
    routes,
    async register(api) {
      api.get('/contacts/:id', async () => ({ route: 'contact' }));
      api.patch('/contacts/:id', async () => ({ route: 'contact' }));
      api.get('/contacts/import/:jobId', async () => ({ route: 'job' }));
      api.get('/contacts/import/:jobId/errors.csv', async () => ({ route: 'errors' }));
      // In a scope of its own, as the uploads are: still keyed.
      await api.register(async (uploads) => {
        uploads.post('/contacts/import/preview', async () => ({ route: 'preview' }));
      });
      // The route no rule names.
      api.get('/contacts/export', async () => ({ route: 'export' }));
    },
  });
  routes.refuseOtherMethods(app);
  await app.ready();
  return app;
}

describe('the route table', () => {
  let app: FastifyTypeBox;
  before(async () => {
    app = await smallApp();
  });
  after(async () => app.close());

  const answer = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers = {}) => {
    const response = await app.inject({ method, url, headers });
    return { status: response.statusCode, allow: response.headers.allow, body: JSON.parse(response.body) as Record<string, any> };
  };

  test('a fixed path added beside a parameter route is its own path for every method', async () => {
    assert.deepEqual(await answer('GET', '/contacts/export', KEY), { status: 200, allow: undefined, body: { route: 'export' } });
    // Without the table, PATCH would reach PATCH /contacts/:id with the id "export".
    const patched = await answer('PATCH', '/contacts/export', KEY);
    assert.equal(patched.status, 405);
    assert.equal(patched.allow, 'GET, HEAD');
    assert.equal((await answer('DELETE', '/contacts/export')).allow, 'GET, HEAD');
    assert.equal((await answer('GET', '/contacts/import/preview', KEY)).allow, 'POST');
  });

  test('routes registered in the keyed scope need a key, nested scopes too; others do not', async () => {
    assert.equal((await answer('GET', '/contacts/export')).status, 401);
    assert.equal((await answer('POST', '/contacts/import/preview')).status, 401);
    assert.equal((await answer('GET', '/health')).status, 200);
  });

  test('a path the router cannot decode: a key first under a keyed route\'s first segment, then the 404 its shape names', async () => {
    const cases: [url: string, keyed: boolean, message: string][] = [
      ['/contacts/%ZZ', true, 'Contact not found'],
      ['/contacts/import/%ZZ', true, 'Job not found'],
      ['/contacts/import/%ZZ/errors.csv', true, 'No such route'],
      ['/contacts/export/%ZZ', true, 'No such route'],
      ['/contacts/%ZZ/a/b', true, 'No such route'],
      [`/contacts/${'x'.repeat(3000)}`, true, 'Contact not found'],
      ['/contacts%ZZ', false, 'No such route'],
      ['/health%ZZ', false, 'No such route'],
    ];
    for (const [url, keyed, message] of cases) {
      const without = await answer('GET', url);
      assert.equal(without.status, keyed ? 401 : 404, url.slice(0, 40));
      const withKey = await answer('GET', url, KEY);
      assert.equal(withKey.status, 404, url.slice(0, 40));
      assert.equal(withKey.body.error.message, message, url.slice(0, 40));
    }
  });

  test('a path no route takes: 405 with Allow where the path exists under other methods, else 404', async () => {
    const deleted = await answer('DELETE', '/health');
    assert.equal(deleted.status, 405);
    assert.equal(deleted.allow, 'GET, HEAD');
    const nowhere = await answer('GET', '/contacts/a/b');
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.body.error.message, 'No route GET /contacts/a/b');
  });
});
