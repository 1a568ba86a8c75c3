// Long loops over a request's input (a 5 MiB file of 80,000 rows, or one
// header of 500,000 columns) run in slices, so that no request holds the
// event loop, which every other request of every project shares, for more
// than a few milliseconds at a time.

const SLICE_MS = 8;

// Work waiting for its next slice, first come first served. One slice runs
// per turn of the event loop, for the whole process: when two imports and an
// upload check all wait, a turn runs one of them and then reads other
// requests, rather than running all three back to back (their slices add up:
// two imports' steps and a 5 MiB decode held the loop for 100 ms together).
const waiting: (() => void)[] = [];
let scheduled = false;

function runNext(): void {
  scheduled = false;
  waiting.shift()?.();
  if (waiting.length > 0) schedule();
}

/**
 * Two setImmediates: one is not enough when the caller runs in the loop's
 * poll phase (a request's own callbacks), since the check phase comes
 * straight after, before any other I/O is read; the second waits for the
 * next poll.
 */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => setImmediate(runNext));
}

/**
 * Resolves after the event loop has been round at least once (its timers and
 * its I/O, i.e. other requests, have run), and after any slice that asked
 * before this one has had its turn.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

export class Pacer {
  private sliceStart = performance.now();
  private steps = 0;

  /** Call once per step of a loop: undefined, or a promise that resolves after the event loop has had a turn. */
  step(): Promise<void> | undefined {
    // Reading the clock costs more than most steps: look every 256th.
    if ((++this.steps & 0xff) !== 0) return undefined;
    return this.pause();
  }

  /** Like step, for a step that is itself long (a reader's pause point): looks at the clock every time. */
  pause(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < SLICE_MS) return undefined;
    return nextTurn().then(() => {
      this.sliceStart = performance.now();
    });
  }
}
