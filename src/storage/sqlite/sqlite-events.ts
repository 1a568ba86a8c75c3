// The outbox on SQLite. Events are appended by the write they record, inside
// its IMMEDIATE transaction (sqlite-store.ts, sqlite-jobs.ts): SQLite has one
// writer at a time, so the AUTOINCREMENT seq a commit takes is above every
// seq committed before it, and a reader never later meets a smaller one.
import type { Database as Db, Statement } from 'better-sqlite3';
import { nextTurn } from '../../domain/pacer.js';
import type { EventRecord, EventStore, EventType, NewEvent } from '../../domain/store.js';
import { eventQueries as q } from './queries.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Events retention deletes per transaction: each slice holds the write lock
 * (and the event loop) for a few milliseconds, so writers wait no longer
 * for a purge of millions of events than for any other write.
 */
const PURGE_SLICE = 2000;

interface EventRow {
  seq: number;
  type: EventType;
  at: number;
  data: string;
}

export class SqliteEventStore implements EventStore {
  constructor(
    private readonly db: Db,
    private readonly statement: (sql: string) => Statement,
  ) {}

  /** Call inside the write's transaction, after its contact writes. */
  append(projectId: string, events: NewEvent[]): void {
    const insert = this.statement(q.events_insert);
    for (const event of events) insert.run(projectId, event.type, event.at, event.dataJson);
  }

  async after(projectId: string, afterSeq: number, limit: number, types: readonly EventType[]): Promise<EventRecord[]> {
    const rows = this.statement(q.events_after).all(projectId, afterSeq, JSON.stringify(types), limit) as EventRow[];
    return rows.map((row) => ({ seq: row.seq, type: row.type, at: row.at, dataJson: row.data }));
  }

  async purgedThrough(projectId: string): Promise<number> {
    return this.purged(projectId);
  }

  async lastSeq(projectId: string): Promise<number> {
    const newest = (this.statement(q.events_last_seq).get(projectId) as { seq: number | null }).seq;
    // Every event of the project deleted: the newest was the last one purged.
    return newest ?? this.purged(projectId);
  }

  async deleteBefore(time: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const slice = writeTransaction(this.db, () => {
        const rows = this.statement(q.events_delete_before).all(time, PURGE_SLICE) as { project_id: string; seq: number }[];
        const highest = new Map<string, number>();
        for (const row of rows) highest.set(row.project_id, Math.max(row.seq, highest.get(row.project_id) ?? 0));
        for (const [projectId, seq] of highest) this.statement(q.event_heads_raise).run(projectId, seq);
        return rows.length;
      });
      deleted += slice;
      if (slice < PURGE_SLICE) return deleted;
      await nextTurn();
    }
  }

  private purged(projectId: string): number {
    const row = this.statement(q.event_heads_purged_through).get(projectId) as { purged_through: number } | undefined;
    return row?.purged_through ?? 0;
  }
}
