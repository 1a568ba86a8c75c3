// Fails when the committed openapi.json or src/schema.d.ts differ from what
// `npm run generate` would write now: the server's schemas changed and the
// client was not regenerated (or a generated file was edited by hand).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_FILES, PACKAGE_ROOT, generate } from './generate.js';

const fresh = await mkdtemp(join(tmpdir(), 'rolodex-client-'));
try {
  await generate(fresh);
  const stale: string[] = [];
  for (const file of GENERATED_FILES) {
    const committed = await readFile(join(PACKAGE_ROOT, file), 'utf8').catch(() => '');
    const current = await readFile(join(fresh, file), 'utf8');
    if (committed !== current) stale.push(file);
  }
  if (stale.length > 0) {
    console.error(`Out of date: ${stale.join(', ')}. Run \`npm run generate\` in clients/typescript and commit the result.`);
    process.exitCode = 1;
  } else {
    console.log(`Up to date: ${GENERATED_FILES.join(', ')}.`);
  }
} finally {
  await rm(fresh, { recursive: true, force: true });
}
