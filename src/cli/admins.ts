// `rolodex admins …`: the operators who may log in to the dashboard.
// `admins create EMAIL` takes the password from standard input
// (--password-stdin, one line), from a prompt on a terminal, or else makes
// one and prints it once.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { AdminService, MIN_PASSWORD_LENGTH } from '../domain/admins.js';
import { invalidField, notFound } from '../domain/errors.js';
import { openCommandStore } from './store.js';

async function withAdmins<T>(work: (admins: AdminService) => Promise<T>): Promise<T> {
  const store = await openCommandStore(loadConfig());
  try {
    return await work(new AdminService(store));
  } finally {
    await store.close();
  }
}

/** The first line of standard input, without its line end. */
async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

/** A password typed at a terminal, not echoed. */
async function prompt(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let typed = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            resolve(typed);
            return;
          }
          if (char === '\u0003') {
            stdin.off('data', onData);
            reject(new Error('Interrupted'));
            return;
          }
          if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
          else typed += char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

export function adminCommands(program: Command): void {
  const admins = program.command('admins').description('Manage the operators who may log in to the dashboard');
  admins
    .command('create <email>')
    .summary('An operator of the dashboard')
    .description(
      `Create an operator. The password (at least ${MIN_PASSWORD_LENGTH} characters) is read from standard input with ` +
        '--password-stdin, else asked for on a terminal, else generated and printed once',
    )
    .option('--password-stdin', 'read the password as one line from standard input')
    .option('--json', 'print JSON')
    .action(async (email: string, options: { passwordStdin?: boolean; json?: boolean }) => {
      let password: string | undefined;
      if (options.passwordStdin) password = await firstLine();
      else if (process.stdin.isTTY) {
        password = await prompt('Password: ');
        if ((await prompt('Again: ')) !== password) throw invalidField('password', 'The two passwords differ');
      }
      const { admin, generatedPassword } = await withAdmins((service) => service.create(email, password));
      const shown = { id: admin.id, email: admin.email, createdAt: new Date(admin.createdAt).toISOString() };
      if (options.json) process.stdout.write(`${JSON.stringify(generatedPassword ? { ...shown, password: generatedPassword } : shown)}\n`);
      else {
        process.stdout.write(`Operator ${admin.email} created\n`);
        if (generatedPassword) process.stdout.write(`  password: ${generatedPassword}\n  Store it now: it is not shown again.\n`);
      }
    });
  admins
    .command('list')
    .summary('Every operator')
    .description('List the operators (id, email, creation time), oldest first')
    .option('--json', 'print JSON: [{"id","email","createdAt"}]')
    .action(async (options: { json?: boolean }) => {
      const list = (await withAdmins((service) => service.list())).map((admin) => ({
        id: admin.id,
        email: admin.email,
        createdAt: new Date(admin.createdAt).toISOString(),
      }));
      if (options.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else process.stdout.write(list.length ? `${list.map((a) => `${a.id}  ${a.createdAt}  ${a.email}`).join('\n')}\n` : 'No operators\n');
    });
  admins
    .command('delete <email>')
    .summary('Remove an operator')
    .description('Delete an operator; their sessions end at once')
    .action(async (email: string) => {
      if (!(await withAdmins((service) => service.delete(email)))) throw notFound('Operator');
    });
}
