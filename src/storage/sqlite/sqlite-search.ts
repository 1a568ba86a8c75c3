// The `search` filter of the SQLite store: a project's contacts whose email
// holds a substring. better-sqlite3 runs a statement on the event loop, so no
// statement here does more than a slice of work (about SLICE_MS); other
// requests run between slices, and a search past its time bound stops with
// QueryTimeoutError. A search reads only its own project's part of the index
// (migration 4), so what it costs says nothing about other projects.
//
// Consistency: a page or a total read in slices is not one snapshot. A write
// that lands between two slices may or may not be seen; a total can be off by
// the contacts written while it was counted.
import type { Statement } from 'better-sqlite3';
import { QueryTimeoutError, type ContactFilter, type ContactPageQuery } from '../../domain/store.js';
import type { ContactRow } from '../rows.js';
import { pageWalkQueries, searchQueries as q } from './search-queries.js';

/** A search with at most this many matches pages over them; a commoner one walks the page index. */
const FEW_MATCHES = 1000;
/** The work one statement may do before the event loop gets a turn. */
const SLICE_MS = 8;

/** Sorts before every contact ((created_at, id) < it holds for all), and after every one. */
const NEWEST = { createdAt: Number.MAX_SAFE_INTEGER, id: '' };
const OLDEST = { createdAt: Number.MIN_SAFE_INTEGER, id: '' };

type Search = { search: string };
type Position = { createdAt: number; id: string };

class Deadline {
  private readonly end: number;

  constructor(private readonly timeoutMs: number) {
    this.end = performance.now() + timeoutMs;
  }

  /** Lets other work run, then stops the search if its time is up. */
  async pause(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (performance.now() > this.end) throw new QueryTimeoutError(this.timeoutMs);
  }
}

/**
 * A slice size (rows or rowids) that follows the measured cost towards
 * SLICE_MS a slice. It starts small and grows at most fourfold a slice, so a
 * small project's search takes few slices and a large one never takes a long one.
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

export class SqliteSearch {
  constructor(
    private readonly statement: (sql: string) => Statement,
    private readonly timeoutMs: number,
  ) {}

  async page(projectId: string, query: ContactPageQuery & Search): Promise<ContactRow[]> {
    const deadline = new Deadline(this.timeoutMs);
    if (!indexable(query.search)) return this.walkPages(projectId, query, deadline);
    const phrase = this.phrase(projectId, query.search);
    if (phrase === null) return [];
    const few = await this.fewMatches(phrase, deadline);
    if (few === undefined) return this.walkPages(projectId, query, deadline);
    const after = query.after ?? NEWEST;
    return this.statement(q.search_page_of_candidates).all({
      seqs: JSON.stringify(few), projectId, search: query.search, subscribed: bit(query.subscribed),
      createdAt: after.createdAt, id: after.id, limit: query.limit,
    }) as ContactRow[];
  }

  async count(projectId: string, filter: ContactFilter & Search): Promise<number> {
    const deadline = new Deadline(this.timeoutMs);
    if (!indexable(filter.search)) return this.countByScan(projectId, filter, deadline);
    const phrase = this.phrase(projectId, filter.search);
    if (phrase === null) return 0;
    let total = 0;
    await this.indexWindows(deadline, (from, to) => {
      total += (filter.subscribed === undefined
        ? this.statement(q.search_count).pluck().get({ phrase, from, to })
        : this.statement(q.search_count_subscribed).pluck().get({
            phrase, from, to, projectId, subscribed: bit(filter.subscribed), search: filter.search,
          })) as number;
      return false;
    });
    return total;
  }

  private phrase(projectId: string, search: string): string | null {
    return this.statement(q.search_phrase).pluck().get({ projectId, search }) as string | null;
  }

  /** The seqs of every match when there are at most FEW_MATCHES, else undefined. */
  private async fewMatches(phrase: string, deadline: Deadline): Promise<number[] | undefined> {
    const found: number[] = [];
    await this.indexWindows(deadline, (from, to) => {
      const limit = FEW_MATCHES + 1 - found.length;
      found.push(...(this.statement(q.search_candidates).pluck().all({ phrase, from, to, limit }) as number[]));
      return found.length > FEW_MATCHES;
    });
    return found.length > FEW_MATCHES ? undefined : found;
  }

  /**
   * Calls `slice` on consecutive rowid ranges of the index until it returns
   * true or the rowids end. A range costs what the project's doclists hold
   * in it, whatever the rest of the index holds.
   */
  private async indexWindows(deadline: Deadline, slice: (from: number, to: number) => boolean): Promise<void> {
    const { first, last } = this.statement(q.search_seq_range).get() as { first: number; last: number };
    const sizes = new SliceSize(1024, 64, Number.MAX_SAFE_INTEGER);
    for (let from = first; from <= last; ) {
      let to = from;
      const stop = sizes.run((size) => slice(from, (to = Math.min(last, from + size - 1))));
      if (stop || to >= last) return;
      from = to + 1;
      await deadline.pause();
    }
  }

  /** A page found by walking the project's page index newest first, checking each email. */
  private async walkPages(projectId: string, query: ContactPageQuery & Search, deadline: Deadline): Promise<ContactRow[]> {
    const sql = pageWalkQueries(query.subscribed !== undefined);
    const subscribed = bit(query.subscribed);
    const rows: ContactRow[] = [];
    const sizes = new SliceSize(64, 16, 1 << 20);
    let before: Position = query.after ?? NEWEST;
    for (;;) {
      const done = sizes.run((size) => {
        const end = this.statement(sql.sliceEnd).get({
          projectId, subscribed, createdAt: before.createdAt, id: before.id, offset: size - 1,
        }) as { created_at: number; id: string } | undefined;
        const bound = end ? { createdAt: end.created_at, id: end.id } : OLDEST;
        rows.push(...(this.statement(sql.matches).all({
          projectId, subscribed, createdAt: before.createdAt, id: before.id, endCreatedAt: bound.createdAt,
          endId: bound.id, search: query.search, limit: query.limit - rows.length,
        }) as ContactRow[]));
        before = bound;
        return end === undefined || rows.length >= query.limit;
      });
      if (done) return rows;
      await deadline.pause();
    }
  }

  /** A total by scanning the project's (project_id, email) index, for searches too short for the index. */
  private async countByScan(projectId: string, filter: ContactFilter & Search, deadline: Deadline): Promise<number> {
    const sizes = new SliceSize(256, 64, 1 << 22);
    const sql = filter.subscribed === undefined ? q.search_scan_count : q.search_scan_count_subscribed;
    const subscribed = bit(filter.subscribed);
    const params = (after: string, size: number) =>
      subscribed === null ? { projectId, after, size, search: filter.search } : { projectId, after, size, search: filter.search, subscribed };
    let after = '';
    let total = 0;
    for (;;) {
      const { hits, seen, last, size } = sizes.run((size) => ({
        ...(this.statement(sql).get(params(after, size)) as {
          hits: number; seen: number; last: string | null;
        }),
        size,
      }));
      total += hits;
      if (seen < size || last === null) return total;
      after = last;
      await deadline.pause();
    }
  }
}

/** Three characters make a trigram; shorter searches can only scan. */
function indexable(search: string): boolean {
  return [...search].length >= 3;
}

function bit(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}
