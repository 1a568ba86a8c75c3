// Names for the shapes of the generated schema (src/schema.d.ts), derived
// from it rather than written out, so a regenerated document retypes them.
import type { components, paths } from './schema.js';

/** The JSON body an operation answers with `status`. */
export type JsonBody<Operation, Status extends number> = Operation extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

type Get<Path extends keyof paths> = paths[Path] extends { get: infer Operation } ? Operation : never;
type Query<Operation> = Operation extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Contact = components['schemas']['Contact'];
export type ErrorEnvelope = components['schemas']['Error'];
export type ErrorBody = ErrorEnvelope['error'];

export type ContactPage = JsonBody<Get<'/contacts'>, 200>;
/** GET /contacts query as the document declares it. */
export type ContactListQuery = Query<Get<'/contacts'>>;
/**
 * The filters of GET /contacts (every page of a walk sends the same ones).
 * `data` becomes `data.<key>=<value>` parameters, which the document cannot
 * declare by name: `{ data: { plan: 'pro' } }` sends `data.plan=pro`; an
 * empty string asks for contacts that have the key.
 */
export type ContactFilters = Partial<Omit<ContactListQuery, 'cursor'>> & { data?: Record<string, string | number | boolean> };

/** The filters of the export: the list's, without paging. */
export type ExportFilters = Omit<ContactFilters, 'limit'>;

type BulkBody = NonNullable<paths['/contacts/bulk-delete']['post']['requestBody']>['content']['application/json'];
/** A bulk job's filter: the list's filters as JSON, or `{ all: true }`. */
export type BulkFilter = NonNullable<BulkBody['filter']>;
export type BulkAccepted = JsonBody<paths['/contacts/bulk-delete']['post'], 202>;
export type BulkOperation = 'subscribe' | 'unsubscribe' | 'delete';

/** A page of the change feed; `cursor` is where the next page (or the next poll) starts. */
export type ChangePage = JsonBody<Get<'/contacts/changes'>, 200>;
/** One change: `contact.created`, `contact.updated` (the contact after it) or `contact.deleted` (its id and email). */
export type Change = ChangePage['changes'][number];
export type ChangesQuery = Query<Get<'/contacts/changes'>>;

export type ContactCreate = NonNullable<paths['/contacts']['post']['requestBody']>['content']['application/json'];
export type ContactPatch = NonNullable<paths['/contacts/{id}']['patch']['requestBody']>['content']['application/json'];

export type ImportJob = JsonBody<Get<'/contacts/import/{jobId}'>, 200>;
export type BulkJob = JsonBody<Get<'/contacts/bulk/{jobId}'>, 200>;
export type Job = ImportJob | BulkJob;
export type ImportAccepted = JsonBody<paths['/contacts/import']['post'], 202>;

/** What an import of a file is told besides the file (CONTRACT.md, "Import options"). */
export interface ImportOptions {
  /** Header (any case) → `"email"`, `"subscribed"`, `null` (skip), a data key, or a key with a forced type. */
  mapping?: Record<string, 'email' | 'subscribed' | null | string | { key: string; type?: 'string' | 'number' | 'boolean' }>;
  /** The status of contacts the file creates when their row says nothing (default true). */
  subscribed?: boolean;
  /** Let the file turn unsubscribed contacts back to subscribed (default false). */
  resubscribe?: boolean;
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-1';
  delimiter?: ',' | ';' | '\t' | '|';
  /** The file name sent with the upload (default `contacts.csv`). */
  filename?: string;
}
