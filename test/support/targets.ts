// Where a real server process keeps its data, for process tests that run on
// both stores: a fresh SQLite DATA_DIR, or a fresh PostgreSQL database when
// the test run has one. Each comes with a project and its secret key.
import { ProjectService } from '../../src/domain/projects.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { freshPostgresDatabase, hasPostgres } from './app.js';
import { createProjectIn, tempDataDir } from './server-process.js';

export interface PreparedTarget {
  /** Options for startServer: a DATA_DIR, or a DATABASE_URL in env. */
  options: { dataDir?: string; env?: Record<string, string> };
  secretKey: string;
  cleanup(): Promise<void>;
}

export interface ServerTarget {
  name: 'sqlite' | 'postgres';
  prepare(projectName?: string): Promise<PreparedTarget>;
}

const sqlite: ServerTarget = {
  name: 'sqlite',
  async prepare(projectName = 'test') {
    const dataDir = tempDataDir();
    const { secretKey } = await createProjectIn(dataDir, projectName);
    return { options: { dataDir }, secretKey, cleanup: async () => {} };
  },
};

const postgres: ServerTarget = {
  name: 'postgres',
  async prepare(projectName = 'test') {
    const database = await freshPostgresDatabase();
    const store = await PostgresStore.connect(database.url);
    const { secretKey } = await new ProjectService(store).createProject(projectName);
    await store.close();
    return { options: { env: { DATABASE_URL: database.url } }, secretKey, cleanup: database.drop };
  },
};

export function serverTargets(): ServerTarget[] {
  return hasPostgres ? [sqlite, postgres] : [sqlite];
}
