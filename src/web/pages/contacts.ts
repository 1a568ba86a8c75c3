// Contacts: the list (filters, cursor paging, selection and bulk actions,
// export), one contact (email, subscription and a data editor that keeps
// types), a new contact, and deleting one after a confirmation.
//
// Every state is a URL. The list's filters are the API's query parameters
// (search, subscribed, data.<key>=<value>, createdAfter… as ISO instants);
// its filter form sends data rows as dk/dv pairs and times as UTC
// datetime-local values, and the list answers such a form with a redirect
// to the same filter written the API's way. Paging keeps the earlier
// cursors in `back`, the page number in `page` and the first page's total
// in `total`, so Previous is a plain link and no later page counts anything.
// Nothing here reads more than one page of contacts; the export streams.
//
// Forms work without JavaScript; /assets/contacts.js adds debounced search,
// selection across pages, adding and removing rows, and the JSON toggle.
import { sendExport } from '../../http/export-download.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Contact, ContactPage } from '../../domain/contacts.js';
import { emptyData, isPlainObject, parseData, type ContactData, type DataPatch, type JsonValue } from '../../domain/data.js';
import { AppError, type FieldError } from '../../domain/errors.js';
import { parseEmail } from '../../domain/email.js';
import { isEmptyFilter, MAX_EXCLUDED_IDS, parseInstant, type FilterInput } from '../../domain/filter.js';
import { isId } from '../../domain/ids.js';
import type { BulkOperation } from '../../domain/jobs.js';
import { QueryTimeoutError, StoreUnavailableError, type ProjectRecord } from '../../domain/store.js';
import { codePointLength } from '../../domain/text.js';
import { csrfFieldOf, field, fields, projectOf, seeOther, sendPage, type WebContext } from '../context.js';
import { PageError, pageNotFound } from '../errors.js';
import { html, queryString, type Html } from '../html.js';
import { notice, page } from '../layout.js';

const PAGE_SIZE = 50;
/** Earlier cursors kept for Previous (about 75 bytes each, well inside a URL). */
const MAX_BACK = 40;
/** Contacts picked one by one for a bulk action (the API's cap on contactIds). */
const MAX_IDS = 1000;
/** A bulk delete of more than this many needs the number typed. */
const CONFIRM_DELETE_ABOVE = 100;
const ASSETS = ['contacts.js', 'contacts.css'];

type ProjectRequest = FastifyRequest<{ Params: { projectId: string } }>;
type ContactRequest = FastifyRequest<{ Params: { projectId: string; contactId: string } }>;

// ---------------------------------------------------------------------------
// Small helpers

const numberFormat = new Intl.NumberFormat('en-US');
const count = (n: number): string => numberFormat.format(n);

function searchParams(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
}

