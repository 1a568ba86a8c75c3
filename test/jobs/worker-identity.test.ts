// A lease's owner is taken for dead at once only when that is sure: the owner
// ran on this machine (hostname, kernel boot and pid namespace) and its pid
// is gone. The same hostname and a dead pid are not enough.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { newWorkerId, ownerIsGone } from '../../src/jobs/worker-identity.js';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('worker identity', () => {
  test('an owner from this machine whose process has exited is gone; a live one, or this process, is not', () => {
    const [machine] = newWorkerId().split(':');
    assert.equal(ownerIsGone(`${machine}:${deadPid()}:abcd1234`), true);
    assert.equal(ownerIsGone(`${machine}:${process.pid}:abcd1234`), false, 'this very process');
    assert.equal(ownerIsGone(`${machine}:${process.ppid}:abcd1234`), false, 'a live process');
  });

  test('the same hostname and a dead pid are not enough: another container may have that hostname and numbering', () => {
    assert.equal(ownerIsGone(`${hostname()}:${deadPid()}:abcd1234`), false);
    assert.equal(ownerIsGone(`0123456789abcdef:${deadPid()}:abcd1234`), false, 'another machine or pid namespace');
  });

  test('ids are unique per runner, even in one process', () => {
    assert.notEqual(newWorkerId(), newWorkerId());
    assert.match(newWorkerId(), new RegExp(`^[0-9a-f]{16}:${process.pid}:[0-9a-f]{8}$`));
  });
});
