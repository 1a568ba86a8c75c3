// Long loops over a request's input (a 5 MiB file of 80,000 rows, or one
// header of 500,000 columns) run in slices, so that no request holds the
// event loop, which every other request of every project shares, for more
// than a few milliseconds at a time.

const SLICE_MS = 8;

export class Pacer {
  private sliceStart = performance.now();
  private steps = 0;

  /** Call once per step of a loop: resolves at once, or after the event loop has had a turn. */
  step(): Promise<void> | undefined {
    // Reading the clock costs more than most steps: look every 256th.
    if ((++this.steps & 0xff) !== 0 || performance.now() - this.sliceStart < SLICE_MS) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.sliceStart = performance.now();
        resolve();
      }),
    );
  }
}
