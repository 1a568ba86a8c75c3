// Who holds a job's lease: `<machine>:<pid>:<random>`. A job whose worker
// died is taken over at once, rather than when its lease runs out, only when
// the death is sure: the owner ran on this very machine (same hostname, same
// boot of the kernel, same process-id namespace) and no process has its pid.
// A hostname and a pid alone prove nothing: containers share hostnames, each
// numbers its processes from 1, and pids are reused.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

function read(what: () => string): string | undefined {
  try {
    return what().trim();
  } catch {
    return undefined;
  }
}

/** This machine and process-id namespace, as far as it can be known; undefined where it cannot (not Linux). */
function machineIdentity(): string | undefined {
  const boot = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNamespace = read(() => readlinkSync('/proc/self/ns/pid'));
  if (!boot || !pidNamespace) return undefined;
  return createHash('sha256').update(`${hostname()}\n${boot}\n${pidNamespace}`).digest('hex').slice(0, 16);
}

const machine = machineIdentity();

export function newWorkerId(): string {
  return `${machine ?? `unknown-${randomBytes(8).toString('hex')}`}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** True only when the owner surely ran here and its process is gone. */
export function ownerIsGone(owner: string): boolean {
  const [ownerMachine, pid] = owner.split(':');
  if (machine === undefined || ownerMachine !== machine || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
