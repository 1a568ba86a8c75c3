// The import wizard. An upload (multipart, its CSRF token in the action's
// query) is checked as an import would check it, then kept in the database as
// a draft for an hour, so any API process can serve the next pages. The
// preview page shows what the import would do, with a target and a type for
// every column and the import's options; its choices live in its URL's
// query (the form posts them and is sent back to the URL that holds them).
// "Start import" queues the job with the same options the API takes, deletes
// the draft, and goes to the job's page.
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { ENCODINGS } from '../../domain/import/decode.js';
import { importJob, type ImportPreview, type PreviewColumn } from '../../domain/import/import-service.js';
import { DEFAULT_OPTIONS, parseImportOptions, type ColumnMapping, type ColumnTarget, type ImportOptions } from '../../domain/import/options.js';
import { isId } from '../../domain/ids.js';
import type { ImportDraftRecord, ProjectRecord } from '../../domain/store.js';
import { discardRestOfBody } from '../../http/discard-body.js';
import { multipartLimits, readImportUpload } from '../../http/upload.js';
import { csrfFieldOf, field, projectOf, seeOther, sendPage, type WebContext } from '../context.js';
import { PageError } from '../errors.js';
import { html, type Html } from '../html.js';
import { notice, page } from '../layout.js';
import { checkCsrf } from '../session.js';

/** A draft is kept this long after its upload. */
export const DRAFT_TTL_MS = 60 * 60 * 1000;
/** A project's drafts beyond this many (the oldest) are deleted when another is uploaded. */
export const DRAFTS_PER_PROJECT = 10;
/** Rows of the preview's errors shown on the page (the preview has up to 1,000). */
const ERRORS_SHOWN = 20;
/** A preview URL longer than this (a file with hundreds of long headers) is answered in place instead. */
const MAX_URL_LENGTH = 8000;

const ASSETS = ['imports.css'];

type ProjectParams = FastifyRequest<{ Params: { projectId: string }; Querystring: Record<string, string | string[] | undefined> }>;
type DraftParams = FastifyRequest<{ Params: { projectId: string; draftId: string }; Querystring: Record<string, string | string[] | undefined> }>;

const TARGETS = ['email', 'subscribed', 'data', 'skip'] as const;
type Target = (typeof TARGETS)[number];
const TYPES = ['auto', 'string', 'number', 'boolean'] as const;
type TypeChoice = (typeof TYPES)[number];
const DELIMITER_CHOICES: [value: string, label: string][] = [
  [',', 'Comma (,)'],
  [';', 'Semicolon (;)'],
  ['tab', 'Tab'],
  ['|', 'Pipe (|)'],
];

/** What the operator chose for a column, by its header. */
interface ColumnChoice {
  header: string;
  target: Target;
  key: string;
  type: TypeChoice;
}

