// Filtered listings of the SQLite store: a page, a total, or a bounded scan
// of a project's contacts that match a filter. better-sqlite3 runs a
// statement on the event loop, so no statement here does more than a slice of
// work (about SLICE_MS); other requests run between slices, and a request's
// query past its time bound stops with QueryTimeoutError. Every statement
// reads only its own project's rows (or its project's part of the search index).
//
// How a filter is answered, cheapest first:
// - `email`: the (project, email) index gives the one candidate;
// - a few candidates (at most FEW): contacts updated in the filter's range
//   (their own index), or a search's matches in the trigram index; the page
//   or total is then read among those;
// - otherwise a walk of the project's page index newest first (its subscribed
//   twin when the filter names a state), between the creation bounds, testing
//   each row; a total counts the same way, or in the search index's rowid
//   ranges for a search of three characters or more.
//
// Consistency: a page or a total read in slices is not one snapshot. A write
// that lands between two slices may or may not be seen; a total can be off by
// the contacts written while it was counted.
import type { Statement } from 'better-sqlite3';
import {
  QueryTimeoutError,
  type ContactFilter,
  type ContactPageQuery,
  type ContactPosition,
  type QueryBound,
} from '../../domain/store.js';
import type { ContactRow } from '../rows.js';
import {
  NEWEST,
  PageWalk,
  candidateQueries,
  emailQueries,
  searchCountQuery,
  seqRangeCountQuery,
  searchQueries as q,
  updatedCandidates,
  type Params,
} from './filter-sql.js';

/** A contact of jsonPage: its line up to the value of createdAt, then createdAt and updatedAt (epoch ms). */
export type JsonPageRow = [head: string, createdAt: number, updatedAt: number];

/** A filter with at most this many candidates is answered among them; a broader one walks the page index. */
const FEW = 1000;
/** The work one statement may do before the event loop gets a turn. */
const SLICE_MS = 8;
/** Distinct statements kept prepared (a filter's shape decides its SQL). */
const MAX_PREPARED = 256;

class Deadline {
  private readonly end: number;

  constructor(private readonly timeoutMs: number) {
    this.end = performance.now() + timeoutMs;
  }

  /** Lets other work run, then stops the query if its time is up. */
  async pause(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (performance.now() > this.end) throw new QueryTimeoutError(this.timeoutMs);
  }
}

/**
 * A slice size (rows or rowids) that follows the measured cost towards
 * SLICE_MS a slice. It starts small and grows at most fourfold a slice, so a
 * small project's query takes few slices and a large one never takes a long one.
 */
class SliceSize {
  constructor(private size: number, private readonly min: number, private readonly max: number) {}

  run<T>(work: (size: number) => T): T {
    const started = performance.now();
    const result = work(this.size);
    const factor = Math.min(4, SLICE_MS / Math.max(performance.now() - started, 0.25));
    this.size = Math.round(Math.min(this.max, Math.max(this.min, this.size * factor)));
    return result;
  }
}

export class SqliteFilter {
  private readonly prepared = new Map<string, Statement>();

  constructor(
    private readonly statement: (sql: string) => Statement,
    private readonly prepare: (sql: string) => Statement,
    private readonly timeoutMs: number,
  ) {}

  async page(projectId: string, query: ContactPageQuery, bound: QueryBound = 'request'): Promise<ContactRow[]> {
    const deadline = this.deadline(bound);
    const { limit, after, ...filter } = query;
    const before = after ?? NEWEST;
    if (filter.email !== undefined) {
      const sql = emailQueries(filter);
      return this.dynamic(sql.page).all(withPosition({ ...sql.params, projectId, limit }, before)) as ContactRow[];
    }
    const candidates = await this.fewCandidates(projectId, filter, deadline);
    if (candidates !== undefined) {
      const sql = candidateQueries(filter);
      return this.dynamic(sql.page).all(
        withPosition({ ...sql.params, projectId, limit, seqs: JSON.stringify(candidates) }, before),
      ) as ContactRow[];
    }
    const direct = new PageWalk(projectId, filter);
    if (direct.indexOnly) {
      return this.dynamic(direct.page).all(direct.bind(direct.start(after), { limit })) as ContactRow[];
    }
    const rows: ContactRow[] = [];
    await this.walk(projectId, filter, after, deadline, (walk, from, end, size) => {
      rows.push(...(this.dynamic(walk.matches).all(walk.bind(from, { ...positionOf('end', end), limit: limit - rows.length })) as ContactRow[]));
      return rows.length >= limit;
    });
    return rows;
  }

