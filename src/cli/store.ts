// The store a command works on: opened, checked, announced on stderr (stdout
// stays the command's own output), and brought to the current schema.
import type { Config } from '../config.js';
import type { Store } from '../domain/store.js';
import { startStore } from '../storage/open-store.js';

/**
 * One line on stderr says which store this is, so a command run against
 * another folder or database than the server's is noticed. A database that
 * is missing or unreachable throws StoreStartError (main.ts: exit code 69).
 */
export async function openCommandStore(config: Config): Promise<Store> {
  const { store, description } = await startStore(config);
  process.stderr.write(`rolodex: using ${description}\n`);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}
