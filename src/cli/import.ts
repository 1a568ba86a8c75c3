// `rolodex import FILE --project ID`: the same code as POST /contacts/import.
// The file is checked and queued as a job exactly as an upload is, then a
// worker in this process runs it (beside any other worker, which may take
// it first) while a progress bar shows on a terminal. Exit 0 when the job
// completed, 1 when it failed or the file was refused.
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { parseImportOptions } from '../domain/import/options.js';
import { JobService } from '../domain/jobs.js';
import { notFound } from '../domain/errors.js';
import type { JobRecord } from '../domain/store.js';
import { JobRunner } from '../jobs/runner.js';
import { createLogger } from '../logger.js';
import { openCommandStore } from './store.js';

const POLL_MS = 200;

interface ImportCommandOptions {
  project: string;
  mapping?: string;
  subscribed?: string;
  resubscribe?: string;
  encoding?: string;
  delimiter?: string;
  json?: boolean;
}

export function importCommand(program: Command): void {
  program
    .command('import <file>')
    .summary('Import a CSV or NDJSON file')
    .description('Import a file into a project: checked as an upload is, then run as a job here (see docs/imports.md)')
    .requiredOption('--project <id>', 'project id')
    .option('--mapping <json>', 'columns to targets, as JSON: {"E-mail":"email","Plan":"data.plan","Notes":null}')
    .option('--subscribed <true|false>', 'status of new contacts without one in the file')
    .option('--resubscribe <true|false>', 'let the file re-subscribe contacts who unsubscribed')
    .option('--encoding <name>', 'utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-1 (else detected)')
    .option('--delimiter <char>', 'the CSV delimiter (else detected)')
    .option('--json', 'print the finished job as JSON')
    .action(async (file: string, options: ImportCommandOptions) => {
      const fields = (['mapping', 'subscribed', 'resubscribe', 'encoding', 'delimiter'] as const)
        .filter((name) => options[name] !== undefined)
        .map((name): [string, string] => [name, options[name]!]);
      const importOptions = parseImportOptions(fields);
      const bytes = await readFile(file);
      const config = loadConfig();
      const store = await openCommandStore(config);
      const runner = new JobRunner({ store, logger: createLogger('silent'), concurrency: 1, runningPerProject: config.limits.jobsRunningPerProject });
      try {
        if (!(await store.projects.get(options.project))) throw notFound('Project');
        const jobs = new JobService(store, () => runner.wake(), config.limits.jobsPendingPerProject);
        const jobId = await jobs.acceptImport(options.project, bytes, importOptions);
        runner.start();
        const job = await follow(() => store.jobs.get(options.project, jobId));
        process.stdout.write(options.json ? `${JSON.stringify(jobJson(job))}\n` : `${summary(job)}\n`);
        if (job.state !== 'completed') process.exitCode = 1;
      } finally {
        await runner.stop();
        await store.close();
      }
    });
}

/** Waits for the job to end, with a progress bar on a terminal (stderr, so stdout stays the result). */
async function follow(read: () => Promise<JobRecord | undefined>): Promise<JobRecord> {
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: 'importing [{bar}] {percentage}%' }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(100, 0);
  try {
    for (;;) {
      const job = await read();
      if (!job) throw notFound('Job');
      bar?.update(job.progress);
      if (job.state === 'completed' || job.state === 'failed') return job;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}

function jobJson(job: JobRecord): { id: string; state: string; failedReason: string | null; result: unknown } {
  return { id: job.id, state: job.state, failedReason: job.failedReason, result: JSON.parse(job.resultJson) };
}

function summary(job: JobRecord): string {
  if (job.state !== 'completed') return `Import ${job.id} failed: ${job.failedReason ?? 'unknown reason'}`;
  const r = JSON.parse(job.resultJson) as Record<string, number>;
  const failed = r.failureCount ? ` (GET /contacts/import/${job.id}/errors.csv lists them)` : '';
  return `Import ${job.id} completed: ${r.totalRows} rows, ${r.createdCount} created, ${r.updatedCount} updated, ${r.failureCount} failed${failed}`;
}
