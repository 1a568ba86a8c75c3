// A filter (domain/store.ts ContactFilter) as SQLite SQL: WHERE clauses with
// named parameters, the walk of a page index between two positions, and the
// statements of the search index. Used by sqlite-filter.ts, which decides
// which of these to run and in what slices.
import type { ContactFilter, ContactPosition } from '../../domain/store.js';
import { CONTACT_COLUMNS } from './queries.js';

export type Params = Record<string, unknown>;

/** Sorts before every contact ((created_at, id) < it holds for all), and at or before the oldest. */
export const NEWEST: ContactPosition = { createdAt: Number.MAX_SAFE_INTEGER, id: '' };
export const OLDEST: ContactPosition = { createdAt: Number.MIN_SAFE_INTEGER, id: '' };

/** Which conditions a clause leaves out because an index or a range already holds them. */
export interface Covered {
  subscribed?: boolean;
  created?: boolean;
}

/**
 * The conditions of a filter on one row of contacts (the project's own rows
 * are chosen by the caller), and their parameters.
 */
export function conditions(filter: ContactFilter, covered: Covered = {}): { clauses: string[]; params: Params } {
  const clauses: string[] = [];
  const params: Params = {};
  if (filter.email !== undefined) {
    clauses.push('email = @email');
    params.email = filter.email;
  }
  if (filter.search !== undefined) {
    clauses.push('instr(email, @search) > 0');
    params.search = filter.search;
  }
  if (filter.subscribed !== undefined && !covered.subscribed) {
    clauses.push('subscribed = @subscribed');
    params.subscribed = filter.subscribed ? 1 : 0;
  }
  if (!covered.created) {
    if (filter.createdAfter !== undefined) {
      clauses.push('created_at > @createdAfter');
      params.createdAfter = filter.createdAfter;
    }
    if (filter.createdBefore !== undefined) {
      clauses.push('created_at < @createdBefore');
      params.createdBefore = filter.createdBefore;
    }
  }
  if (filter.updatedAfter !== undefined) {
    clauses.push('updated_at > @updatedAfter');
    params.updatedAfter = filter.updatedAfter;
  }
  if (filter.updatedBefore !== undefined) {
    clauses.push('updated_at < @updatedBefore');
    params.updatedBefore = filter.updatedBefore;
  }
  filter.data?.forEach((match, i) => {
    // A quoted label reaches any key: SQLite compares it with the key as the
    // stored JSON writes it, which is JSON.stringify's form on both sides.
    params[`path${i}`] = `$.${JSON.stringify(match.key)}`;
    if (match.jsonTexts === undefined) {
      clauses.push(`data -> @path${i} IS NOT NULL`);
      return;
    }
    // `->` gives the value's JSON text as stored: "pro" (with its quotes), 5, true.
    const names = match.jsonTexts.map((text, j) => {
      params[`text${i}_${j}`] = text;
      return `@text${i}_${j}`;
    });
    clauses.push(`data -> @path${i} IN (${names.join(', ')})`);
  });
  if (filter.excludeIds !== undefined) {
    clauses.push('id NOT IN (SELECT value FROM json_each(@excludeIds))');
    params.excludeIds = JSON.stringify(filter.excludeIds);
  }
  return { clauses, params };
}

export function and(clauses: string[]): string {
  return clauses.length === 0 ? 'true' : clauses.join(' AND ');
}

/**
 * The start of a contact's line as the API writes it (contactJson in
 * src/domain/contact-json.ts, which the export tests hold the whole line to
 * byte for byte), written by SQLite up to the value of `createdAt`: an
 * export of a million contacts then reads one string and two numbers per
 * contact instead of six values, and the app appends the times from its
 * cache of ISO strings (SQLite's strftime writes them several times slower).
 * json_quote escapes as JSON.stringify does for an email (which holds no lone
 * surrogate); data is spliced in as stored.
 */
const JSON_HEAD = `'{"id":"' || id || '","email":' || json_quote(email) || ',"subscribed":' || iif(subscribed, 'true', 'false')
  || ',"data":' || data || ',"createdAt":"'`;

/**
 * A walk over one of the project's page indexes, newest first: the subscribed
 * twin when the filter names a state (it then reads only that state's rows),
 * between the filter's creation bounds.
 */
export class PageWalk {
  readonly index: string;
  readonly prefix: string;
  readonly residual: string;
  readonly params: Params;
  /** The oldest position the walk may reach (inclusive). */
  readonly floor: ContactPosition;

