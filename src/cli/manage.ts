// `rolodex projects …` and `rolodex keys …`: run against the configured store,
// so a key created or revoked here counts at once on every running server.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { ProjectService, type ProjectSummary } from '../domain/projects.js';
import { openCommandStore } from './store.js';

async function withProjects<T>(work: (projects: ProjectService) => Promise<T>): Promise<T> {
  const store = await openCommandStore(loadConfig());
  try {
    return await work(new ProjectService(store));
  } finally {
    await store.close();
  }
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

export function projectCommands(program: Command): void {
  const projects = program.command('projects').description('Manage projects');
  projects
    .command('create <name>')
    .summary('A project with secret and public keys')
    .description('Create a project with one secret and one public key (shown once)')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const created = await withProjects((service) => service.createProject(name));
      print(
        Boolean(options.json),
        created,
        [
          `Project ${created.project.name} (${created.project.id})`,
          `  secret key: ${created.secretKey}`,
          '    For your servers only: it reads and changes every contact of this project.',
          '    Send it as "Authorization: Bearer <key>" to /contacts and /webhooks.',
          `  public key: ${created.publicKey}`,
          '    Safe where others can read it (a web page, an app): it cannot read or',
          '    change contacts, and no endpoint accepts it yet (they answer 403).',
          'Store these keys now: they are not shown again.',
        ].join('\n'),
      );
    });
  projects
    .command('list')
    .summary('Every project, oldest first')
    .description('List every project (id, name, creation time), oldest first')
    .option('--json', 'print JSON: [{"id","name","createdAt"}]')
    .action(async (options: { json?: boolean }) => {
      const list = await withProjects((service) => service.listProjects());
      print(Boolean(options.json), list, list.length ? projectTable(list) : 'No projects');
    });
}

/** Aligned columns under a header; the name last, since it is the only one of varying width. */
function projectTable(projects: ProjectSummary[]): string {
  const idWidth = Math.max(2, ...projects.map((project) => project.id.length));
  const timeWidth = Math.max(7, ...projects.map((project) => project.createdAt.length));
  const row = (id: string, createdAt: string, name: string) => `${id.padEnd(idWidth)}  ${createdAt.padEnd(timeWidth)}  ${name}`;
  return [row('ID', 'CREATED', 'NAME'), ...projects.map((project) => row(project.id, project.createdAt, project.name))].join('\n');
}

export function keyCommands(program: Command): void {
  const keys = program.command('keys').description('Create, list and revoke API keys');
  keys
    .command('create')
    .summary('A new secret key (or --public key)')
    .description('Create a key for a project (secret unless --public)')
    .requiredOption('--project <id>', 'project id')
    .option('--public', 'create a public key (pk_)')
    .option('--json', 'print JSON')
    .action(async (options: { project: string; public?: boolean; json?: boolean }) => {
      const key = await withProjects((service) => service.createKey(options.project, options.public ? 'public' : 'secret'));
      print(Boolean(options.json), key, `Key ${key.id}: ${key.key}\nStore it now: it is not shown again.`);
    });
  keys
    .command('list')
    .summary("A project's keys (never a raw key)")
    .description("List a project's keys (never the keys themselves)")
    .requiredOption('--project <id>', 'project id')
    .option('--json', 'print JSON')
    .action(async (options: { project: string; json?: boolean }) => {
      const list = await withProjects((service) => service.listKeys(options.project));
      const lines = list.map(
        (key) => `${key.id}  ${key.kind.padEnd(6)}  ${key.prefix}…  created ${key.createdAt}${key.revokedAt ? `  revoked ${key.revokedAt}` : ''}`,
      );
      print(Boolean(options.json), list, lines.length ? lines.join('\n') : 'No keys');
    });
  keys
    .command('revoke <keyId>')
    .summary('Revoke a key; it stops working at once')
    .description('Revoke a key; it stops working at once')
    .action(async (keyId: string) => {
      await withProjects((service) => service.revokeKey(keyId));
      process.stdout.write(`Revoked ${keyId}\n`);
    });
}
