// The outbox on PostgreSQL. Events are appended by the write they record, in
// its transaction's last statement, which numbers them from the project's
// head row (queries.ts, headAdvance: why that makes seq order commit order).
import type pg from 'pg';
import type { EventRecord, EventStore, EventType, NewEvent } from '../../domain/store.js';
import { guarded, transaction } from './database.js';
import type { ProjectGate } from './project-gate.js';
import { queries as q } from './queries.js';

/** Events retention deletes per transaction: no purge is one long transaction over millions of rows. */
const PURGE_SLICE = 5000;

interface EventRow {
  seq: number;
  type: EventType;
  at: number;
  data: string;
}

/** Appends a job step's events; call it last, right before COMMIT. */
export async function appendEvents(client: pg.PoolClient, projectId: string, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query({
    name: 'events_append',
    text: q.events_append,
    values: [projectId, events.map((e) => e.type), events.map((e) => e.at), events.map((e) => e.dataJson)],
  });
}

export class PostgresEventStore implements EventStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly gate: ProjectGate,
  ) {}

  async after(projectId: string, afterSeq: number, limit: number, types: readonly EventType[]): Promise<EventRecord[]> {
    const { rows } = await this.inProject<EventRow>(projectId, 'events_after', [projectId, afterSeq, types, limit]);
    return rows.map((row) => ({ seq: row.seq, type: row.type, at: row.at, dataJson: row.data }));
  }

  async purgedThrough(projectId: string): Promise<number> {
    return (await this.head(projectId))?.purged_through ?? 0;
  }

  /** The head is the newest committed seq: a writer's advance of it commits with its events. */
  async lastSeq(projectId: string): Promise<number> {
    return (await this.head(projectId))?.seq ?? 0;
  }

  /** Across projects, so charged to none (as the jobs' cleanup is). */
  async deleteBefore(time: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const slice = await transaction(this.pool, async (client) => {
        await client.query({ name: 'events_purge_lock', text: q.events_purge_lock });
        const { rows } = await client.query<{ n: number }>({ name: 'events_delete_before', text: q.events_delete_before, values: [time, PURGE_SLICE] });
        return rows[0]?.n ?? 0;
      });
      deleted += slice;
      if (slice < PURGE_SLICE) return deleted;
    }
  }

  private async head(projectId: string): Promise<{ seq: number; purged_through: number } | undefined> {
    return (await this.inProject<{ seq: number; purged_through: number }>(projectId, 'event_heads_get', [projectId])).rows[0];
  }

  private inProject<R extends pg.QueryResultRow>(projectId: string, name: keyof typeof q, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.gate.run(projectId, () => guarded(() => this.pool.query<R>({ name, text: q[name], values })));
  }
}
