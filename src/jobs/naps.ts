// Sleeps that a worker loop can cut short: a poll's wait ends early when
// work arrives or the loop is stopping. The job runner and the webhook
// deliverer share it.
export class Naps {
  private readonly sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at the next wakeAll, whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** Ends every sleep now. */
  wakeAll(): void {
    for (const wakeUp of this.sleepers) wakeUp();
  }
}
