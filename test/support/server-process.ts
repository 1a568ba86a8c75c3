// The real service as child processes: `node bin/rolodex.js …`, exactly what a
// user runs, for tests of the command line, logging, shutdown and crashes.
//
//   startServer({ command?, env?, dataDir?, timeoutMs? }) → Promise<ServerProcess>
//     Starts `rolodex serve` (or `api`) on a free port and a fresh temp
//     DATA_DIR (unless one is given) and resolves once GET /ready answers 200.
//     Rejects with the child's stdout/stderr if it exits or is not ready in time.
//   ServerProcess = RunningProcess & { url, port }
//   startProcess(args, { env?, dataDir? }) → RunningProcess, at once (no
//     waiting): any `rolodex …` kept running, e.g. ['worker'].
//   RunningProcess: { dataDir, pid, logs(), logRecords(), stderr(),
//     waitForLog(match, timeoutMs?), stop(signal = 'SIGTERM') → exit code,
//     kill() (SIGKILL), exited }
//   runCli(args, env?) → Promise<{ code, stdout, stderr }>: one `rolodex …` run
//     to its end (DATA_DIR defaults to a fresh temp directory).
//   tempDataDir(), createProjectIn(dataDir, name?): re-exported from data-dir.ts.
//   killAll() → SIGKILLs every child still running; call it in `after` hooks.
//
// Children inherit no configuration from the test's environment (DATABASE_URL,
// RATE_LIMIT_*, …): only what `env` says, on top of LOG_LEVEL=info. Every
// child is also SIGKILLed when the test process exits, so none outlives a run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tempDataDir } from './data-dir.js';

export { createProjectIn, tempDataDir } from './data-dir.js';

export type Env = Record<string, string | undefined>;
export type LogRecord = Record<string, unknown>;

export interface RunningProcess {
  readonly dataDir: string;
  readonly pid: number;
  /** Every stdout line so far (the JSON log), in order. */
  logs(): string[];
  /** The stdout lines that parse as JSON objects. */
  logRecords(): LogRecord[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first log record `match` accepts, polling until `timeoutMs` (5 s). */
  waitForLog(match: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /**
   * Sends `signal` and resolves with the exit code (null when the signal ended
   * it). If the process has not exited within `timeoutMs` (10 s) it is
   * SIGKILLed and the promise rejects. Once exited, resolves at once.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** SIGKILL (a crash: no shutdown code runs); resolves once it is gone. */
  kill(): Promise<void>;
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServerProcess extends RunningProcess {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
}

export interface StartServerOptions {
  command?: 'serve' | 'api';
  /** Added to the child's environment (DATA_DIR, PORT and HOST may be overridden). */
  env?: Env;
  /** Defaults to a fresh temp directory. */
  dataDir?: string;
  /** How long to wait for GET /ready; 20 s by default. */
  timeoutMs?: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'rolodex.js');
// Everything src/config.ts reads: a child sees only what its test gives it.
const CONFIG_VARIABLES = [
  'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'REDIS_URL',
  'RATE_LIMIT_PER_SECOND', 'RATE_LIMIT_BURST', 'JOB_RETENTION_DAYS', 'CHANGE_RETENTION_DAYS', 'WORKER_CONCURRENCY',
  'SECRETS_KEY', 'WEBHOOK_ALLOW_PRIVATE', 'WEBHOOK_RATE_PER_SECOND', 'WEBHOOK_BATCH_SIZE', 'WEBHOOK_RETRY_BASE_MS',
  'WEBHOOK_DISABLE_AFTER_MS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_CONCURRENCY',
];

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function childEnv(env: Env): NodeJS.ProcessEnv {
  const base: Env = { ...process.env, NODE_TEST_CONTEXT: undefined, LOG_LEVEL: 'info' };
  for (const name of CONFIG_VARIABLES) delete base[name];
  const merged: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries({ ...base, ...env })) if (value !== undefined) merged[name] = value;
  return merged;
}

function launch(args: string[], env: Env): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('close', () => children.delete(child));
  return child;
}

function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

function parseRecord(line: string): LogRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port free at the moment of asking (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function killAll(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      const done = closed(child);
      child.kill('SIGKILL');
      await done;
    }),
  );
}

/** Runs `rolodex …args` to its end (DATA_DIR defaults to a fresh temp directory). */
export async function runCli(args: string[], env: Env = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = launch(args, env.DATA_DIR === undefined ? { DATA_DIR: tempDataDir(), ...env } : env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => (timedOut = child.kill('SIGKILL')), timeoutMs);
  const { code } = await closed(child);
  clearTimeout(timer);
  if (timedOut) throw new Error(`rolodex ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`);
  return { code, stdout, stderr };
}

export function startProcess(args: string[], options: { env?: Env; dataDir?: string } = {}): RunningProcess {
  const dataDir = options.dataDir ?? tempDataDir();
  const child = launch(args, { DATA_DIR: dataDir, ...options.env });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = closed(child);
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const logRecords = () => lines.map(parseRecord).filter((record): record is LogRecord => record !== undefined);

  const running: RunningProcess = {
    dataDir,
    pid: child.pid!,
    exited,
    logs: () => [...lines],
    logRecords,
    stderr: () => stderr,
    async waitForLog(match, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logRecords().find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms:\n${lines.join('\n')}\n${stderr}`);
        await sleep(20);
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (!hasExited) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        await running.kill();
        throw new Error(`rolodex (pid ${child.pid}) did not exit within ${timeoutMs} ms of ${signal}\n${stderr}`);
      }
      return outcome.code;
    },
    async kill() {
      if (!hasExited) child.kill('SIGKILL');
      await exited;
    },
  };
  return running;
}

export async function startServer(options: StartServerOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const command = options.command ?? 'serve';
  const running = startProcess([command], { dataDir: options.dataDir, env: { PORT: String(port), HOST: '127.0.0.1', ...options.env } });
  const url = `http://127.0.0.1:${port}`;
  let exitCode: number | null | undefined;
  void running.exited.then(({ code }) => (exitCode = code));

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!(await isReady(url))) {
    if (exitCode !== undefined || Date.now() > deadline) {
      await running.kill();
      const why = exitCode !== undefined ? `exited with code ${exitCode}` : 'was not ready in time';
      throw new Error(`rolodex ${command} ${why}\n--- stderr ---\n${running.stderr()}\n--- stdout ---\n${running.logs().join('\n')}`);
    }
    await sleep(50);
  }
  return { ...running, url, port };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
