// Throwaway DATA_DIRs for process tests, and projects written straight into
// one (the real SQLite store, without paying for a CLI process start).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectService, type CreatedProject } from '../../src/domain/projects.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

const directories: string[] = [];
process.on('exit', () => {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed when the test process exits. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rolodex-proc-'));
  directories.push(dir);
  return dir;
}

/** A project and its keys in `dataDir`'s database (migrated first if new). */
export async function createProjectIn(dataDir: string, name = 'test'): Promise<CreatedProject> {
  const store = SqliteStore.open(join(dataDir, 'rolodex.db'));
  try {
    await store.migrate();
    return await new ProjectService(store).createProject(name);
  } finally {
    await store.close();
  }
}
