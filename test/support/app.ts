// Test fixtures: a real store (a fresh SQLite file per app), the real fastify
// app driven in-process, and projects with real keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type FastifyTypeBox } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { ProjectService, type CreatedProject } from '../../src/domain/projects.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';

export interface StoreKind {
  name: string;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

/** The stores every shared suite runs against. */
export function storeKinds(): StoreKind[] {
  return [
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'rolodex-test-'));
        const store = SqliteStore.open(join(dir, 'rolodex.db'));
        await store.migrate();
        return {
          store,
          async cleanup() {
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

export interface TestApp {
  app: FastifyTypeBox;
  store: Store;
  projects: ProjectService;
  /** A new project with its keys, plus an Authorization header for its secret key. */
  project(name?: string): Promise<CreatedProject & { auth: { authorization: string } }>;
  close(): Promise<void>;
}

export async function startApp(kind: StoreKind): Promise<TestApp> {
  const { store, cleanup } = await kind.open();
  const app = await buildApp({ store, logger: createLogger('silent') });
  await app.ready();
  const projects = new ProjectService(store);
  return {
    app,
    store,
    projects,
    async project(name = 'test') {
      const created = await projects.createProject(name);
      return { ...created, auth: { authorization: `Bearer ${created.secretKey}` } };
    },
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

export function json<T = any>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}