  constructor(projectId: string, readonly filter: ContactFilter) {
    const bySubscribed = filter.subscribed !== undefined;
    this.index = bySubscribed ? 'contacts_page_subscribed' : 'contacts_page';
    this.prefix = bySubscribed ? 'project_id = @projectId AND subscribed = @subscribed' : 'project_id = @projectId';
    const rest = conditions(filter, { subscribed: true, created: true });
    this.residual = and(rest.clauses);
    this.params = { ...rest.params, projectId };
    if (bySubscribed) this.params.subscribed = filter.subscribed ? 1 : 0;
    // created_at > a is (created_at, id) >= (a + 1, ''): ids are never empty.
    this.floor = filter.createdAfter === undefined ? OLDEST : { createdAt: filter.createdAfter + 1, id: '' };
  }

  /** Where the walk starts: the position given, or the newest contact created before the filter's bound. */
  start(after: ContactPosition | undefined): ContactPosition {
    const ceiling = this.filter.createdBefore === undefined ? NEWEST : { createdAt: this.filter.createdBefore, id: '' };
    if (after === undefined) return ceiling;
    return after.createdAt < ceiling.createdAt || (after.createdAt === ceiling.createdAt && after.id < ceiling.id) ? after : ceiling;
  }

  /** The position `offset` rows past `before` (exclusive), within the floor. */
  get sliceEnd(): string {
    return `SELECT created_at, id FROM contacts INDEXED BY ${this.index}
            WHERE ${this.prefix} AND (created_at, id) < (@beforeCreatedAt, @beforeId)
              AND (created_at, id) >= (@floorCreatedAt, @floorId)
            ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET @offset`;
  }

  /** Whether every condition is held by the index and its range: a page is then one bounded read of it. */
  get indexOnly(): boolean {
    return this.residual === 'true';
  }

  /** A page straight from the index, for a walk with nothing to test (indexOnly): at most @limit rows read. */
  get page(): string {
    return `SELECT ${CONTACT_COLUMNS} FROM contacts INDEXED BY ${this.index}
            WHERE ${this.prefix} AND (created_at, id) < (@beforeCreatedAt, @beforeId)
              AND (created_at, id) >= (@floorCreatedAt, @floorId)
            ORDER BY created_at DESC, id DESC LIMIT @limit`;
  }

  /** The same page as `page`, each contact as the start of its NDJSON line and its two times (see JSON_HEAD). */
  get jsonPage(): string {
    return `SELECT ${JSON_HEAD}, created_at, updated_at FROM contacts INDEXED BY ${this.index}
            WHERE ${this.prefix} AND (created_at, id) < (@beforeCreatedAt, @beforeId)
              AND (created_at, id) >= (@floorCreatedAt, @floorId)
            ORDER BY created_at DESC, id DESC LIMIT @limit`;
  }

  /** Matching rows from `before` (exclusive) to `end` (inclusive), newest first. */
  get matches(): string {
    return `SELECT ${CONTACT_COLUMNS} FROM contacts INDEXED BY ${this.index}
            WHERE ${this.prefix} AND (created_at, id) < (@beforeCreatedAt, @beforeId)
              AND (created_at, id) >= (@endCreatedAt, @endId) AND ${this.residual}
            ORDER BY created_at DESC, id DESC LIMIT @limit`;
  }

  /** How many rows from `before` (exclusive) to `end` (inclusive) match; the index alone answers when nothing else is asked. */
  get count(): string {
    return `SELECT count(*) FROM contacts INDEXED BY ${this.index}
            WHERE ${this.prefix} AND (created_at, id) < (@beforeCreatedAt, @beforeId)
              AND (created_at, id) >= (@endCreatedAt, @endId) AND ${this.residual}`;
  }

  /** The distinct data keys of the matching rows from `before` (exclusive) to `end` (inclusive). */
  get keys(): string {
    // In a subquery: json_each has an `id` column of its own.
    return `SELECT DISTINCT j.key FROM (
              SELECT data FROM contacts INDEXED BY ${this.index}
              WHERE ${this.prefix} AND (created_at, id) < (@beforeCreatedAt, @beforeId)
                AND (created_at, id) >= (@endCreatedAt, @endId) AND ${this.residual}) AS c, json_each(c.data) AS j`;
  }

