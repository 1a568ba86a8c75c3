// The real service for the client's tests: `node bin/rolodex.js serve` from
// the repository root as a child process, on a free port and a fresh temp
// DATA_DIR, and projects made with `rolodex projects create … --json`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'rolodex.js');
const READY_TIMEOUT_MS = 30_000;

export interface Server {
  url: string;
  dataDir: string;
  /** A new project's secret key. */
  createProject(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The child's environment: ours without any Rolodex setting, plus `env`. */
function childEnv(dataDir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|REDIS_URL|RATE_LIMIT_|PORT$|HOST$|DATA_DIR$|METRICS)/.test(name)),
  );
  return { ...inherited, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...env };
}

export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rolodex-client-test-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: REPO_ROOT,
    env: childEnv(dataDir, { ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitUntilReady(url, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    async createProject(name = 't') {
      const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'projects', 'create', name, '--json'], {
        cwd: REPO_ROOT,
        env: childEnv(dataDir, {}),
      });
      return (JSON.parse(stdout) as { secretKey: string }).secretKey;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`rolodex serve exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    }
    const ready = await fetch(`${url}/ready`).then((response) => response.ok, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`rolodex serve was not ready within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
