// The time bound on searches (SEARCH_TIMEOUT_MS) on PostgreSQL: a search
// that runs past it is stopped by the database and answered with a 503 that
// says so; the bound is the search's own (SET LOCAL), so the connection goes
// back to the pool with the general statement timeout. A text search also
// plans with its own random_page_cost, for itself only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { timedSearch } from '../../src/storage/postgres/database.js';
import { hasPostgres, json } from '../support/app.js';
import type { Auth } from '../support/contacts.js';
import { startPostgresApp, type PostgresTestApp } from '../support/postgres-app.js';

const CONTACTS = 50_000;

describe('search time bound on PostgreSQL', { skip: !hasPostgres && 'no PostgreSQL in this run' }, () => {
  let t: PostgresTestApp;
  let auth: Auth;
  before(async () => {
    // One connection, so every query after the cut-off search runs on the very connection it used.
    t = await startPostgresApp({ max: 1, perProject: 1, searchTimeoutMs: 1 });
    const project = await t.project('big');
    auth = project.auth;
    // Enough rows that counting the matches takes well over 1 ms.
    await t.observer.query(
      `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
       SELECT $1, gen_random_uuid(), 'user' || n || '@example.com', true, '{}', n, n FROM generate_series(1, ${CONTACTS}) AS n`,
      [project.project.id],
    );
  });
  after(async () => t?.close());

  test('a search past SEARCH_TIMEOUT_MS is a 503 SERVICE_UNAVAILABLE that names the bound', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/contacts?search=example', headers: auth });
    assert.equal(response.statusCode, 503, response.body);
    const { error } = json(response);
    assert.equal(error.code, 'SERVICE_UNAVAILABLE');
    assert.match(error.message, /^The search took longer than 1 ms and was stopped/);
    assert.equal(response.headers['retry-after'], '1');
  });

  test('the bound does not outlive the search: the same connection keeps the general timeout', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/contacts?search=example', headers: auth });
    assert.equal(response.statusCode, 503);
    assert.equal(t.store.pool.totalCount, 1);
    const { rows } = await t.store.pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
    assert.equal(rows[0]!.statement_timeout, '30s');
    // Would be cancelled after 1 ms if the search's bound had stayed on the connection.
    await t.store.pool.query('SELECT pg_sleep(0.05)');
    const list = await t.app.inject({ method: 'GET', url: '/contacts?limit=1', headers: auth });
    assert.equal(list.statusCode, 200, list.body);
    assert.equal(json(list).total, CONTACTS);
  });

  test("a search's own planner setting (random_page_cost) does not outlive it either", async () => {
    const unbounded = await startPostgresApp({ max: 1, perProject: 1, searchTimeoutMs: 60_000 });
    try {
      const { auth: own } = await unbounded.project('planned');
      await unbounded.app.inject({ method: 'POST', url: '/contacts', headers: { ...own, 'content-type': 'application/json' }, payload: { email: 'ada@example.com' } });
      const response = await unbounded.app.inject({ method: 'GET', url: '/contacts?search=example', headers: own });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json(response).total, 1);
      // The search ran on the pool's one connection, under queries.ts's search_text_limit.
      assert.equal(unbounded.store.pool.totalCount, 1);
      const { rows } = await unbounded.store.pool.query<{ now: string; reset: string }>(
        "SELECT current_setting('random_page_cost') AS now, reset_val AS reset FROM pg_settings WHERE name = 'random_page_cost'",
      );
      assert.equal(rows[0]!.now, rows[0]!.reset);
    } finally {
      await unbounded.close();
    }
  });

  test('a text search plans with random_page_cost at most 1.1, inside its own transaction; other filtered reads, and a server set lower, keep theirs', async () => {
    const settingIn = async (pool: pg.Pool, textSearch: boolean) =>
      timedSearch(pool, 60_000, async (client) => (await client.query<{ v: string }>("SELECT current_setting('random_page_cost') AS v")).rows[0]!.v, { textSearch });
    const server = new pg.Pool({ connectionString: t.databaseUrl, max: 1 });
    const lower = new pg.Pool({ connectionString: t.databaseUrl, max: 1, options: '-c random_page_cost=0.5' });
    try {
      const { rows } = await server.query<{ v: string }>("SELECT current_setting('random_page_cost') AS v");
      const own = rows[0]!.v;
      assert.equal(await settingIn(server, true), Number(own) < 1.1 ? own : '1.1');
      assert.equal(await settingIn(server, false), own);
      assert.equal((await server.query<{ v: string }>("SELECT current_setting('random_page_cost') AS v")).rows[0]!.v, own);
      assert.equal(await settingIn(lower, true), '0.5');
    } finally {
      await Promise.all([server.end(), lower.end()]);
    }
  });
});