  /**
   * A page as the starts of its NDJSON lines and their times (JSON_HEAD),
   * when the filter is a plain read of a page index (a state and creation
   * bounds at most): one bounded statement. Undefined for any other filter.
   */
  jsonPage(projectId: string, filter: ContactFilter, after: ContactPosition | undefined, limit: number): JsonPageRow[] | undefined {
    if (!this.readsPageIndex(projectId, filter)) return undefined;
    const direct = new PageWalk(projectId, filter);
    return this.dynamic(direct.jsonPage).raw().all(direct.bind(direct.start(after), { limit })) as JsonPageRow[];
  }

  /** Whether the filter is a plain read of a page index (a state and creation bounds at most). */
  readsPageIndex(projectId: string, filter: ContactFilter): boolean {
    return filter.email === undefined && new PageWalk(projectId, filter).indexOnly;
  }

  async count(projectId: string, filter: ContactFilter, bound: QueryBound = 'request'): Promise<number> {
    const deadline = this.deadline(bound);
    if (filter.email !== undefined) {
      const sql = emailQueries(filter);
      return this.dynamic(sql.count).pluck().get({ ...sql.params, projectId }) as number;
    }
    const candidates = await this.fewCandidates(projectId, filter, deadline);
    if (candidates !== undefined) {
      const sql = candidateQueries(filter);
      return this.dynamic(sql.count).pluck().get({ ...sql.params, projectId, seqs: JSON.stringify(candidates) }) as number;
    }
    if (filter.search !== undefined && indexable(filter.search)) {
      const phrase = this.phrase(projectId, filter.search);
      if (phrase === null) return 0;
      const sql = searchCountQuery(filter);
      const statement = this.dynamic(sql.text).pluck();
      let total = 0;
      await this.indexWindows(deadline, (from, to) => {
        total += statement.get({ ...sql.params, projectId, phrase, from, to }) as number;
        return false;
      });
      return total;
    }
    let total = 0;
    if (this.holdsMostOfTheTable(projectId, filter)) {
      const sql = seqRangeCountQuery(filter);
      const statement = this.dynamic(sql.text).pluck();
      await this.indexWindows(deadline, (from, to) => {
        total += statement.get({ ...sql.params, projectId, from, to }) as number;
        return false;
      });
      return total;
    }
    await this.walk(projectId, filter, undefined, deadline, (walk, from, end) => {
      total += this.dynamic(walk.count).pluck().get(walk.bind(from, positionOf('end', end))) as number;
      return false;
    });
    return total;
  }

  /**
   * Whether a count without an index to narrow it reads less by scanning the
   * table than by walking the project's page index: when the project holds
   * at least half the table's seq range, and no creation bound narrows the walk.
   */
  private holdsMostOfTheTable(projectId: string, filter: ContactFilter): boolean {
    if (filter.createdAfter !== undefined || filter.createdBefore !== undefined) return false;
    const total = (this.statement(q.projectTotal).pluck().get({ projectId }) as number | undefined) ?? 0;
    const { first, last } = this.statement(q.seqRange).get() as { first: number; last: number };
    return total >= 1000 && total * 2 >= last - first + 1;
  }

  /** The distinct data keys of the matching contacts, in no order; stops once it has more than `max`. */
  async dataKeys(projectId: string, filter: ContactFilter, max: number): Promise<string[]> {
    const keys = new Set<string>();
    if (filter.email !== undefined) {
      const rows = await this.page(projectId, { ...filter, limit: 1 }, 'unbounded');
      for (const row of rows) for (const key of Object.keys(JSON.parse(row.data) as object)) keys.add(key);
      return [...keys];
    }
    await this.walk(projectId, filter, undefined, this.deadline('unbounded'), (walk, from, end) => {
      for (const key of this.dynamic(walk.keys).pluck().all(walk.bind(from, positionOf('end', end))) as string[]) keys.add(key);
      return keys.size > max;
    });
    return [...keys];
  }

  /**
   * One bounded slice of a walk (a job's step): the matches, at most `limit`,
   * among the contacts after `after`, and where the next slice starts (null
   * when the walk is over). Synchronous: it runs inside the step's transaction.
   */
  scan(projectId: string, filter: ContactFilter, after: ContactPosition | undefined, limit: number, scanLimit: number) {
    const walk = new PageWalk(projectId, filter);
    const from = walk.start(after);
    const end = this.dynamic(walk.sliceEnd).get(walk.bind(from, { offset: scanLimit - 1 })) as
      | { created_at: number; id: string }
      | undefined;
    const slice = end ? { createdAt: end.created_at, id: end.id } : walk.floor;
    const rows = this.dynamic(walk.matches).all(walk.bind(from, { ...positionOf('end', slice), limit })) as ContactRow[];
    const last = rows[rows.length - 1];
    // A full page may stop before the slice's end: the next slice starts after its last row.
    if (rows.length === limit && last) return { rows, next: { createdAt: last.created_at, id: last.id } };
    return { rows, next: end ? slice : null };
  }

