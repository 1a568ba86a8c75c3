// The event-loop stalls of a server started with the loop-monitor preload:
// `startMonitoredServer` is startBenchServer with the preload on, and
// `StallMeter` opens a window before an input and reads its longest stall after.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBenchServer, type BenchServer } from './processes.js';
import type { LoopReport } from './loop-monitor.js';

const PRELOAD = pathToFileURL(new URL('./loop-monitor.ts', import.meta.url).pathname).href;
let servers = 0;

export interface Stall {
  /** The longest stall seen, in ms; a lower bound when `hung`. */
  ms: number;
  /** The loop had not come back by the deadline. */
  hung: boolean;
}

export class StallMeter {
  private window = 0;
  constructor(
    readonly server: BenchServer,
    private readonly file: string,
  ) {}

  private read(): LoopReport | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as LoopReport;
    } catch {
      return undefined; // not written yet
    }
  }

  /** Stops the server: politely when its loop is free, else with SIGKILL. */
  async stop(hung: boolean): Promise<void> {
    if (!hung) {
      const stopped = await Promise.race([this.server.stop().then(() => true), sleep(10_000).then(() => false)]);
      if (stopped) return;
    }
    process.kill(this.server.pid, 'SIGKILL');
    await this.server.exited;
    rmSync(this.file, { force: true });
  }

  /** Starts a new window; waits (up to `timeoutMs`) until the server has taken it. */
  async reset(timeoutMs = 10_000): Promise<boolean> {
    const next = (this.read()?.window ?? 0) + 1;
    process.kill(this.server.pid, 'SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((this.read()?.window ?? 0) >= next) {
        this.window = next;
        return true;
      }
      await sleep(20);
    }
    return false;
  }

  /**
   * The longest stall of the window, once the loop has written a report begun
   * after now (so a stall still going on is over). If none comes by
   * `deadline`, the stall is at least as long as the silence since the last.
   */
  async readStall(deadline: number): Promise<Stall> {
    const asked = Date.now();
    for (;;) {
      const report = this.read();
      if (report && report.window === this.window && report.at > asked + 100) return { ms: report.maxMs, hung: false };
      if (Date.now() > deadline) {
        const last = report?.at ?? asked;
        return { ms: Math.max(report?.maxMs ?? 0, Date.now() - last), hung: true };
      }
      await sleep(20);
    }
  }
}

/** `rolodex serve` with the loop monitor preloaded. */
export async function startMonitoredServer(env: Record<string, string>): Promise<StallMeter> {
  const file = join(tmpdir(), `rolodex-bench-loop-${process.pid}-${servers++}.json`);
  if (existsSync(file)) rmSync(file);
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', '--import tsx', `--import ${PRELOAD}`].join(' ').trim();
  const server = await startBenchServer({ ...env, NODE_OPTIONS: nodeOptions, LOOP_MONITOR_FILE: file });
  return new StallMeter(server, file);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
