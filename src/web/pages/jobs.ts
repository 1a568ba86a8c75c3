// Jobs: the project's imports and bulk jobs, newest first (two lists, each
// paged with its own cursor in the URL), and one job's page: its state, a
// progress bar, its counts and first errors, and for an import its failed
// rows as a CSV to fix. jobs.js polls the job's JSON (behind the session)
// every second while it is queued or running, and reloads the page once it
// has ended; without JavaScript the page says to refresh it (jobs.js
// changes that sentence when it takes over).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BulkResult } from '../../domain/jobs.js';
import type { ImportResult } from '../../domain/import/plan.js';
import { isId } from '../../domain/ids.js';
import type { JobRecord, ProjectRecord } from '../../domain/store.js';
import { projectOf, sendPage, type WebContext } from '../context.js';
import { pageNotFound } from '../errors.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';

const ASSETS = ['imports.css', 'jobs.js'];
/** Errors shown on a job's page (the job keeps the first 1,000; errors.csv has all). */
const ERRORS_SHOWN = 50;
const DEFAULT_PAGE_SIZE = 20;

type ListRequest = FastifyRequest<{ Params: { projectId: string }; Querystring: Record<string, string | string[] | undefined> }>;
type JobRequest = FastifyRequest<{ Params: { projectId: string; jobId: string } }>;

function lastOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The job of this project that the URL names, of either kind; any other is the 404 page. */
async function jobOf(context: WebContext, project: ProjectRecord, jobId: string): Promise<JobRecord> {
  const job = isId(jobId) ? await context.store.jobs.get(project.id, jobId) : undefined;
  if (!job) throw pageNotFound('job in this project');
  return job;
}

function isFinished(job: JobRecord): boolean {
  return job.state === 'completed' || job.state === 'failed';
}

const KIND_NAMES: Record<JobRecord['type'], string> = {
  import: 'Import',
  'bulk-subscribe': 'Bulk subscribe',
  'bulk-unsubscribe': 'Bulk unsubscribe',
  'bulk-delete': 'Bulk delete',
};

const STATE_NAMES: Record<JobRecord['state'], string> = {
  queued: 'Queued',
  active: 'Running',
  completed: 'Completed',
  failed: 'Failed',
};

