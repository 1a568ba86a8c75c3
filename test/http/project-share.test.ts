// Each project's share of the PostgreSQL pool (security finding, issue 10
// item 6): a project's requests use at most DATABASE_CONNECTIONS_PER_PROJECT
// connections, the rest wait in the project's own queue holding none, so
// other projects and every key check still find a connection. Saturation is
// made real, not timed: a test connection holds a row lock that the
// project's PATCHes queue behind inside PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { hasPostgres, json } from '../support/app.js';
import { createContact, getContact, patchContact, type Auth } from '../support/contacts.js';
import { startPostgresApp, type PostgresTestApp } from '../support/postgres-app.js';

const settle = <T>(promise: Promise<T>) => {
  const state = { done: false };
  void promise.finally(() => (state.done = true));
  return state;
};

/** The app's own connections waiting on a lock (pg_stat_activity), polled until there are `count`. */
async function lockWaiters(t: PostgresTestApp, count?: number): Promise<number> {
  for (let polls = 0; ; polls++) {
    const { rows } = await t.observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'rolodex' AND wait_event_type = 'Lock'`,
    );
    if (count === undefined || rows[0]!.n >= count) return rows[0]!.n;
    if (polls === 500) throw new Error(`${rows[0]!.n} of the app's connections wait on a lock, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Holds the contact's row lock on a connection of the test's own until
 * `release`. (Not the observer's: pg_stat_activity is a snapshot taken once
 * per transaction, so it must be read outside this one.)
 */
async function holdRowLock(t: PostgresTestApp, id: string): Promise<{ release(): Promise<void> }> {
  const holder = new pg.Client({ connectionString: t.databaseUrl, application_name: 'rolodex-test' });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE', [id]);
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await holder.query('COMMIT');
      await holder.end();
    },
  };
}

/** In use: handed out by the pool and not yet given back. */
const inUse = (t: PostgresTestApp) => t.store.pool.totalCount - t.store.pool.idleCount;

describe('a project’s share of the PostgreSQL pool', { skip: !hasPostgres && 'no PostgreSQL in this run' }, () => {
  describe('pool of 3, 2 per project', () => {
    let t: PostgresTestApp;
    let a: Auth;
    let b: Auth;
    before(async () => {
      t = await startPostgresApp({ max: 3, perProject: 2 });
      a = (await t.project('a')).auth;
      b = (await t.project('b')).auth;
    });
    after(async () => t?.close());

    test('the third request of a saturated project waits in its queue holding no connection, while another project and /ready answer', async () => {
      const contactA = await createContact(t, a, { email: 'held@a.test' });
      const contactB = await createContact(t, b, { email: 'free@b.test' });
      const lock = await holdRowLock(t, contactA.id);
      after(() => lock.release());
      const patches = [1, 2, 3].map((n) => patchContact(t, a, contactA.id, { data: { n } }));
      const states = patches.map(settle);
      assert.equal(await lockWaiters(t, 2), 2);

      // A third PATCH without the share would take the pool's last connection
      // and block on the lock too, leaving project B nothing for 5 s.
      const other = await getContact(t, b, contactB.id);
      assert.equal(other.statusCode, 200, other.body);
      assert.equal(json(other).email, 'free@b.test');
      assert.equal((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);

      assert.equal(await lockWaiters(t), 2, 'only two of A’s requests reached PostgreSQL');
      assert.equal(inUse(t), 2, 'A holds two connections, no more');
      assert.equal(t.store.pool.waitingCount, 0, 'A’s third request is not queued at the pool');
      assert.deepEqual(states.map((s) => s.done), [false, false, false]);

      await lock.release();
      const answers = await Promise.all(patches);
      assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200]);
      assert.equal(inUse(t), 0);
    });
  });

  describe('a short wait bound', () => {
    let t: PostgresTestApp;
    let a: Auth;
    before(async () => {
      t = await startPostgresApp({ max: 3, perProject: 2, connectTimeoutMs: 300 });
      a = (await t.project('a')).auth;
    });
    after(async () => t?.close());

    test('a request that waits past the connect timeout for its project’s share is a 503, and the share is whole again after', async () => {
      const contact = await createContact(t, a, { email: 'held@a.test' });
      const lock = await holdRowLock(t, contact.id);
      after(() => lock.release());
      const patches = [1, 2].map((n) => patchContact(t, a, contact.id, { data: { n } }));
      await lockWaiters(t, 2);

      const waited = await getContact(t, a, contact.id);
      assert.equal(waited.statusCode, 503, waited.body);
      assert.equal(json(waited).error.code, 'SERVICE_UNAVAILABLE');
      assert.equal(waited.headers['retry-after'], '1');

      await lock.release();
      assert.deepEqual((await Promise.all(patches)).map((r) => r.statusCode), [200, 200]);
      assert.equal((await getContact(t, a, contact.id)).statusCode, 200);
    });
  });
});
