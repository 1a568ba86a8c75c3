// Each project's share of the connection pool. At most `limit` pieces of one
// project's database work run at once; the rest wait in that project's own
// queue, holding no connection, so one project's load can never take the
// connections every other project needs. The wait is bounded like a pool
// checkout: past it the work fails as unavailable (a 503), not a hang.
import { StoreUnavailableError } from '../../domain/store.js';

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

interface Lane {
  running: number;
  /** Job worker steps: served before requests (see run). */
  urgent: Waiter[];
  waiting: Waiter[];
}

export class ProjectGate {
  /** Only projects with work running or waiting: a lane is dropped when it empties. */
  private readonly lanes = new Map<string, Lane>();

  constructor(
    readonly limit: number,
    private readonly maxWaitMs: number,
  ) {}

  /**
   * Runs `work` within the project's share, first in, first out. Urgent work
   * (a job step) goes ahead of waiting requests, never ahead of running work,
   * so it waits for one slot to come free rather than for the whole queue.
   */
  async run<T>(projectId: string, work: () => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    await this.enter(projectId, options.urgent ?? false);
    try {
      return await work();
    } finally {
      this.leave(projectId);
    }
  }

  /**
   * Takes a slot of the project's share until the returned function is
   * called: for work whose pace a reader sets (an export), which cannot be
   * one promise.
   */
  async hold(projectId: string): Promise<() => void> {
    await this.enter(projectId, false);
    let held = true;
    return () => {
      if (held) (held = false), this.leave(projectId);
    };
  }

  /** How many projects have work running or waiting (the size of the map). */
  get activeProjects(): number {
    return this.lanes.size;
  }

  private enter(projectId: string, urgent: boolean): Promise<void> {
    let lane = this.lanes.get(projectId);
    if (!lane) {
      lane = { running: 0, urgent: [], waiting: [] };
      this.lanes.set(projectId, lane);
    }
    if (lane.running < this.limit) {
      lane.running++;
      return Promise.resolve();
    }
    const queue = urgent ? lane.urgent : lane.waiting;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(new StoreUnavailableError(
            new Error(`waited over ${this.maxWaitMs} ms for one of the project's ${this.limit} database connections`),
          ));
        }, this.maxWaitMs),
      };
      queue.push(waiter);
    });
  }

  private leave(projectId: string): void {
    const lane = this.lanes.get(projectId)!;
    // The slot passes straight to the next in line, so `running` stays put and
    // a newcomer cannot slip in ahead of those already waiting.
    const next = lane.urgent.shift() ?? lane.waiting.shift();
    if (next) return next.start();
    lane.running--;
    if (lane.running === 0) this.lanes.delete(projectId);
  }
}