function when(ms: number | null): Html {
  if (ms === null) return html`—`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** The counts a job's page shows, in order, with their labels: the same the JSON gives jobs.js. */
function countsOf(job: JobRecord): [key: string, label: string, value: number][] {
  if (job.type === 'import') {
    const result = JSON.parse(job.resultJson) as ImportResult;
    return [
      ['totalRows', 'Rows in the file', result.totalRows],
      ['processedRows', 'Rows processed', result.processedRows],
      ['createdCount', 'Created', result.createdCount],
      ['updatedCount', 'Updated', result.updatedCount],
      ['keptUnsubscribedCount', 'Kept unsubscribed', result.keptUnsubscribedCount],
      ['failureCount', 'Failed', result.failureCount],
    ];
  }
  const result = JSON.parse(job.resultJson) as BulkResult;
  return [
    ['totalRequested', 'Contacts asked for', result.totalRequested],
    ['successCount', 'Changed', result.successCount],
    ['unchangedCount', 'Unchanged', result.unchangedCount],
    ['failureCount', 'Failures', result.failureCount],
  ];
}

/** What jobs.js reads: the state, the progress and the counts. */
function statusJson(job: JobRecord): string {
  return JSON.stringify({
    id: job.id,
    state: job.state,
    stateName: STATE_NAMES[job.state],
    finished: isFinished(job),
    progress: job.progress,
    counts: Object.fromEntries(countsOf(job).map(([key, , value]) => [key, value])),
    failedReason: job.failedReason,
  });
}

function summaryOf(job: JobRecord): string {
  const counts = new Map(countsOf(job).map(([key, , value]) => [key, value]));
  if (job.type === 'import') {
    return `${counts.get('processedRows')} of ${counts.get('totalRows')} rows: ${counts.get('createdCount')} created, ${counts.get('updatedCount')} updated, ${counts.get('failureCount')} failed`;
  }
  return `${counts.get('totalRequested')} asked for: ${counts.get('successCount')} changed, ${counts.get('unchangedCount')} unchanged, ${counts.get('failureCount')} failed`;
}

function progressBar(job: JobRecord, id: string): Html {
  return html`<progress id="${id}" max="100" value="${job.progress}" data-progress>${job.progress}%</progress>`;
}

function jobTable(project: ProjectRecord, jobs: JobRecord[], caption: string): Html {
  return html`<table class="list jobs">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">Job</th><th scope="col">Started</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Counts</th></tr></thead>
    <tbody>${jobs.map(
      (job) => html`<tr>
        <td><a href="/projects/${project.id}/jobs/${job.id}">${KIND_NAMES[job.type]}</a> <span class="mono hint">${job.id.slice(0, 8)}</span></td>
        <td>${when(job.createdAt)}</td>
        <td><span class="state ${job.state}">${STATE_NAMES[job.state]}</span></td>
        <td><label class="visually-hidden" for="progress-${job.id}">Progress of job ${job.id.slice(0, 8)}</label>${progressBar(job, `progress-${job.id}`)}</td>
        <td>${summaryOf(job)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function pageSize(value: string | undefined): number {
  const size = Number(value);
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : DEFAULT_PAGE_SIZE;
}

function jobPage(project: ProjectRecord, request: FastifyRequest, job: JobRecord): Html {
  const counts = countsOf(job);
  const finished = isFinished(job);
  const errors =
    job.type === 'import'
      ? (JSON.parse(job.resultJson) as ImportResult).errors.map((error) => ({ where: String(error.row), what: error.email, error: error.error }))
      : (JSON.parse(job.resultJson) as BulkResult).errors.map((error) => ({ where: error.contactId, what: '', error: error.error }));
  const failures = counts.find(([key]) => key === 'failureCount')![2];
  const shown = errors.slice(0, ERRORS_SHOWN);
  const base = `/projects/${project.id}/jobs/${job.id}`;
  return page({
    title: `${project.name}: ${KIND_NAMES[job.type].toLowerCase()} job`,
    session: request.webSession,
    project,
    tab: 'jobs',
    assets: ASSETS,
    body: html`<h1>${KIND_NAMES[job.type]} <span class="mono hint">${job.id}</span></h1>
      <section class="job" ${finished ? '' : html`data-poll="${base}.json"`}>
        <p class="job-state">State: <strong class="state ${job.state}" data-state>${STATE_NAMES[job.state]}</strong></p>
        ${finished ? '' : html`<p class="hint" data-refresh-hint>Refresh the page for progress.</p>`}
        <div class="progress">
          <label for="job-progress">Progress</label>
          ${progressBar(job, 'job-progress')}
          <span data-progress-text>${job.progress}%</span>
        </div>
        <dl class="counts">${counts.map(([key, label, value]) => html`<div><dt>${label}</dt><dd data-count="${key}">${value}</dd></div>`)}</dl>
        ${job.failedReason ? html`<div class="notice error" role="alert">The job could not finish: ${job.failedReason}</div>` : ''}
        <dl class="times">
          <div><dt>Accepted</dt><dd>${when(job.createdAt)}</dd></div>
          <div><dt>Started</dt><dd>${when(job.startedAt)}</dd></div>
          <div><dt>Finished</dt><dd>${when(job.finishedAt)}</dd></div>
        </dl>
      </section>
      ${job.type === 'import' && finished
        ? failures > 0
          ? html`<p><a class="button" href="${base}/errors.csv" download>Download failed rows</a>
              <span class="hint">Every failed row as written in the file, with its row number and the problem in front: fix the cells, remove those two columns, and import the file again.</span></p>`
          : html`<p>No row failed.</p>`
        : ''}
      ${shown.length > 0
        ? html`<h2>${finished ? 'Errors' : 'Errors so far'}</h2>
          <table class="list">
            <caption class="visually-hidden">Errors</caption>
            <thead><tr>${job.type === 'import'
              ? html`<th scope="col">Row</th><th scope="col">Email</th>`
              : html`<th scope="col">Contact</th>`}<th scope="col">Problem</th></tr></thead>
            <tbody>${shown.map((error) => html`<tr><td class="mono">${error.where}</td>${job.type === 'import' ? html`<td>${error.what}</td>` : ''}<td>${error.error}</td></tr>`)}</tbody>
          </table>
          ${failures > shown.length ? html`<p class="hint">The first ${shown.length} of ${failures}${job.type === 'import' ? ': the download has every one' : ''}.</p>` : ''}`
        : ''}
      <p><a href="/projects/${project.id}/jobs">All jobs</a>${job.type === 'import' ? html` · <a href="/projects/${project.id}/import">Import another file</a>` : ''}</p>`,
  });
}

export function jobPages(app: FastifyInstance, context: WebContext): void {
  app.get('/projects/:projectId/jobs', async (request: ListRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const limit = pageSize(lastOf(request.query.limit));
    const importsCursor = lastOf(request.query.imports) || undefined;
    const bulkCursor = lastOf(request.query.bulk) || undefined;
    const [imports, bulk] = await Promise.all([
      context.jobs.list(project.id, 'import', limit, importsCursor),
      context.jobs.list(project.id, 'bulk', limit, bulkCursor),
    ]);
    const link = (params: Record<string, string | undefined>) => {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries({ limit: limit === DEFAULT_PAGE_SIZE ? undefined : String(limit), ...params })) {
        if (value) search.set(name, value);
      }
      const text = search.toString();
      return `/projects/${project.id}/jobs${text ? `?${text}` : ''}`;
    };
    const section = (
      title: string,
      id: string,
      list: typeof imports,
      cursor: string | undefined,
      next: Record<string, string | undefined>,
      first: Record<string, string | undefined>,
      empty: Html,
    ) => html`<section aria-labelledby="${id}">
      <h2 id="${id}">${title}</h2>
      ${list.jobs.length === 0 ? html`<p class="empty">${cursor ? 'No older jobs.' : empty}</p>` : jobTable(project, list.jobs, title)}
      <nav class="pager" aria-label="${title}: pages">
        ${cursor ? html`<a href="${link(first)}">Newest</a>` : ''}
        ${list.hasMore && list.cursor ? html`<a href="${link(next)}" rel="next">Older ${title.toLowerCase()}</a>` : ''}
      </nav>
    </section>`;
    return sendPage(
      reply,
      page({
        title: `${project.name}: jobs`,
        session: request.webSession,
        project,
        tab: 'jobs',
        assets: ['imports.css'],
        body: html`<h1>Jobs</h1>
          ${section('Imports', 'imports-heading', imports, importsCursor,
            { imports: imports.cursor ?? undefined, bulk: bulkCursor },
            { bulk: bulkCursor },
            html`No imports yet. <a href="/projects/${project.id}/import">Import a file</a>.`)}
          ${section('Bulk jobs', 'bulk-heading', bulk, bulkCursor,
            { imports: importsCursor, bulk: bulk.cursor ?? undefined },
            { imports: importsCursor },
            html`No bulk jobs yet: they are started from the contacts list.`)}`,
      }),
    );
  });

  app.get('/projects/:projectId/jobs/:jobId', async (request: JobRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const job = await jobOf(context, project, request.params.jobId);
    return sendPage(reply, jobPage(project, request, job));
  });

  // Live progress for jobs.js: the state, progress and counts, nothing else.
  app.get('/projects/:projectId/jobs/:jobId.json', async (request: JobRequest, reply: FastifyReply) => {
    const project = await projectOf(context, request.params.projectId);
    const job = await jobOf(context, project, request.params.jobId);
    return reply.type('application/json; charset=utf-8').send(statusJson(job));
  });

  app.get('/projects/:projectId/jobs/:jobId/errors.csv', async (request: JobRequest, reply: FastifyReply) => {
    const project = await projectOf(context, request.params.projectId);
    const job = await jobOf(context, project, request.params.jobId);
    if (job.type !== 'import') throw pageNotFound('import in this project');
    reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="import-${job.id}-errors.csv"`);
    return reply.send(Readable.from(context.imports.errorsCsv(job)));
  });
}