  private deadline(bound: QueryBound): Deadline {
    return new Deadline(bound === 'request' ? this.timeoutMs : Number.POSITIVE_INFINITY);
  }

  /** A statement whose SQL depends on the filter's shape, kept among the last MAX_PREPARED. */
  private dynamic(sql: string): Statement {
    let statement = this.prepared.get(sql);
    if (statement) {
      this.prepared.delete(sql);
    } else {
      statement = this.prepare(sql);
      if (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
    }
    this.prepared.set(sql, statement);
    return statement;
  }

  /** The seqs of every candidate when a source gives at most FEW of them, else undefined. */
  private async fewCandidates(projectId: string, filter: ContactFilter, deadline: Deadline): Promise<number[] | undefined> {
    if (filter.updatedAfter !== undefined || filter.updatedBefore !== undefined) {
      const seqs = this.statement(updatedCandidates).pluck().all({
        projectId,
        updatedAfter: filter.updatedAfter ?? Number.MIN_SAFE_INTEGER,
        updatedBefore: filter.updatedBefore ?? Number.MAX_SAFE_INTEGER,
        limit: FEW + 1,
      }) as number[];
      if (seqs.length <= FEW) return seqs;
    }
    if (filter.search !== undefined && indexable(filter.search)) {
      const phrase = this.phrase(projectId, filter.search);
      if (phrase === null) return [];
      const found: number[] = [];
      await this.indexWindows(deadline, (from, to) => {
        const limit = FEW + 1 - found.length;
        found.push(...(this.statement(q.candidates).pluck().all({ phrase, from, to, limit }) as number[]));
        return found.length > FEW;
      });
      if (found.length <= FEW) return found;
    }
    return undefined;
  }

  private phrase(projectId: string, search: string): string | null {
    return this.statement(q.phrase).pluck().get({ projectId, search }) as string | null;
  }

  /**
   * Calls `slice` on consecutive rowid ranges of the search index until it
   * returns true or the rowids end. A range costs what the project's doclists
   * hold in it, whatever the rest of the index holds.
   */
  private async indexWindows(deadline: Deadline, slice: (from: number, to: number) => boolean): Promise<void> {
    const { first, last } = this.statement(q.seqRange).get() as { first: number; last: number };
    const sizes = new SliceSize(1024, 64, Number.MAX_SAFE_INTEGER);
    for (let from = first; from <= last; ) {
      let to = from;
      const stop = sizes.run((size) => slice(from, (to = Math.min(last, from + size - 1))));
      if (stop || to >= last) return;
      from = to + 1;
      await deadline.pause();
    }
  }

  /**
   * Walks the page index newest first from `after`, a slice of rows at a
   * time: `slice` gets the slice's first (exclusive) and last (inclusive)
   * positions and returns true to stop.
   */
  private async walk(
    projectId: string,
    filter: ContactFilter,
    after: ContactPosition | undefined,
    deadline: Deadline,
    slice: (walk: PageWalk, from: ContactPosition, end: ContactPosition, size: number) => boolean,
  ): Promise<void> {
    const walk = new PageWalk(projectId, filter);
    const sizes = new SliceSize(64, 16, 1 << 20);
    let from = walk.start(after);
    for (;;) {
      const done = sizes.run((size) => {
        const row = this.dynamic(walk.sliceEnd).get(walk.bind(from, { offset: size - 1 })) as
          | { created_at: number; id: string }
          | undefined;
        const end = row ? { createdAt: row.created_at, id: row.id } : walk.floor;
        const stop = slice(walk, from, end, size);
        from = end;
        return stop || row === undefined;
      });
      if (done) return;
      await deadline.pause();
    }
  }
}

function positionOf(name: 'end' | 'before', position: ContactPosition): Params {
  return { [`${name}CreatedAt`]: position.createdAt, [`${name}Id`]: position.id };
}

function withPosition(params: Params, before: ContactPosition): Params {
  return { ...params, ...positionOf('before', before) };
}

/** Three characters make a trigram; shorter searches can only scan. */
function indexable(search: string): boolean {
  return [...search].length >= 3;
}
