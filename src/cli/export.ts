// `rolodex export --project ID [filters] [--format csv|ndjson] [-o FILE]`:
// the same code as GET /contacts/export, written to a file (or stdout) with
// a progress bar on a terminal. The filters are the list's, spelled as
// options: --search, --subscribed, --email, --created-after, …, and
// --data key=value (repeatable).
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { invalidField, notFound } from '../domain/errors.js';
import { ExportService, exportStream, type ExportFormat } from '../domain/export.js';
import { checkFilter, type FilterInput } from '../domain/filter.js';
import { openCommandStore } from './store.js';

interface ExportCommandOptions extends Omit<FilterInput, 'subscribed' | 'data'> {
  project: string;
  format: string;
  output?: string;
  subscribed?: string;
  data: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--data plan=pro` → { plan: 'pro' }; `--data plan=` asks for the key. */
function dataOptions(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const data = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 0) throw invalidField('--data', `"${pair}" is not key=value (an empty value, key=, asks for contacts that have the key)`);
    const key = pair.slice(0, at);
    if (key in data) throw invalidField(`--data ${key}`, 'Given more than once: a data key takes one value');
    data[key] = pair.slice(at + 1);
  }
  return data;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .summary('Export contacts as CSV or NDJSON')
    .description('Every contact of a project that matches the filters, as GET /contacts/export writes it (see docs/api.md)')
    .requiredOption('--project <id>', 'project id')
    .option('--format <csv|ndjson>', 'the file format', 'csv')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option('--search <text>', 'emails containing this text')
    .option('--subscribed <true|false>', 'subscribed or unsubscribed contacts only')
    .option('--email <address>', 'the contact with this email')
    .option('--created-after <instant>', 'created after this ISO 8601 instant')
    .option('--created-before <instant>', 'created before this ISO 8601 instant')
    .option('--updated-after <instant>', 'changed after this ISO 8601 instant')
    .option('--updated-before <instant>', 'changed before this ISO 8601 instant')
    .option('--data <key=value>', 'data[key] is value (repeatable; key= for "has the key")', collect, [])
    .action(async (options: ExportCommandOptions) => {
      const { project, format, output, subscribed, data, ...filters } = options;
      if (format !== 'csv' && format !== 'ndjson') throw invalidField('--format', 'csv or ndjson');
      if (subscribed !== undefined && subscribed !== 'true' && subscribed !== 'false') throw invalidField('--subscribed', 'true or false');
      const input: FilterInput = { ...filters, subscribed: subscribed === undefined ? undefined : subscribed === 'true', data: dataOptions(data) };
      const store = await openCommandStore(loadConfig());
      try {
        if (!(await store.projects.get(project))) throw notFound('Project');
        const body = await new ExportService(store).open(project, input, format as ExportFormat);
        const bar = process.stderr.isTTY
          ? new cliProgress.SingleBar({ stream: process.stderr, format: 'exporting [{bar}] {value}/{total} contacts' }, cliProgress.Presets.shades_classic)
          : undefined;
        if (bar) {
          const checked = checkFilter(input);
          bar.start(checked === 'nothing' ? 0 : await store.contacts.count(project, checked, 'unbounded'), 0);
        }
        const sink = output === undefined ? stdoutSink() : createWriteStream(output);
        const progress = setInterval(() => bar?.update(body.written()), 200);
        try {
          await pipeline(exportStream(body.chunks), sink);
        } finally {
          clearInterval(progress);
          bar?.update(body.written());
          bar?.stop();
        }
        if (output !== undefined) process.stderr.write(`Exported ${body.written()} contacts to ${output}\n`);
      } finally {
        await store.close();
      }
    });
}

/** Standard output as a pipeline's end, left open (the process may still write to it). */
function stdoutSink(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (process.stdout.write(chunk)) done();
      else process.stdout.once('drain', () => done());
    },
  });
}