/** Everything the preview form says; `columns` undefined until the operator has sent the form (detection decides). */
interface Choices {
  columns: ColumnChoice[] | undefined;
  /** Before any column choice: the header of the email column typed at upload. */
  emailColumn: string | undefined;
  subscribed: boolean;
  resubscribe: boolean;
  encoding: string;
  delimiter: string;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The choices from a form body or a query, read through `get` (a field's last value). */
function readChoices(get: (name: string) => string | undefined): Choices {
  let columns: ColumnChoice[] | undefined;
  for (let index = 0; ; index++) {
    const header = get(`header.${index}`);
    if (header === undefined) break;
    (columns ??= []).push({
      header,
      target: oneOf(get(`target.${index}`), TARGETS, 'data'),
      key: get(`key.${index}`) ?? header,
      type: oneOf(get(`type.${index}`), TYPES, 'auto'),
    });
  }
  const emailColumn = get('emailColumn')?.trim();
  return {
    columns,
    emailColumn: columns || !emailColumn ? undefined : emailColumn,
    subscribed: get('subscribed') !== 'false',
    resubscribe: get('resubscribe') === 'true',
    encoding: get('encoding') ?? '',
    delimiter: get('delimiter') ?? '',
  };
}

function lastOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The query of the preview URL that holds these choices; defaults are left out, to keep it short. */
function choicesQuery(choices: Choices): string {
  const search = new URLSearchParams();
  choices.columns?.forEach((column, index) => {
    search.append(`header.${index}`, column.header);
    if (column.target !== 'data') search.append(`target.${index}`, column.target);
    if (column.key !== column.header) search.append(`key.${index}`, column.key);
    if (column.type !== 'auto') search.append(`type.${index}`, column.type);
  });
  if (choices.emailColumn) search.append('emailColumn', choices.emailColumn);
  if (!choices.subscribed) search.append('subscribed', 'false');
  if (choices.resubscribe) search.append('resubscribe', 'true');
  if (choices.encoding) search.append('encoding', choices.encoding);
  if (choices.delimiter) search.append('delimiter', choices.delimiter);
  const text = search.toString();
  return text ? `?${text}` : '';
}

function mappingOf(entries: [header: string, target: ColumnTarget][]): ColumnMapping {
  const mapping = Object.create(null) as ColumnMapping;
  for (const [header, target] of entries) mapping[header] = target;
  return mapping;
}

function targetOf(column: ColumnChoice): ColumnTarget {
  if (column.target === 'email' || column.target === 'subscribed') return column.target;
  if (column.target === 'skip') return null;
  return column.type === 'auto' ? column.key : { key: column.key, type: column.type };
}

/** The fields the API's upload takes, from the choices: parsed by the API's own parser. */
function importFields(choices: Choices, withMapping = true): [string, string][] {
  const fields: [string, string][] = [];
  if (withMapping && choices.columns) {
    fields.push(['mapping', JSON.stringify(mappingOf(choices.columns.map((column) => [column.header, targetOf(column)])))]);
  } else if (withMapping && choices.emailColumn) {
    fields.push(['mapping', JSON.stringify(mappingOf([[choices.emailColumn, 'email']]))]);
  }
  fields.push(['subscribed', String(choices.subscribed)], ['resubscribe', String(choices.resubscribe)]);
  if (choices.encoding) fields.push(['encoding', choices.encoding]);
  if (choices.delimiter) fields.push(['delimiter', choices.delimiter]);
  return fields;
}

function optionsOf(choices: Choices, withMapping = true): ImportOptions {
  return parseImportOptions(importFields(choices, withMapping));
}

/** Words for the API's field names: the dashboard has no "mapping", it has columns. */
function fieldLabel(name: string): string {
  if (name.startsWith('mapping.')) return `Column "${name.slice('mapping.'.length)}"`;
  if (name === 'mapping' || name === 'file' || name === '') return '';
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The API's advice on naming a column in `mapping`, as the dashboard gives it. */
function dashboardWords(message: string): string {
  return message
    .replace(/ Name the column "email", or say which it is in "mapping", e\.g\. .*$/s,
      ' Name the column "email" in the file, or type the name of the column that holds the addresses under "Email column" and upload it again.')
    .replace(/: name one in "mapping", e\.g\. \{.*"email"\}$/s,
      ': type the one to use under "Email column" and upload the file again.')
    .replace(/; map the others to null or to a data key$/, '; set the others to "Skip" or "Data key".');
}

/** An error of the import as the page shows it: each problem on its own line. */
function problemNotice(error: AppError): Html {
  const problems = error.errors?.length ? error.errors : [{ field: '', message: error.message }];
  const lines = problems.map((problem) => {
    const label = fieldLabel(problem.field);
    return `${label ? `${label}: ` : ''}${dashboardWords(problem.message)}`;
  });
  if (lines.length === 1) return notice('error', lines[0]!);
  return html`<div class="notice error" role="alert"><p>The file cannot be imported this way:</p><ul>${lines.map((line) => html`<li>${line}</li>`)}</ul></div>`;
}

function uploadPage(request: FastifyRequest, project: ProjectRecord, extra?: Html, emailColumn = ''): Html {
  const action = `/projects/${project.id}/import?_csrf=${encodeURIComponent(request.webSession.csrfToken)}`;
  return page({
    title: `${project.name}: import`,
    session: request.webSession,
    project,
    tab: 'import',
    assets: ASSETS,
    body: html`<h1>Import contacts</h1>
      ${extra ?? ''}
      <p>Upload the file your tool exported (Mailchimp, HubSpot, Google Contacts, Shopify, Excel, or your own script) as it is:
        a CSV file (any delimiter, any common encoding) or NDJSON, at most 5 MiB. Nothing is imported yet: the next page shows
        what the import would do, and lets you choose what each column is.</p>
      <form method="post" action="${action}" enctype="multipart/form-data" class="upload">
        <div class="field">
          <label for="file">File</label>
          <input id="file" name="file" type="file" required aria-describedby="file-hint">
          <p id="file-hint" class="hint">CSV or NDJSON, at most 5 MiB. Save a workbook (.xlsx) as CSV first.</p>
        </div>
        <div class="field">
          <label for="email-column">Email column <span class="optional">(optional)</span></label>
          <input id="email-column" name="emailColumn" maxlength="100" value="${emailColumn}" aria-describedby="email-column-hint">
          <p id="email-column-hint" class="hint">Only needed when the column of email addresses is not found by itself:
            type its header, exactly as in the file.</p>
        </div>
        <button type="submit">Upload and preview</button>
      </form>`,
  });
}

/** The draft of this project that the URL names, or the 404 page saying what became of it. */
async function draftOf(context: WebContext, project: ProjectRecord, draftId: string): Promise<{ draft: ImportDraftRecord; file: Buffer }> {
  const found = isId(draftId) ? await context.store.importDrafts.read(project.id, draftId, Date.now()) : undefined;
  if (!found) {
    throw new PageError(
      404,
      'This upload is no longer here: an upload is kept for an hour, and is gone once its import has started (its job is then on the Jobs page). Otherwise, upload the file again.',
    );
  }
  return found;
}

function typeLabel(type: string | null): string {
  return type ?? '—';
}

function bytes(size: number): string {
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(2)} MiB`;
}

function delimiterName(delimiter: string | null): string {
  if (delimiter === null) return 'none (NDJSON)';
  return { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }[delimiter] ?? delimiter;
}

function select(id: string, name: string, options: [value: string, label: string][], chosen: string, describedBy?: string): Html {
  return html`<select id="${id}" name="${name}"${describedBy ? html` aria-describedby="${describedBy}"` : ''}>${options.map(
    ([value, label]) => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`,
  )}</select>`;
}

/** The form's value for each column of the preview: the operator's choice for its header, else what the import detected. */
function columnValues(column: PreviewColumn, choices: Choices): ColumnChoice {
  const chosen = choices.columns?.find((choice) => choice.header === column.header);
  if (chosen) return chosen;
  return { header: column.header, target: column.target, key: column.key ?? column.header, type: 'auto' };
}

function columnRows(preview: ImportPreview, choices: Choices, valid: boolean): Html {
  return html`<table class="list columns">
    <caption>Columns of the file</caption>
    <thead><tr>
      <th scope="col">Column</th><th scope="col">First values</th><th scope="col">Import as</th>
      <th scope="col">Data key</th><th scope="col">Type</th>
    </tr></thead>
    <tbody>${preview.columns.map((column, index) => {
      const value = columnValues(column, choices);
      const detected = valid && column.target === 'data' && value.type === 'auto' ? html`<span class="hint">detected: ${typeLabel(column.type)}</span>` : '';
      return html`<tr>
        <th scope="row"><input type="hidden" name="header.${index}" value="${column.header}"><span class="header">${column.header}</span></th>
        <td>${column.samples.length
          ? html`<ul class="samples">${column.samples.map((sample) => html`<li>${sample}</li>`)}</ul>`
          : html`<span class="hint">empty</span>`}</td>
        <td><label class="visually-hidden" for="target-${index}">Import column ${column.header} as</label>
          ${select(`target-${index}`, `target.${index}`, [
            ['email', 'Email'],
            ['subscribed', 'Subscription status'],
            ['data', 'Data key'],
            ['skip', 'Skip'],
          ], value.target)}</td>
        <td><label class="visually-hidden" for="key-${index}">Data key for column ${column.header}</label>
          <input id="key-${index}" name="key.${index}" value="${value.key}" maxlength="100" class="key"></td>
        <td><label class="visually-hidden" for="type-${index}">Type of column ${column.header}</label>
          ${select(`type-${index}`, `type.${index}`, [
            ['auto', 'Detect'],
            ['string', 'Text'],
            ['number', 'Number'],
            ['boolean', 'True/false'],
          ], value.type)} ${detected}</td>
      </tr>`;
    })}</tbody>
  </table>`;
}

function optionFields(preview: ImportPreview, choices: Choices): Html {
  return html`<fieldset class="options">
    <legend>Options</legend>
    <div class="field">
      <label for="subscribed">Status of new contacts</label>
      ${select('subscribed', 'subscribed', [['true', 'Subscribed'], ['false', 'Unsubscribed']], String(choices.subscribed), 'subscribed-hint')}
      <p id="subscribed-hint" class="hint">For contacts the file creates whose row does not say (no subscription column, or an empty cell).</p>
    </div>
    <div class="field check">
      <input type="checkbox" id="resubscribe" name="resubscribe" value="true"${choices.resubscribe ? html` checked` : ''} aria-describedby="resubscribe-warning">
      <label for="resubscribe">Re-subscribe contacts who unsubscribed</label>
      <p id="resubscribe-warning" class="warning">Leave this off unless these people asked again to get your email:
        re-subscribing someone who unsubscribed, without their consent, breaks anti-spam law and your sender reputation.
        When it is off, a row that says "subscribed" for such a contact updates the rest and keeps them unsubscribed.</p>
    </div>
    <div class="field">
      <label for="encoding">Encoding</label>
      ${select('encoding', 'encoding', [['', `Detect (read as ${preview.encoding})`], ...ENCODINGS.map((name): [string, string] => [name, name])], choices.encoding)}
    </div>
    ${preview.format === 'csv'
      ? html`<div class="field">
          <label for="delimiter">Delimiter</label>
          ${select('delimiter', 'delimiter', [['', `Detect (${delimiterName(preview.delimiter)})`], ...DELIMITER_CHOICES], choices.delimiter)}
        </div>`
      : html`<input type="hidden" name="delimiter" value="${choices.delimiter}">`}
  </fieldset>`;
}

function rowsTable(preview: ImportPreview): Html {
  if (preview.rows.length === 0) return html`<p class="empty">The file has no rows to import.</p>`;
  return html`<table class="list rows">
    <caption>The first ${preview.rows.length} rows as they would be stored</caption>
    <thead><tr><th scope="col">Row</th><th scope="col">Email</th><th scope="col">Subscribed</th><th scope="col">Data</th></tr></thead>
    <tbody>${preview.rows.map((row) =>
      'error' in row
        ? html`<tr class="failed"><td>${row.row}</td><td>${row.email}</td><td colspan="2"><strong>Fails:</strong> ${row.error}</td></tr>`
        : html`<tr><td>${row.row}</td><td>${row.email}</td><td>${row.subscribed ? 'yes' : 'no'}</td>
            <td>${Object.keys(row.data).length
              ? html`<dl class="data">${Object.entries(row.data).map(([key, value]) => html`<dt>${key}</dt><dd><code>${JSON.stringify(value)}</code></dd>`)}</dl>`
              : html`<span class="hint">none</span>`}</td></tr>`,
    )}</tbody>
  </table>`;
}

function countsList(preview: ImportPreview): Html {
  const { counts } = preview;
  return html`<dl class="counts">
    <div><dt>Would create</dt><dd>${counts.create}</dd></div>
    <div><dt>Would update</dt><dd>${counts.update}</dd></div>
    <div><dt>Would fail</dt><dd>${counts.failure}</dd></div>
    ${counts.keptUnsubscribed > 0 ? html`<div><dt>Kept unsubscribed</dt><dd>${counts.keptUnsubscribed}</dd></div>` : ''}
  </dl>`;
}

function errorsTable(preview: ImportPreview): Html {
  if (preview.errors.length === 0) return html``;
  const shown = preview.errors.slice(0, ERRORS_SHOWN);
  return html`<h2>Rows that would fail</h2>
    <table class="list">
      <caption class="visually-hidden">Rows that would fail</caption>
      <thead><tr><th scope="col">Row</th><th scope="col">Email</th><th scope="col">Problem</th></tr></thead>
      <tbody>${shown.map((error) => html`<tr><td>${error.row}</td><td>${error.email}</td><td>${error.error}</td></tr>`)}</tbody>
    </table>
    ${preview.counts.failure > shown.length
      ? html`<p class="hint">And ${preview.counts.failure - shown.length} more: once imported, "Download failed rows" on the job's page gives every one.</p>`
      : ''}`;
}

/** The preview of the draft with these choices; when they cannot be used, what is wrong and the file as detected. */
async function previewPage(
  context: WebContext,
  request: FastifyRequest,
  project: ProjectRecord,
  draft: ImportDraftRecord,
  file: Buffer,
  choices: Choices,
  extra?: Html,
): Promise<Html> {
  let preview: ImportPreview | undefined;
  let problem: AppError | undefined;
  try {
    preview = await context.imports.preview(project.id, file, optionsOf(choices));
  } catch (error) {
    if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
    problem = error;
  }
  // The columns to choose from when the choices are refused: without them,
  // then as uploaded. The upload was checked, so the last always works.
  const fallbacks = [
    () => optionsOf(choices, false),
    () => optionsOf({ ...choices, columns: undefined, subscribed: true, resubscribe: false, encoding: '', delimiter: '' }),
    () => DEFAULT_OPTIONS,
  ];
  for (const fallback of fallbacks) {
    if (preview) break;
    try {
      preview = await context.imports.preview(project.id, file, fallback());
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
    }
  }
  if (!preview) throw problem!;
  const valid = problem === undefined;
  const action = `/projects/${project.id}/import/${draft.id}`;
  const expires = new Date(draft.expiresAt).toISOString();
  return page({
    title: `${project.name}: import preview`,
    session: request.webSession,
    project,
    tab: 'import',
    assets: ASSETS,
    body: html`<h1>Import preview</h1>
      ${extra ?? ''}
      ${problem ? problemNotice(problem) : ''}
      <p class="summary">${preview.format === 'csv' ? 'A CSV file' : 'An NDJSON file'} of ${bytes(draft.size)}:
        <strong>${preview.totalRows}</strong> ${preview.totalRows === 1 ? 'row' : 'rows'}, read as <strong>${preview.encoding}</strong>${
          preview.format === 'csv' ? html`, delimiter <strong>${delimiterName(preview.delimiter)}</strong>` : ''}.
        Nothing has been imported yet. This upload is kept until <time datetime="${expires}">${expires.slice(11, 16)} UTC</time>.</p>
      <form method="post" action="${action}" class="preview">
        ${csrfFieldOf(request)}
        ${preview.format === 'csv'
          ? columnRows(preview, choices, valid)
          : html`<p>Each line is a contact as <code>POST /contacts</code> takes it (<code>email</code>, <code>subscribed</code>, <code>data</code>): there are no columns to choose.</p>`}
        ${optionFields(preview, choices)}
        <div class="actions">
          <button type="submit" class="secondary">Update preview</button>
          ${valid ? html`<button type="submit" formaction="${action}/start">Start import</button>` : ''}
        </div>
      </form>
      ${valid
        ? html`<h2>What the import would do</h2>
          ${countsList(preview)}
          ${rowsTable(preview)}
          ${errorsTable(preview)}`
        : html`<p>Change the choices above and update the preview: the import can start once the file can be read that way.</p>`}
      <form method="post" action="${action}/discard" class="inline">
        ${csrfFieldOf(request)}
        <button type="submit" class="secondary">Discard this upload</button>
        <a href="/projects/${project.id}/import">Upload another file</a>
      </form>`,
  });
}

export function importPages(app: FastifyInstance, context: WebContext): void {
  app.get('/projects/:projectId/import', async (request: ProjectParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    return sendPage(reply, uploadPage(request, project));
  });

  // The upload, in a scope of its own: multipart bodies are parsed for this route only.
  const slots = context.uploadSlots;
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: multipartLimits, throwFileSizeLimit: false });
    scope.post('/projects/:projectId/import', async (request: ProjectParams, reply: FastifyReply) => {
      let project: ProjectRecord;
      try {
        project = await projectOf(context, request.params.projectId);
        // The session preHandler does not read a multipart body: the token is in the action's query.
        checkCsrf(request, request.webSession, lastOf(request.query._csrf));
      } catch (error) {
        // Refused before the file was read: the browser still sending it must be able to read the answer.
        discardRestOfBody(request);
        throw error;
      }
      const refuse = (error: AppError, emailColumn?: string) =>
        sendPage(reply, uploadPage(request, project, problemNotice(error), emailColumn), error.statusCode);
      if (!request.isMultipart()) return refuse(new AppError('UNSUPPORTED_MEDIA_TYPE', 'Choose a file to upload.'));
      const slot = slots.take(project.id);
      if ('refused' in slot) {
        discardRestOfBody(request);
        return refuse(new AppError('SERVICE_UNAVAILABLE', slot.refused));
      }
      let emailColumn: string | undefined;
      try {
        const { file, fields } = await readImportUpload(request, context.limits.uploadMinBytesPerSecond);
        emailColumn = fields.find(([name]) => name === 'emailColumn')?.[1].trim() || undefined;
        if (!file || file.length === 0) return refuse(new AppError('VALIDATION_ERROR', 'Choose a file to upload: the one sent is empty.'), emailColumn);
        const choices = readChoices((name) => (name === 'emailColumn' ? emailColumn : undefined));
        // Refused here as the API's upload refuses it (400), before anything is kept.
        await importJob(file, optionsOf(choices));
        const now = Date.now();
        const draft: ImportDraftRecord = { projectId: project.id, id: randomUUID(), size: file.length, createdAt: now, expiresAt: now + DRAFT_TTL_MS };
        await context.store.importDrafts.create(draft, file, DRAFTS_PER_PROJECT);
        return seeOther(reply, `/projects/${project.id}/import/${draft.id}${choicesQuery(choices)}`);
      } catch (error) {
        if (!(error instanceof AppError) || error.statusCode >= 500 && error.code !== 'SERVICE_UNAVAILABLE') throw error;
        if (error.code === 'PAYLOAD_TOO_LARGE') discardRestOfBody(request);
        // A trickling client is not worth waiting for: close once answered.
        if (error.code === 'REQUEST_TIMEOUT') reply.header('Connection', 'close');
        return refuse(error, emailColumn);
      } finally {
        slot.release();
      }
    });
  });

  app.get('/projects/:projectId/import/:draftId', async (request: DraftParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const { draft, file } = await draftOf(context, project, request.params.draftId);
    const choices = readChoices((name) => lastOf(request.query[name]));
    return sendPage(reply, await previewPage(context, request, project, draft, file, choices));
  });

  // "Update preview": back to the preview's URL with the choices in its query.
  app.post('/projects/:projectId/import/:draftId', async (request: DraftParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const choices = readChoices((name) => field(request, name));
    const location = `/projects/${project.id}/import/${request.params.draftId}${choicesQuery(choices)}`;
    if (location.length <= MAX_URL_LENGTH) return seeOther(reply, location);
    // Too long for an address (hundreds of long headers): the preview is the answer itself.
    const { draft, file } = await draftOf(context, project, request.params.draftId);
    return sendPage(reply, await previewPage(context, request, project, draft, file, choices));
  });

  app.post('/projects/:projectId/import/:draftId/start', async (request: DraftParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const { draft, file } = await draftOf(context, project, request.params.draftId);
    const choices = readChoices((name) => field(request, name));
    // The draft is taken first, so that a second click cannot queue the file
    // twice (it is put back if the import is refused). The second click's
    // answer is the one the browser shows: the jobs, where the first one's job is.
    if (!(await context.store.importDrafts.delete(project.id, draft.id))) return seeOther(reply, `/projects/${project.id}/jobs`);
    let jobId: string;
    try {
      jobId = await context.jobs.acceptImport(project.id, file, optionsOf(choices));
    } catch (error) {
      await context.store.importDrafts.create(draft, file, DRAFTS_PER_PROJECT);
      if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
      const shown = error.statusCode === 400 ? undefined : problemNotice(error);
      return sendPage(reply, await previewPage(context, request, project, draft, file, choices, shown), error.statusCode);
    }
    return seeOther(reply, `/projects/${project.id}/jobs/${jobId}`);
  });

  app.post('/projects/:projectId/import/:draftId/discard', async (request: DraftParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    if (isId(request.params.draftId)) await context.store.importDrafts.delete(project.id, request.params.draftId);
    return seeOther(reply, `/projects/${project.id}/import`);
  });
}
