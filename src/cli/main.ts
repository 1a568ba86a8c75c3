// `rolodex …`: the service's processes and its project and key management.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { AppError } from '../domain/errors.js';
import { StoreStartError } from '../storage/open-store.js';
import { listEveryCommand } from './help.js';
import { importCommand } from './import.js';
import { exportCommand } from './export.js';
import { adminCommands } from './admins.js';
import { keyCommands, projectCommands } from './manage.js';
import type { ProcessRoles } from './run.js';

// The HTTP stack takes ~1 s to load: only the long-running processes pay for it.
async function runProcess(roles: ProcessRoles): Promise<void> {
  const { runProcess: run } = await import('./run.js');
  await run(roles);
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// sysexits.h: EX_UNAVAILABLE and EX_CONFIG, so a supervisor can tell them from a crash.
const EXIT_DATABASE_UNAVAILABLE = 69;
const EXIT_BAD_CONFIG = 78;

const program = new Command('rolodex')
  .description('Contacts for email platforms')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

program.command('serve').description('HTTP API and job worker in one process').action(() => runProcess({ api: true, worker: true }));
program.command('api').description('HTTP API only').action(() => runProcess({ api: true, worker: false }));
program.command('worker').description('Job worker only').action(() => runProcess({ api: false, worker: true }));
program.command('migrate').description('Bring the schema up to date, then exit').action(() => runProcess({ api: false, worker: false }));
projectCommands(program);
keyCommands(program);
importCommand(program);
exportCommand(program);
adminCommands(program);
listEveryCommand(program);
program.addHelpText(
  'after',
  [
    '',
    'The store: PostgreSQL when DATABASE_URL is set, else the SQLite file',
    'DATA_DIR/rolodex.db (DATA_DIR defaults to ./data). Every command names',
    'the one it uses on stderr.',
    `Exit codes: 0 done, 1 failed, ${EXIT_DATABASE_UNAVAILABLE} database missing or unreachable,`,
    `${EXIT_BAD_CONFIG} invalid configuration.`,
  ].join('\n'),
);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof AppError || error instanceof StoreStartError) {
    process.stderr.write(`rolodex: ${error.message}\n`);
    process.exit(
      error instanceof ConfigError ? EXIT_BAD_CONFIG : error instanceof StoreStartError ? EXIT_DATABASE_UNAVAILABLE : 1,
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    process.stderr.write(`rolodex: cannot listen: ${(error as Error).message}\n`);
    process.exit(1);
  }
  throw error;
}
