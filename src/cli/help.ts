// `rolodex --help`: every command a user can run, down to `keys revoke`, each
// with its one-line summary, instead of commander's list of the top level only.
import type { Command } from 'commander';

/** The commands that run something (not the groups `projects` and `keys`), each named by its whole path. */
function leaves(command: Command, path: string[] = []): { command: Command; path: string[] }[] {
  return command.commands.flatMap((child) => {
    const childPath = [...path, child.name()];
    return child.commands.length ? leaves(child, childPath) : [{ command: child, path: childPath }];
  });
}

/** Required options and arguments spelled out, the optional ones folded into `[options]`. */
function usage(command: Command): string {
  const required = command.options.filter((option) => option.mandatory).map((option) => option.flags);
  const args = command.registeredArguments.map((argument) => (argument.required ? `<${argument.name()}>` : `[${argument.name()}]`));
  const optional = command.options.some((option) => !option.mandatory) ? ['[options]'] : [];
  return [...required, ...args, ...optional].join(' ');
}

/** Set on the root command after every subcommand is added; the subcommands keep commander's own help. */
export function listEveryCommand(program: Command): void {
  const entries = leaves(program);
  const paths = new Map(entries.map(({ command, path }) => [command, path.join(' ')]));
  program.configureHelp({
    // Commander's own `help` command still answers; this entry only lists it.
    visibleCommands: () => [
      ...entries.map(({ command }) => command),
      program.createCommand('help').argument('[command]').description('Display help for a command'),
    ],
    subcommandTerm: (command) => [paths.get(command) ?? command.name(), usage(command)].filter(Boolean).join(' '),
  });
}
