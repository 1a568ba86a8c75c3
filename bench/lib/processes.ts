// The real service for benchmarks: `rolodex serve` as a child process with its
// log discarded (a load test writes hundreds of thousands of lines), and
// measurements of a process from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchServer {
  url: string;
  pid: number;
  /** Settles when the process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts `rolodex serve` and resolves once GET /ready answers 200. Its log
 * (stdout) is discarded, or written to `options.logFile` when given (the soak
 * run keeps it to show the server's side of any failure). `options.title`
 * replaces the process's command line as `ps` and `pkill -f` see it (node
 * --title), so a long run is not caught by someone's `pkill -f "rolodex.js serve"`.
 * `options.nodeArgs` go to node itself (e.g. `--cpu-prof` to profile a run).
 */
export async function startBenchServer(
  env: Record<string, string>,
  options: { logFile?: string; title?: string; nodeArgs?: string[] } = {},
): Promise<BenchServer> {
  const port = await freePort();
  const log = options.logFile ? openSync(options.logFile, 'w') : 'ignore';
  const title = options.title ? [`--title=${options.title}`] : [];
  const child = spawn(process.execPath, [...title, ...(options.nodeArgs ?? []), 'bin/rolodex.js', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, 'inherit'],
  });
  if (typeof log === 'number') closeSync(log); // the child has its own copy
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the server did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    pid: child.pid!,
    exited,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

/** Resident memory of a process, in MB. */
export function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}