function when(ms: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>`;
}

function contactsUrl(projectId: string, pairs: [string, string][] = []): string {
  return `/projects/${projectId}/contacts${queryString(pairs)}`;
}

/** Readable names for the fields the domain's errors name. */
function fieldLabel(name: string): string {
  const labels: Record<string, string> = {
    email: 'Email',
    data: 'Data',
    search: 'Email contains',
    subscribed: 'Status',
    createdAfter: 'Created after',
    createdBefore: 'Created before',
    updatedAfter: 'Updated after',
    updatedBefore: 'Updated before',
  };
  const bare = name.replace(/^filter\./, '');
  if (Object.hasOwn(labels, bare)) return labels[bare]!;
  if (bare.startsWith('data.')) return `Data key "${bare.slice('data.'.length)}"`;
  return bare;
}

/** What to tell the operator about an error a page can recover from; undefined for anything else (a 500). */
function problemOf(error: unknown): { status: number; message: string } | undefined {
  if (error instanceof AppError && error.statusCode < 500) {
    const message = error.errors?.length
      ? error.errors.map((e: FieldError) => (e.field ? `${fieldLabel(e.field)}: ${e.message}` : e.message)).join('; ')
      : error.message;
    return { status: error.statusCode, message };
  }
  if (error instanceof AppError) return { status: error.statusCode, message: error.message };
  if (error instanceof QueryTimeoutError) {
    return { status: 503, message: `The search took longer than ${error.timeoutMs} ms and was stopped: narrow it (a longer search term, or more filters).` };
  }
  if (error instanceof StoreUnavailableError) return { status: 503, message: 'The database is unavailable; try again shortly.' };
  return undefined;
}

function recoverable(error: unknown): { status: number; message: string } {
  const problem = problemOf(error);
  if (!problem) throw error;
  return problem;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

// ---------------------------------------------------------------------------
// The list's filter, as read from a URL (or a bulk form's `filter` field)

const TIME_FILTERS = [
  ['createdAfter', 'Created after'],
  ['createdBefore', 'Created before'],
  ['updatedAfter', 'Updated after'],
  ['updatedBefore', 'Updated before'],
] as const;
type TimeName = (typeof TIME_FILTERS)[number][0];

interface FilterState {
  search: string;
  /** '', 'true' or 'false' (or what was given, when that is something else). */
  subscribed: string;
  /** Key → value, in the order given; an empty value asks for contacts that have the key. */
  data: [string, string][];
  times: Partial<Record<TimeName, string>>;
  /** What is wrong with the filter as given (checked further by the domain). */
  problems: string[];
}

/** A datetime-local value (no zone): read as UTC, as the form says. */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;

function fromLocalTime(text: string): string {
  if (!LOCAL_TIME.test(text)) return text;
  const instant = parseInstant(`${text}Z`);
  return instant ? new Date(instant.ms).toISOString() : text;
}

/** An instant as a datetime-local value in UTC, and the step that shows it whole; empty when it is not an instant. */
function toLocalTime(text: string | undefined): { value: string; step: string } {
  const instant = text === undefined ? undefined : parseInstant(text);
  if (!instant) return { value: '', step: '1' };
  const iso = new Date(instant.ms).toISOString();
  return iso.slice(20, 23) === '000' ? { value: iso.slice(0, 19), step: '1' } : { value: iso.slice(0, 23), step: '0.001' };
}

function readFilter(params: URLSearchParams): FilterState {
  const state: FilterState = { search: (params.get('search') ?? '').trim(), subscribed: params.get('subscribed') ?? '', data: [], times: {}, problems: [] };
  if (!['', 'true', 'false'].includes(state.subscribed)) state.problems.push('Status: choose any, subscribed or unsubscribed');
  if (codePointLength(state.search) > 254) state.problems.push('Email contains: at most 254 characters');
  const seen = new Set<string>();
  const add = (key: string, value: string) => {
    if (seen.has(key)) state.problems.push(`Data: the key "${key}" is given twice; a contact holds one value per key`);
    else {
      seen.add(key);
      state.data.push([key, value]);
    }
  };
  for (const [name, value] of params) if (name.startsWith('data.')) add(name.slice('data.'.length), value);
  const keys = params.getAll('dk');
  const values = params.getAll('dv');
  for (let i = 0; i < Math.max(keys.length, values.length); i++) {
    const [key, value] = [keys[i] ?? '', values[i] ?? ''];
    if (key === '' && value === '') continue;
    if (key === '') state.problems.push(`Data filter ${i + 1}: give the key that should hold "${value}"`);
    else add(key, value);
  }
  for (const [name] of TIME_FILTERS) {
    const value = (params.get(name) ?? '').trim();
    if (value !== '') state.times[name] = fromLocalTime(value);
  }
  return state;
}

function filterInput(state: FilterState): FilterInput {
  const input: FilterInput = {};
  if (state.search !== '') input.search = state.search;
  if (state.subscribed === 'true' || state.subscribed === 'false') input.subscribed = state.subscribed === 'true';
  if (state.data.length > 0) {
    // Keyed by the operator's text: `__proto__` is a key like any other.
    const data = Object.create(null) as Record<string, string>;
    for (const [key, value] of state.data) data[key] = value;
    input.data = data;
  }
  for (const [name] of TIME_FILTERS) if (state.times[name] !== undefined) input[name] = state.times[name];
  return input;
}

/** The filter as the API's query parameters, in a fixed order. */
function filterPairs(state: FilterState): [string, string][] {
  const pairs: [string, string][] = [];
  if (state.search !== '') pairs.push(['search', state.search]);
  if (state.subscribed !== '') pairs.push(['subscribed', state.subscribed]);
  for (const [key, value] of state.data) pairs.push([`data.${key}`, value]);
  for (const [name] of TIME_FILTERS) if (state.times[name] !== undefined) pairs.push([name, state.times[name]!]);
  return pairs;
}

// ---------------------------------------------------------------------------
// Paging: the cursor of this page, the earlier ones, the page number and the first page's total

interface Paging {
  cursor?: string;
  back: string[];
  page: number;
  total?: number;
}

const CURSOR_TEXT = /^[A-Za-z0-9_-]{1,200}$/;

function readPaging(params: URLSearchParams): Paging {
  const cursor = params.get('cursor') || undefined;
  if (cursor === undefined) return { back: [], page: 1 };
  const back = (params.get('back') ?? '').split('.').filter((c) => CURSOR_TEXT.test(c)).slice(-MAX_BACK);
  const pageText = params.get('page') ?? '';
  const pageNumber = /^[1-9][0-9]{0,8}$/.test(pageText) ? Math.max(2, Number(pageText)) : back.length + 2;
  const totalText = params.get('total') ?? '';
  const total = /^(0|[1-9][0-9]{0,14})$/.test(totalText) ? Number(totalText) : undefined;
  return { cursor, back, page: pageNumber, total };
}

function pagingPairs(paging: Paging): [string, string][] {
  if (paging.cursor === undefined) return [];
  const pairs: [string, string][] = [['cursor', paging.cursor]];
  if (paging.back.length > 0) pairs.push(['back', paging.back.join('.')]);
  pairs.push(['page', String(paging.page)]);
  if (paging.total !== undefined) pairs.push(['total', String(paging.total)]);
  return pairs;
}

const LIST_NOTICES: Record<string, string> = { deleted: 'The contact was deleted.' };

// ---------------------------------------------------------------------------
// A contact's data as the editor's rows, and back

const TYPES = ['string', 'number', 'boolean', 'null', 'json'] as const;
type RowType = (typeof TYPES)[number];
const TYPE_LABELS: Record<RowType, string> = { string: 'Text', number: 'Number', boolean: 'Boolean', null: 'Null (removes the key)', json: 'JSON' };

interface DataRow {
  key: string;
  type: RowType;
  value: string;
  removed?: boolean;
}

interface EditorState {
  editor: 'rows' | 'json';
  rows: DataRow[];
  json: string;
  /** False when a key holds characters an <input> cannot carry: the data is then edited as JSON only. */
  rowsPossible: boolean;
}

/** Text an <input> cannot carry unchanged (line breaks, other control characters, lone surrogates). */
function notInputSafe(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text) || !text.isWellFormed();
}

function rowOf(key: string, value: JsonValue): DataRow {
  if (typeof value === 'string') return notInputSafe(value) ? { key, type: 'json', value: JSON.stringify(value) } : { key, type: 'string', value };
  if (typeof value === 'number') return { key, type: 'number', value: JSON.stringify(value) };
  if (typeof value === 'boolean') return { key, type: 'boolean', value: String(value) };
  if (value === null) return { key, type: 'null', value: '' };
  return { key, type: 'json', value: JSON.stringify(value) };
}

function editorOf(data: ContactData, editor?: string): EditorState {
  const keys = Object.keys(data);
  // Keys an <input> cannot hold are edited as JSON, which escapes them.
  const rowsPossible = !keys.some(notInputSafe);
  return {
    editor: editor === 'json' || !rowsPossible ? 'json' : 'rows',
    rows: rowsPossible ? keys.map((key) => rowOf(key, data[key]!)) : [],
    json: JSON.stringify(data, null, 2),
    rowsPossible,
  };
}

function editorFromForm(request: FastifyRequest): EditorState {
  const keys = fields(request, 'key');
  const types = fields(request, 'type');
  const values = fields(request, 'value');
  const removed = new Set(fields(request, 'remove'));
  const rows: DataRow[] = [];
  for (let i = 0; i < Math.max(keys.length, types.length, values.length); i++) {
    const type = (TYPES as readonly string[]).includes(types[i] ?? '') ? (types[i] as RowType) : 'string';
    const row = { key: keys[i] ?? '', type, value: values[i] ?? '', removed: removed.has(String(i)) };
    // Blank rows are skipped (and the form shown again brings its own).
    if (row.key !== '' || row.value !== '') rows.push(row);
  }
  const editor = field(request, 'editor') === 'json' ? 'json' : 'rows';
  return { editor, rows, json: field(request, 'json') ?? '', rowsPossible: field(request, 'rowsPossible') !== 'false' };
}

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** The data the editor holds (keys whose value is null are left out: null removes a key), or what is wrong with it. */
function dataFromEditor(state: EditorState): { data: ContactData } | { problems: string[] } {
  const data = emptyData();
  const problems: string[] = [];
  const put = (key: string, value: JsonValue) => {
    if (value !== null) data[key] = value;
  };
  if (state.editor === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(state.json);
    } catch (error) {
      return { problems: [`The JSON is not valid: ${(error as Error).message}`] };
    }
    if (!isPlainObject(parsed)) return { problems: ['The data must be a JSON object, such as {"plan": "pro"}'] };
    for (const key of Object.keys(parsed)) put(key, parsed[key] as JsonValue);
    return { data };
  }
  const seen = new Set<string>();
  state.rows.forEach((row, i) => {
    if (row.removed || (row.key === '' && row.value === '')) return;
    const where = `Row ${i + 1}${row.key === '' ? '' : ` ("${row.key}")`}`;
    if (row.key === '') return problems.push(`${where}: give the key for this value`);
    if (seen.has(row.key)) return problems.push(`${where}: the key "${row.key}" is given twice`);
    seen.add(row.key);
    const text = row.value.trim();
    switch (row.type) {
      case 'string':
        return put(row.key, row.value);
      case 'null':
        return undefined;
      case 'boolean':
        if (text === 'true' || text === 'false') return put(row.key, text === 'true');
        return problems.push(`${where}: a boolean is true or false, not "${row.value}"`);
      case 'number': {
        const number = Number(text);
        if (!JSON_NUMBER.test(text)) return problems.push(`${where}: "${row.value}" is not a number (write it like 5, -1.5 or 2e3)`);
        if (!Number.isFinite(number)) return problems.push(`${where}: ${text} is too large for a number`);
        return put(row.key, number);
      }
      case 'json':
        try {
          return put(row.key, JSON.parse(row.value) as JsonValue);
        } catch (error) {
          return problems.push(`${where}: not valid JSON (${(error as Error).message})`);
        }
    }
  });
  return problems.length > 0 ? { problems } : { data };
}

function typeOptions(selected: RowType): Html[] {
  return TYPES.map((type) => html`<option value="${type}"${type === selected ? html` selected` : ''}>${TYPE_LABELS[type]}</option>`);
}

function editorRow(row: DataRow, n: number, removable: boolean): Html {
  return html`<tr class="data-row">
    <td><input name="key" value="${row.key}" aria-label="Key of row ${n}" data-label="Key of row" autocomplete="off" spellcheck="false"></td>
    <td><select name="type" aria-label="Type of row ${n}" data-label="Type of row">${typeOptions(row.type)}</select></td>
    <td><input name="value" value="${row.value}" aria-label="Value of row ${n}" data-label="Value of row" autocomplete="off" spellcheck="false"></td>
    <td class="row-actions">${removable
      ? html`<label class="no-js-remove"><input type="checkbox" name="remove" value="${n - 1}"${row.removed ? html` checked` : ''}> Remove<span class="visually-hidden"> row ${n}</span></label>`
      : ''}<button type="button" class="secondary" data-remove-row hidden>Remove</button></td>
  </tr>`;
}

/** The data editor: rows (key, type, value) or the whole object as JSON; `editor` says which one the server reads. */
function dataEditor(state: EditorState, switchHref: (editor: 'rows' | 'json') => string): Html {
  const { rowsPossible } = state;
  const rows = [...state.rows, { key: '', type: 'string' as RowType, value: '' }, { key: '', type: 'string' as RowType, value: '' }];
  return html`<fieldset class="data-editor" data-editor>
    <legend>Data</legend>
    <input type="hidden" name="editor" value="${state.editor}" data-editor-mode>
    ${rowsPossible ? '' : html`<input type="hidden" name="rowsPossible" value="false">`}
    <div class="editor-message" role="alert" data-editor-message></div>
    <div class="rows-editor" data-editor-pane="rows"${state.editor === 'rows' ? '' : html` hidden`}>
      <p class="hint">One row per key. Leave a row empty to skip it. Numbers and booleans keep their type; use JSON for lists and nested objects.
        <a href="${switchHref('json')}" data-editor-switch="json">Edit as JSON</a></p>
      ${rowsPossible
        ? html`<table class="data-rows">
            <thead><tr><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Value</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
            <tbody data-rows="editor">${rows.map((row, i) => editorRow(row, i + 1, i < state.rows.length))}</tbody>
          </table>
          <template data-row-template="editor">${editorRow({ key: '', type: 'string', value: '' }, 0, false)}</template>
          <button type="button" class="secondary" data-add-row="editor" hidden>Add a row</button>`
        : html`<p>Some keys hold line breaks or other control characters, which rows cannot show: edit this data as JSON.</p>`}
    </div>
    <div class="json-editor" data-editor-pane="json"${state.editor === 'json' ? '' : html` hidden`}>
      <p class="hint">The whole data object. Keys you leave out are removed; a key set to null is removed too.
        ${rowsPossible ? html`<a href="${switchHref('rows')}" data-editor-switch="rows">Edit as rows</a>` : ''}</p>
      <label for="data-json">Data as JSON</label>
      <textarea id="data-json" name="json" rows="14" spellcheck="false" class="mono">${state.json}</textarea>
    </div>
  </fieldset>`;
}

// ---------------------------------------------------------------------------
// The list

interface ListView {
  project: ProjectRecord;
  filter: FilterState;
  paging: Paging;
  result?: ContactPage;
  problem?: string;
  info?: string;
}

function dataPreview(dataJson: string): Html | string {
  const data = parseData(dataJson);
  const keys = Object.keys(data);
  if (keys.length === 0) return '—';
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const shown = keys.slice(0, 3).map((key) => {
    const value = data[key];
    return html`<span class="pair"><span class="key">${cut(key, 24)}</span>: ${cut(typeof value === 'string' ? value : JSON.stringify(value), 40)}</span>`;
  });
  return html`${shown}${keys.length > 3 ? html`<span class="more">+${keys.length - 3} more</span>` : ''}`;
}

function filterForm(project: ProjectRecord, filter: FilterState): Html {
  const rows = [...filter.data, ['', ''], ['', '']] as [string, string][];
  const dataRow = (key: string, value: string, n: number) => html`<div class="data-row">
    <input name="dk" value="${key}" aria-label="Data key ${n}" data-label="Data key" placeholder="key" autocomplete="off" spellcheck="false">
    <span aria-hidden="true">=</span>
    <input name="dv" value="${value}" aria-label="Data value ${n}" data-label="Data value" placeholder="value (empty: has the key)" autocomplete="off" spellcheck="false">
  </div>`;
  const subscribedOption = (value: string, label: string) =>
    html`<option value="${value}"${filter.subscribed === value ? html` selected` : ''}>${label}</option>`;
  return html`<form method="get" action="/projects/${project.id}/contacts" class="filters" role="search" aria-label="Filter contacts">
    <div class="filter-main">
      <div class="control"><label for="filter-search">Email contains</label>
        <input id="filter-search" name="search" type="search" value="${filter.search}" maxlength="254" autocomplete="off" spellcheck="false" data-debounce></div>
      <div class="control"><label for="filter-subscribed">Status</label>
        <select id="filter-subscribed" name="subscribed">${subscribedOption('', 'Any')}${subscribedOption('true', 'Subscribed')}${subscribedOption('false', 'Unsubscribed')}</select></div>
    </div>
    <details class="more-filters"${filter.data.length > 0 || Object.keys(filter.times).length > 0 ? html` open` : ''}>
      <summary>Data and dates</summary>
      <fieldset class="data-filters">
        <legend>Data</legend>
        <div data-rows="filter">${rows.map(([key, value], i) => dataRow(key, value, i + 1))}</div>
        <template data-row-template="filter">${dataRow('', '', 0)}</template>
        <button type="button" class="secondary" data-add-row="filter" hidden>Add a data filter</button>
        <p class="hint">A value matches the same text, or a number or boolean written the same way (5 matches 5 and "5"). Leave the value empty to find the contacts that have the key.</p>
      </fieldset>
      <fieldset class="time-filters">
        <legend>Dates (UTC)</legend>
        ${TIME_FILTERS.map(([name, label]) => {
          const local = toLocalTime(filter.times[name]);
          return html`<div class="control"><label for="filter-${name}">${label}</label>
            <input id="filter-${name}" name="${name}" type="datetime-local" step="${local.step}" value="${local.value}"></div>`;
        })}
        <p class="hint">Times are in UTC (Coordinated Universal Time), not your computer's time zone.</p>
      </fieldset>
    </details>
    <div class="filter-actions">
      <button type="submit">Filter</button>
      <a href="/projects/${project.id}/contacts">Clear filters</a>
    </div>
  </form>`;
}

function listPage(view: ListView, session: FastifyRequest['webSession'], request: FastifyRequest): Html {
  const { project, filter, paging, result } = view;
  const pairs = filterPairs(filter);
  const filterQuery = queryString(pairs).slice(1);
  const empty = isEmptyFilter(filterInput(filter));
  const head = html`<div class="page-head">
      <h1>Contacts</h1>
      <p class="page-actions"><a href="/projects/${project.id}/contacts/new">Add a contact</a> <a href="/projects/${project.id}/import">Import a CSV</a></p>
    </div>
    ${view.info ? notice('success', view.info) : ''}
    ${view.problem ? notice('error', view.problem) : ''}`;

  if (result && result.contacts.length === 0 && paging.cursor === undefined && empty && result.total === 0) {
    return page({
      title: `${project.name}: contacts`,
      session,
      project,
      tab: 'contacts',
      assets: ASSETS,
      body: html`${head}<div class="empty first-run">
        <h2>No contacts yet</h2>
        <p>Bring your list in from a spreadsheet, or add contacts one at a time (your servers can also add them through the API).</p>
        <p><a href="/projects/${project.id}/import">Import a CSV</a> · <a href="/projects/${project.id}/contacts/new">Add a contact</a></p>
      </div>`,
    });
  }

  let content: Html | string = '';
  if (result) {
    const total = paging.cursor === undefined ? result.total : paging.total;
    const from = (paging.page - 1) * PAGE_SIZE + 1;
    const range = result.contacts.length > 0 ? `${count(from)}–${count(from + result.contacts.length - 1)}${total === undefined ? '' : ` of ${count(total)}`}` : '';
    const next: [string, string][] | undefined =
      result.hasMore && result.cursor
        ? [...pairs, ...pagingPairs({ cursor: result.cursor, back: paging.cursor ? [...paging.back, paging.cursor].slice(-MAX_BACK) : [], page: paging.page + 1, total })]
        : undefined;
    const previous: [string, string][] | undefined =
      paging.cursor === undefined
        ? undefined
        : paging.back.length > 0 && paging.page > 2
          ? [...pairs, ...pagingPairs({ cursor: paging.back[paging.back.length - 1], back: paging.back.slice(0, -1), page: paging.page - 1, total })]
          : pairs;
    const pager = html`<nav class="pager" aria-label="Pages">
      ${previous ? html`<a href="${contactsUrl(project.id, previous)}" rel="prev">Previous</a>` : html`<span class="disabled" aria-hidden="true">Previous</span>`}
      ${range ? html`<span class="range">${range}</span>` : ''}
      ${next ? html`<a href="${contactsUrl(project.id, next)}" rel="next">Next</a>` : html`<span class="disabled" aria-hidden="true">Next</span>`}
    </nav>`;
    const exportPairs = (format: string): [string, string][] => [['format', format], ...pairs];

    if (result.contacts.length === 0) {
      content = paging.cursor === undefined
        ? html`<div class="empty no-results"><h2>No contacts match</h2><p>No contact matches this search and these filters.</p><p><a href="/projects/${project.id}/contacts">Clear filters</a></p></div>`
        : html`<div class="empty"><h2>No more contacts</h2><p><a href="${contactsUrl(project.id, pairs)}">Back to the first page</a></p></div>`;
    } else {
      const allLabel = total === undefined ? 'Select all matching' : `Select all ${count(total)} matching`;
      content = html`<div class="list-bar">
          <p class="range-summary" aria-live="polite">${range}</p>
          <p class="export">Export ${empty ? 'every contact' : 'these contacts'}:
            <a href="/projects/${project.id}/contacts/export${queryString(exportPairs('csv'))}" download>CSV</a>
            <a href="/projects/${project.id}/contacts/export${queryString(exportPairs('ndjson'))}" download>NDJSON</a></p>
        </div>
        <form method="post" action="/projects/${project.id}/contacts/bulk" id="bulk" class="bulk"
          data-selection-key="${project.id}?${filterQuery}" data-total="${total === undefined ? '' : String(total)}">
          ${csrfFieldOf(request)}
          <input type="hidden" name="filter" value="${filterQuery}">
          <div class="bulk-bar">
            <label class="all-matching"><input type="checkbox" name="all" value="1" id="select-all-matching"> ${allLabel}</label>
            <span class="selection-status" role="status" data-selection-status></span>
            <span class="bulk-actions">
              <button type="submit" name="operation" value="subscribe" class="secondary">Subscribe selected</button>
              <button type="submit" name="operation" value="unsubscribe" class="secondary">Unsubscribe selected</button>
              <button type="submit" name="operation" value="delete" class="danger">Delete selected…</button>
            </span>
          </div>
          <table class="list contacts">
            <caption class="visually-hidden">Contacts${range ? `, ${range}` : ''}</caption>
            <thead><tr>
              <th scope="col" class="check"><span class="visually-hidden">Select</span><input type="checkbox" id="select-page" aria-label="Select every contact on this page" hidden></th>
              <th scope="col">Email</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Data</th>
            </tr></thead>
            <tbody>${result.contacts.map(
              (contact) => html`<tr>
                <td class="check"><input type="checkbox" name="ids" value="${contact.id}" aria-label="Select ${contact.email}"></td>
                <td class="email"><a href="/projects/${project.id}/contacts/${contact.id}">${contact.email}</a></td>
                <td>${contact.subscribed ? html`<span class="badge subscribed">Subscribed</span>` : html`<span class="badge unsubscribed">Unsubscribed</span>`}</td>
                <td>${when(contact.createdAt)}</td>
                <td class="preview">${dataPreview(contact.dataJson)}</td>
              </tr>`,
            )}</tbody>
          </table>
        </form>
        ${pager}`;
    }
  }

  return page({
    title: `${project.name}: contacts`,
    session,
    project,
    tab: 'contacts',
    assets: ASSETS,
    body: html`${head}${filterForm(project, filter)}${content}`,
  });
}

// ---------------------------------------------------------------------------
// One contact, a new one, and deleting one

interface ContactForm {
  email: string;
  subscribed: boolean;
  editor: EditorState;
}

function contactPage(
  request: FastifyRequest,
  project: ProjectRecord,
  contact: Contact,
  form: ContactForm,
  messages: { problem?: string; info?: string } = {},
): Html {
  const base = `/projects/${project.id}/contacts/${contact.id}`;
  return page({
    title: `${contact.email} · ${project.name}`,
    session: request.webSession,
    project,
    tab: 'contacts',
    assets: ASSETS,
    body: html`<p class="back"><a href="/projects/${project.id}/contacts">← Contacts</a></p>
      <h1 class="contact-email">${contact.email}</h1>
      ${messages.info ? notice('success', messages.info) : ''}
      ${messages.problem ? notice('error', messages.problem) : ''}
      <dl class="facts">
        <div><dt>Status</dt><dd>${contact.subscribed ? html`<span class="badge subscribed">Subscribed</span>` : html`<span class="badge unsubscribed">Unsubscribed</span>`}</dd></div>
        <div><dt>Created</dt><dd>${when(contact.createdAt)} UTC</dd></div>
        <div><dt>Updated</dt><dd>${when(contact.updatedAt)} UTC</dd></div>
      </dl>
      <div class="secret">
        <label for="contact-id">Id</label>
        <input id="contact-id" readonly value="${contact.id}" class="mono">
        <button type="button" class="copy secondary" data-copy="contact-id">Copy id</button>
      </div>
      <form method="post" action="${base}" class="contact-form">
        ${csrfFieldOf(request)}
        ${contactFields(form)}
        <div class="form-actions"><button type="submit">Save changes</button> <a href="${base}">Discard changes</a></div>
      </form>
      <h2>Delete</h2>
      <p>Deleting a contact removes it for good. <a href="${base}/delete" class="danger-link">Delete this contact…</a></p>`,
  });
}

function contactFields(form: ContactForm): Html {
  return html`<div class="control"><label for="contact-email">Email</label>
      <input id="contact-email" name="email" type="text" inputmode="email" autocomplete="off" spellcheck="false" required value="${form.email}"></div>
    <div class="control checkbox"><input id="contact-subscribed" name="subscribed" type="checkbox" value="true"${form.subscribed ? html` checked` : ''}>
      <label for="contact-subscribed">Subscribed</label></div>
    ${dataEditor(form.editor, (editor) => `?editor=${editor}`)}`;
}

function newContactPage(request: FastifyRequest, project: ProjectRecord, form: ContactForm, problem?: Html | string): Html {
  return page({
    title: `New contact · ${project.name}`,
    session: request.webSession,
    project,
    tab: 'contacts',
    assets: ASSETS,
    body: html`<p class="back"><a href="/projects/${project.id}/contacts">← Contacts</a></p>
      <h1>New contact</h1>
      ${typeof problem === 'string' ? notice('error', problem) : (problem ?? '')}
      <form method="post" action="/projects/${project.id}/contacts/new" class="contact-form">
        ${csrfFieldOf(request)}
        ${contactFields(form)}
        <div class="form-actions"><button type="submit">Create contact</button> <a href="/projects/${project.id}/contacts">Cancel</a></div>
      </form>`,
  });
}

async function contactOf(context: WebContext, project: ProjectRecord, contactId: string): Promise<Contact> {
  try {
    return await context.contacts.get(project.id, contactId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw pageNotFound('contact');
    throw error;
  }
}

/** The patch that turns `stored` into `next`: every key of `next`, and null for each key it no longer has. */
function patchTo(stored: ContactData, next: ContactData): DataPatch | undefined {
  const patch = Object.create(null) as DataPatch;
  for (const key of Object.keys(stored)) if (!Object.hasOwn(next, key)) patch[key] = null;
  for (const key of Object.keys(next)) patch[key] = next[key]!;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

// ---------------------------------------------------------------------------
// Bulk actions

const OPERATIONS: readonly string[] = ['subscribe', 'unsubscribe', 'delete'] satisfies BulkOperation[];

interface BulkRequest {
  operation: BulkOperation;
  filter: FilterState;
  filterQuery: string;
  all: boolean;
  ids: string[];
  excludeIds: string[];
}

function bulkPage(request: FastifyRequest, project: ProjectRecord, title: string, body: Html): Html {
  return page({ title, session: request.webSession, project, tab: 'contacts', assets: ASSETS, body: html`<h1>${title}</h1>${body}` });
}

/** The confirmation a delete of more than 100 contacts needs: the number, typed. */
function confirmDeletePage(request: FastifyRequest, project: ProjectRecord, bulk: BulkRequest, howMany: number, problem?: string): Html {
  const listUrl = `/projects/${project.id}/contacts${bulk.filterQuery ? `?${bulk.filterQuery}` : ''}`;
  return bulkPage(
    request,
    project,
    `Delete ${count(howMany)} contacts?`,
    html`${problem ? notice('error', problem) : ''}
      <p>${bulk.all
        ? `${bulk.filterQuery ? 'Every contact that matches the filter' : 'Every contact of this project'}${bulk.excludeIds.length > 0 ? `, but the ${count(bulk.excludeIds.length)} you left out,` : ''} is deleted for good.`
        : 'The contacts you selected are deleted for good.'} This cannot be undone.</p>
      <form method="post" action="/projects/${project.id}/contacts/bulk" class="confirm">
        ${csrfFieldOf(request)}
        <input type="hidden" name="operation" value="delete">
        <input type="hidden" name="filter" value="${bulk.filterQuery}">
        ${bulk.all ? html`<input type="hidden" name="all" value="1">` : ''}
        ${bulk.ids.map((id) => html`<input type="hidden" name="ids" value="${id}">`)}
        ${bulk.excludeIds.map((id) => html`<input type="hidden" name="excludeIds" value="${id}">`)}
        <label for="confirm-count">To confirm, type the number of contacts to delete (${count(howMany)})</label>
        <input id="confirm-count" name="confirm" inputmode="numeric" autocomplete="off" required>
        <button type="submit" class="danger">Delete ${count(howMany)} contacts</button>
        <a href="${listUrl}">Cancel</a>
      </form>`,
  );
}

// ---------------------------------------------------------------------------
// Routes

export function contactPages(app: FastifyInstance, context: WebContext): void {

  app.get('/projects/:projectId/contacts', async (request: ProjectRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const params = searchParams(request);
    const filter = readFilter(params);
    const paging = readPaging(params);
    const noticeKey = params.get('notice') ?? '';
    const info = Object.hasOwn(LIST_NOTICES, noticeKey) ? LIST_NOTICES[noticeKey] : undefined;
    const view: ListView = { project, filter, paging, info };

    if (filter.problems.length > 0) {
      view.problem = filter.problems.join('; ');
      return sendPage(reply, listPage(view, request.webSession, request), 400);
    }
    // The filter form's own fields (data rows, UTC times, empty values) become the API's parameters.
    const canonical = [...filterPairs(filter), ...pagingPairs(paging), ...(info ? [['notice', noticeKey] as [string, string]] : [])];
    if (params.toString() !== new URLSearchParams(canonical).toString()) return seeOther(reply, contactsUrl(project.id, canonical));

    let status = 200;
    try {
      view.result = await context.contacts.list(project.id, { ...filterInput(filter), limit: PAGE_SIZE, cursor: paging.cursor });
    } catch (error) {
      const problem = recoverable(error);
      view.problem = problem.message;
      status = problem.status;
    }
    return sendPage(reply, listPage(view, request.webSession, request), status);
  });

  app.get('/projects/:projectId/contacts/export', async (request: ProjectRequest, reply: FastifyReply) => {
    const project = await projectOf(context, request.params.projectId);
    const params = searchParams(request);
    const format = params.get('format') ?? 'csv';
    if (format !== 'csv' && format !== 'ndjson') throw new PageError(400, 'The export format is csv or ndjson.');
    const filter = readFilter(params);
    if (filter.problems.length > 0) throw new PageError(400, filter.problems.join('; '));
    try {
      return await sendExport(reply, { exports: context.exports, slots: context.exportSlots, projectId: project.id, filter: filterInput(filter), format });
    } catch (error) {
      const problem = problemOf(error);
      if (problem && problem.status === 400) throw new PageError(400, `The export could not start: ${problem.message}`);
      throw error;
    }
  });

  app.post('/projects/:projectId/contacts/bulk', async (request: ProjectRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const operation = field(request, 'operation') ?? '';
    if (!OPERATIONS.includes(operation)) throw new PageError(400, 'Choose an action: subscribe, unsubscribe or delete.');
    const filterText = field(request, 'filter') ?? '';
    const filter = readFilter(new URLSearchParams(filterText));
    if (filter.problems.length > 0) throw new PageError(400, filter.problems.join('; '));
    const filterQuery = queryString(filterPairs(filter)).slice(1);
    const bulk: BulkRequest = {
      operation: operation as BulkOperation,
      filter,
      filterQuery,
      all: field(request, 'all') === '1',
      ids: unique(fields(request, 'ids').filter(isId)),
      excludeIds: unique(fields(request, 'excludeIds').filter(isId)),
    };
    const listUrl = contactsUrl(project.id, filterPairs(filter));
    const refuse = (title: string, message: string) =>
      sendPage(reply, bulkPage(request, project, title, html`${notice('error', message)}<p><a href="${listUrl}">Back to the contacts</a></p>`), 400);

    if (!bulk.all && bulk.ids.length === 0) {
      return refuse('Nothing selected', 'No contact was selected: tick the contacts to act on, or "Select all matching", then choose the action.');
    }
    if (!bulk.all && bulk.ids.length > MAX_IDS) {
      return refuse('Too many contacts picked', `${count(bulk.ids.length)} contacts were picked one by one; at most ${count(MAX_IDS)} can be. Use "Select all matching" with a filter instead.`);
    }
    if (bulk.all && bulk.excludeIds.length > MAX_EXCLUDED_IDS) {
      return refuse('Too many contacts left out', `${count(bulk.excludeIds.length)} contacts were left out of "all matching"; at most ${count(MAX_EXCLUDED_IDS)} can be. Narrow the filter instead.`);
    }

    const input = filterInput(filter);
    if (bulk.operation === 'delete') {
      let howMany = bulk.ids.length;
      if (bulk.all) {
        // The service's own first-page total: the same count the list shows.
        let total: number;
        try {
          total = (await context.contacts.list(project.id, { ...input, limit: 1 })).total ?? 0;
        } catch (error) {
          return refuse('Nothing was deleted', recoverable(error).message);
        }
        howMany = Math.max(0, total - bulk.excludeIds.length);
      }
      if (howMany > CONFIRM_DELETE_ABOVE) {
        const typed = field(request, 'confirm');
        if (typed === undefined) return sendPage(reply, confirmDeletePage(request, project, bulk, howMany));
        if (typed.replace(/[\s,._']/g, '') !== String(howMany)) {
          const message = `Nothing was deleted: to delete ${count(howMany)} contacts, type ${howMany} ("${typed}" was typed). The number may have changed since you chose: check it and type it again.`;
          return sendPage(reply, confirmDeletePage(request, project, bulk, howMany, message), 400);
        }
      }
    }

    let jobId: string;
    if (bulk.all) {
      // The API's rule: an empty filter is never "everyone" by accident; say {all: true}.
      jobId = await context.jobs.acceptBulkByFilter(project.id, bulk.operation, isEmptyFilter(input) ? { all: true } : input, bulk.excludeIds);
    } else {
      jobId = await context.jobs.acceptBulk(project.id, bulk.operation, bulk.ids);
    }
    return seeOther(reply, `/projects/${project.id}/jobs/${jobId}`);
  });

  app.get('/projects/:projectId/contacts/new', async (request: ProjectRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const editor = searchParams(request).get('editor') ?? undefined;
    return sendPage(reply, newContactPage(request, project, { email: '', subscribed: true, editor: editorOf(emptyData(), editor) }));
  });

  app.post('/projects/:projectId/contacts/new', async (request: ProjectRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const form: ContactForm = { email: field(request, 'email') ?? '', subscribed: field(request, 'subscribed') === 'true', editor: editorFromForm(request) };
    const parsed = dataFromEditor(form.editor);
    if ('problems' in parsed) return sendPage(reply, newContactPage(request, project, form, parsed.problems.join('; ')), 400);
    try {
      // A new contact only: an address the project has already is not merged into.
      const existing = await context.contacts.list(project.id, { email: parseEmail(form.email), limit: 1 });
      const found = existing.contacts[0];
      if (found) {
        const message = html`<div class="notice error" role="alert">A contact with this email already exists: <a href="/projects/${project.id}/contacts/${found.id}">open ${found.email}</a>.</div>`;
        return sendPage(reply, newContactPage(request, project, form, message), 409);
      }
      const { contact } = await context.contacts.upsert(project.id, { email: form.email, subscribed: form.subscribed, data: parsed.data });
      return seeOther(reply, `/projects/${project.id}/contacts/${contact.id}?created=1`);
    } catch (error) {
      const problem = recoverable(error);
      return sendPage(reply, newContactPage(request, project, form, problem.message), problem.status);
    }
  });

  app.get('/projects/:projectId/contacts/:contactId', async (request: ContactRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const contact = await contactOf(context, project, request.params.contactId);
    const params = searchParams(request);
    const info = params.has('created') ? 'Contact created.' : params.has('saved') ? 'Saved.' : undefined;
    const form: ContactForm = { email: contact.email, subscribed: contact.subscribed, editor: editorOf(parseData(contact.dataJson), params.get('editor') ?? undefined) };
    return sendPage(reply, contactPage(request, project, contact, form, { info }));
  });

  app.post('/projects/:projectId/contacts/:contactId', async (request: ContactRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const contact = await contactOf(context, project, request.params.contactId);
    const form: ContactForm = { email: field(request, 'email') ?? '', subscribed: field(request, 'subscribed') === 'true', editor: editorFromForm(request) };
    const parsed = dataFromEditor(form.editor);
    if ('problems' in parsed) return sendPage(reply, contactPage(request, project, contact, form, { problem: parsed.problems.join('; ') }), 400);
    try {
      await context.contacts.update(project.id, contact.id, {
        email: form.email,
        subscribed: form.subscribed,
        data: patchTo(parseData(contact.dataJson), parsed.data),
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') throw pageNotFound('contact');
      const problem = recoverable(error);
      return sendPage(reply, contactPage(request, project, contact, form, { problem: problem.message }), problem.status);
    }
    return seeOther(reply, `/projects/${project.id}/contacts/${contact.id}?saved=1${form.editor.editor === 'json' ? '&editor=json' : ''}`);
  });

  app.get('/projects/:projectId/contacts/:contactId/delete', async (request: ContactRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const contact = await contactOf(context, project, request.params.contactId);
    const base = `/projects/${project.id}/contacts/${contact.id}`;
    return sendPage(
      reply,
      page({
        title: `Delete ${contact.email}?`,
        session: request.webSession,
        project,
        tab: 'contacts',
        assets: ASSETS,
        body: html`<h1>Delete ${contact.email}?</h1>
          <p>The contact and its data are removed for good. This cannot be undone.</p>
          <form method="post" action="${base}/delete" class="confirm">
            ${csrfFieldOf(request)}
            <button type="submit" class="danger">Delete this contact</button>
            <a href="${base}">Cancel</a>
          </form>`,
      }),
    );
  });

  app.post('/projects/:projectId/contacts/:contactId/delete', async (request: ContactRequest, reply) => {
    const project = await projectOf(context, request.params.projectId);
    try {
      await context.contacts.remove(project.id, request.params.contactId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') throw pageNotFound('contact');
      throw error;
    }
    return seeOther(reply, `/projects/${project.id}/contacts?notice=deleted`);
  });
}
