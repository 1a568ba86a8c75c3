// Regenerates the client's types from the server's own OpenAPI document:
// builds the app in-process on an in-memory SQLite store, reads
// GET /openapi.json through `app.inject` (no port, no network), and writes
// `openapi.json` and `src/schema.d.ts` under the given directory (by default
// this package). Run with the repository root's tsx: `npm run generate`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { buildApp } from '../../../src/http/app.js';
import { createLogger } from '../../../src/logger.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The generated files, relative to the package root. */
export const GENERATED_FILES = ['openapi.json', 'src/schema.d.ts'] as const;

const HEADER = `/**
 * Generated from the Rolodex OpenAPI document by \`npm run generate\`
 * (openapi-typescript). Do not edit: change the server's route schemas and
 * regenerate.
 */

`;

/** The document exactly as the server serves it. */
export async function readDocument(): Promise<OpenAPI3> {
  const store = SqliteStore.open(':memory:');
  try {
    await store.migrate();
    const app = await buildApp({ store, logger: createLogger('silent') });
    try {
      const response = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (response.statusCode !== 200) {
        throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
      }
      return response.json<OpenAPI3>();
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

export async function generate(outDir: string = PACKAGE_ROOT): Promise<void> {
  const document = await readDocument();
  const json = `${JSON.stringify(document, null, 2)}\n`;
  const types = HEADER + astToString(await openapiTS(document));
  await mkdir(join(outDir, 'src'), { recursive: true });
  await writeFile(join(outDir, 'openapi.json'), json);
  await writeFile(join(outDir, 'src', 'schema.d.ts'), types);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await generate(process.argv[2] ? resolve(process.argv[2]) : PACKAGE_ROOT);
}
