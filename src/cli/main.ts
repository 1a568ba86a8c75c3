// `rolodex …`: the service's processes and its project and key management.
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { AppError } from '../domain/errors.js';
import { keyCommands, projectCommands } from './manage.js';
import type { ProcessRoles } from './run.js';

// The HTTP stack takes ~1 s to load: only the long-running processes pay for it.
async function runProcess(roles: ProcessRoles): Promise<void> {
  const { runProcess: run } = await import('./run.js');
  await run(roles);
}

const program = new Command('rolodex')
  .description('Contacts for email platforms')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

program.command('serve').description('HTTP API and job worker in one process (the default)').action(() => runProcess({ api: true, worker: true }));
program.command('api').description('HTTP API only').action(() => runProcess({ api: true, worker: false }));
program.command('worker').description('Job worker only').action(() => runProcess({ api: false, worker: true }));
program.command('migrate').description('Bring the schema to the current version, then exit').action(() => runProcess({ api: false, worker: false }));
projectCommands(program);
keyCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof AppError) {
    process.stderr.write(`rolodex: ${error.message}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    process.stderr.write(`rolodex: cannot listen: ${(error as Error).message}\n`);
    process.exit(1);
  }
  throw error;
}
