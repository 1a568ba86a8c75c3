// Projects for benchmarks, created straight through the store.
import { ProjectService } from '../../src/domain/projects.js';
import { openStore } from '../../src/storage/open-store.js';

export async function createProject(target: { dataDir?: string; databaseUrl?: string }, name: string): Promise<string> {
  return (await createProjectWithId(target, name)).key;
}

export async function createProjectWithId(
  target: { dataDir?: string; databaseUrl?: string },
  name: string,
): Promise<{ key: string; projectId: string }> {
  const store = await openStore({ dataDir: target.dataDir ?? '', databaseUrl: target.databaseUrl });
  try {
    await store.migrate();
    const created = await new ProjectService(store).createProject(name);
    return { key: created.secretKey, projectId: created.project.id };
  } finally {
    await store.close();
  }
}
