// The change feed's order on PostgreSQL is commit order, whatever order the
// writers started in (docs/api.md, "Change feed"). Made real, not timed: a
// connection of the test's own holds a contact's row lock, so a bulk job's
// step (whose transaction has already begun, and holds an older
// transaction id) waits inside PostgreSQL while API writes commit around it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { hasPostgres, json } from '../support/app.js';
import { allChanges, byId, replay } from '../support/changes.js';
import { createContact, listAll, patchContact } from '../support/contacts.js';
import { postBulk, waitForJob } from '../support/jobs.js';
import { startPostgresApp, type PostgresTestApp } from '../support/postgres-app.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/logger.js';

/** The app's own connections waiting on a lock, polled until there are `count`. */
async function lockWaiters(t: PostgresTestApp, count: number): Promise<void> {
  for (let polls = 0; polls < 500; polls++) {
    const { rows } = await t.observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'rolodex' AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} of the app's connections wait on a lock`);
}

/** Holds the contact's row lock on a connection of the test's own until `release`. */
async function holdRowLock(t: PostgresTestApp, id: string): Promise<{ release(): Promise<void> }> {
  const holder = new pg.Client({ connectionString: t.databaseUrl, application_name: 'rolodex-test' });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE', [id]);
  return {
    async release() {
      await holder.query('COMMIT');
      await holder.end();
    },
  };
}

const label = (change: { type: string; contact: { email: string } }) => `${change.type} ${change.contact.email}`;

describe('change feed order on PostgreSQL', { skip: !hasPostgres && 'no PostgreSQL in this run' }, () => {
  let t: PostgresTestApp;
  let runner: JobRunner;
  before(async () => {
    t = await startPostgresApp({});
    runner = new JobRunner({ store: t.store, logger: createLogger('silent'), pollMs: 20, leaseMs: 30_000 });
    runner.start();
  });
  after(async () => {
    await runner?.stop();
    await t?.close();
  });

  test('a job step that began first but commits last comes after the writes that committed before it, and a cursor taken meanwhile does not skip it', async () => {
    const { auth, project } = await t.project();
    const held = await createContact(t, auth, { email: 'held@example.com' });
    const other = await createContact(t, auth, { email: 'other@example.com' });
    const lock = await holdRowLock(t, held.id);
    const response = await postBulk(t, auth, 'unsubscribe', { contactIds: [held.id, other.id] });
    assert.equal(response.statusCode, 202);
    // The step locked its job row (its transaction has an id) and waits for `held`.
    await lockWaiters(t, 1);

    // `other` is not locked yet (the step locks by id order, `held` first):
    // this update commits, then the waiting step reads and updates `other` again.
    const patched = json(await patchContact(t, auth, other.id, { data: { n: 1 } }));
    await createContact(t, auth, { email: 'late@example.com' });
    const during = await allChanges(t, auth);
    assert.deepEqual(during.changes.map(label), [
      'contact.created held@example.com',
      'contact.created other@example.com',
      'contact.updated other@example.com',
      'contact.created late@example.com',
    ]);

    await lock.release();
    const job = await waitForJob(t, auth, response.headers.location as string);
    assert.equal(job.result.successCount, 2);

    const rest = await allChanges(t, auth, during.cursor);
    assert.deepEqual(rest.changes.map(label), ['contact.updated held@example.com', 'contact.updated other@example.com']);
    // The step's update of `other` was planned from the update that committed before it: the feed's last word is the truth.
    const { updatedAt, ...settled } = rest.changes[1]!.contact as typeof patched;
    const { updatedAt: patchedAt, ...previous } = patched;
    assert.deepEqual(settled, { ...previous, subscribed: false });
    assert.ok(updatedAt > patchedAt);
    const everything = await allChanges(t, auth, undefined, () => 2);
    assert.deepEqual(everything.changes, [...during.changes, ...rest.changes]);
    assert.deepEqual(replay(everything.changes), byId(await listAll(t, auth)));

    // Numbered without gaps, in commit order, the job's completion last.
    const events = await t.store.events.after(project.id, 0, 100, ['contact.created', 'contact.updated', 'contact.deleted', 'bulk.completed']);
    assert.deepEqual(events.map((event) => event.seq), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(events[6]!.type, 'bulk.completed');
    assert.equal(await t.store.events.lastSeq(project.id), 7);
  });
});