  bind(before: ContactPosition, extra: Params): Params {
    return {
      ...this.params,
      beforeCreatedAt: before.createdAt,
      beforeId: before.id,
      floorCreatedAt: this.floor.createdAt,
      floorId: this.floor.id,
      ...extra,
    };
  }
}

/** Statements over a known set of rows (by seq): a page, or a count, of those that match. */
export function candidateQueries(filter: ContactFilter): { page: string; count: string; params: Params } {
  const { clauses, params } = conditions(filter);
  // `+` keeps the planner on the seqs rather than a page index.
  const where = `seq IN (SELECT value FROM json_each(@seqs)) AND +project_id = @projectId AND ${and(clauses)}`;
  return {
    page: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ${where} AND (+created_at, +id) < (@beforeCreatedAt, @beforeId)
           ORDER BY created_at DESC, id DESC LIMIT @limit`,
    count: `SELECT count(*) FROM contacts WHERE ${where}`,
    params,
  };
}

/** The one contact with the filter's email, if it matches the rest. */
export function emailQueries(filter: ContactFilter): { page: string; count: string; params: Params } {
  const { clauses, params } = conditions(filter);
  const where = `project_id = @projectId AND ${and(clauses)}`;
  return {
    page: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ${where} AND (created_at, id) < (@beforeCreatedAt, @beforeId) LIMIT @limit`,
    count: `SELECT count(*) FROM contacts WHERE ${where}`,
    params,
  };
}

/** The seqs of the project's contacts updated within the filter's range, at most @limit of them. */
export const updatedCandidates = `SELECT seq FROM contacts INDEXED BY contacts_updated
                                  WHERE project_id = @projectId AND updated_at > @updatedAfter AND updated_at < @updatedBefore
                                  LIMIT @limit`;

/**
 * Counting by reading the table itself, a range of seqs (rowids) at a time:
 * for a project that holds most of the table, cheaper than the page index
 * (which then costs a lookup of each row). NOT INDEXED keeps SQLite on the
 * rowid range.
 */
export function seqRangeCountQuery(filter: ContactFilter): { text: string; params: Params } {
  const { clauses, params } = conditions(filter);
  return {
    text: `SELECT count(*) FROM contacts NOT INDEXED
           WHERE seq BETWEEN CAST(@from AS INTEGER) AND CAST(@to AS INTEGER) AND project_id = @projectId AND ${and(clauses)}`,
    params,
  };
}

/** Counting the matches of a search through the index, a range of its rowids at a time. */
export function searchCountQuery(filter: ContactFilter): { text: string; params: Params } {
  const { clauses, params } = conditions(filter);
  const window = `SELECT rowid FROM contacts_search
                  WHERE contacts_search MATCH @phrase AND rowid BETWEEN CAST(@from AS INTEGER) AND CAST(@to AS INTEGER)`;
  // With nothing but the search asked, the index alone answers: its tokens
  // are the project's tag and the search's consecutive trigrams.
  if (clauses.length === 1) return { text: `SELECT count(*) FROM (${window})`, params: {} };
  return {
    text: `SELECT count(*) FROM contacts WHERE seq IN (${window}) AND +project_id = @projectId AND ${and(clauses)}`,
    params,
  };
}

export const searchQueries = {
  // The FTS5 phrase of a search's (project, trigram) tokens, built by the same
  // expression as migration 4's triggers, so both sides always agree. NULL
  // when the project has no tag yet (it never had a contact).
  phrase: `SELECT '"' || group_concat(term, ' ') || '"' FROM (
             SELECT t.tag || 'x' || hex(substr(@search, p.i, 3)) AS term
             FROM contacts_search_tags AS t, contacts_search_positions AS p
             WHERE t.project_id = @projectId AND p.i <= length(@search) - 2 ORDER BY p.i)`,
  projectTotal: 'SELECT total FROM project_counts WHERE project_id = @projectId',
  // Two subqueries: min and max together would scan instead of reading each end.
  seqRange: `SELECT coalesce((SELECT min(seq) FROM contacts), 1) AS first,
                    coalesce((SELECT max(seq) FROM contacts), 0) AS last`,
  // The CASTs matter: better-sqlite3 binds every JS number as a REAL, and
  // FTS5 does not seek on a REAL rowid bound (it reads the whole doclist).
  candidates: `SELECT rowid FROM contacts_search
               WHERE contacts_search MATCH @phrase AND rowid BETWEEN CAST(@from AS INTEGER) AND CAST(@to AS INTEGER)
               ORDER BY rowid LIMIT @limit`,
} as const;
