// ProjectGate, the per-project share of the PostgreSQL pool: how many of a
// project's pieces of work run at once, in what order the rest start, the
// bound on waiting, and that it forgets a project once its work is done.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProjectGate } from '../../src/storage/postgres/project-gate.js';
import { StoreUnavailableError } from '../../src/domain/store.js';

/** Work that runs until the test lets it finish. */
function heldWork(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { work: async () => { started.push(name); await done; return name; }, finish };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ProjectGate', () => {
  test('runs at most `limit` of one project at once; the rest start first in, first out; other projects are not held up', async () => {
    const gate = new ProjectGate(2, 60_000);
    const started: string[] = [];
    const a = ['a1', 'a2', 'a3', 'a4'].map((name) => heldWork(started, name));
    const runs = a.map((w, i) => gate.run('A', w.work).then((value) => assert.equal(value, `a${i + 1}`)));
    const b = heldWork(started, 'b1');
    const runB = gate.run('B', b.work);
    await turn();
    assert.deepEqual(started, ['a1', 'a2', 'b1']);

    a[1]!.finish();
    await turn();
    assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3']);
    a[0]!.finish();
    await turn();
    assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3', 'a4']);
    for (const w of a) w.finish();
    b.finish();
    await Promise.all([...runs, runB]);
    assert.equal(gate.activeProjects, 0, 'no entry is kept for a project with nothing running');
  });

  test('a job step (urgent) starts before requests already waiting, never before running work', async () => {
    const gate = new ProjectGate(1, 60_000);
    const started: string[] = [];
    const running = heldWork(started, 'search');
    const waiting = heldWork(started, 'request');
    const step = heldWork(started, 'step');
    const runs = [gate.run('A', running.work), gate.run('A', waiting.work), gate.run('A', step.work, { urgent: true })];
    await turn();
    assert.deepEqual(started, ['search']);
    running.finish();
    await turn();
    assert.deepEqual(started, ['search', 'step']);
    step.finish();
    waiting.finish();
    await Promise.all(runs);
    assert.deepEqual(started, ['search', 'step', 'request']);
  });

  test('work that waits past the bound fails as unavailable and never runs; the queue behind it moves on', async () => {
    const gate = new ProjectGate(1, 50);
    const started: string[] = [];
    const running = heldWork(started, 'running');
    const first = gate.run('A', running.work);
    const late = gate.run('A', heldWork(started, 'late').work);
    await assert.rejects(late, StoreUnavailableError);
    const next = heldWork(started, 'next');
    const runNext = gate.run('A', next.work);
    running.finish();
    await first;
    await turn();
    next.finish();
    await runNext;
    assert.deepEqual(started, ['running', 'next']);
    assert.equal(gate.activeProjects, 0);
  });

  test('a failing piece of work gives its slot back', async () => {
    const gate = new ProjectGate(1, 60_000);
    await assert.rejects(gate.run('A', async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await gate.run('A', async () => 'after'), 'after');
    assert.equal(gate.activeProjects, 0);
  });
});
