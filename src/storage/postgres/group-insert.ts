// Group commit of new contacts on PostgreSQL. Every commit waits for its WAL
// flush, so one create per transaction caps POST /contacts at the disk's
// flush rate. Creates of one project that arrive while that project's
// previous batch is in flight (or in the same turn of the event loop) go to
// the database together as one statement, so one commit and one flush serve
// them all; each caller still learns its own outcome, and only after the
// commit holding its row.
//
// A batch is one project's (it runs in that project's share of the pool,
// project-gate.ts, and never holds another's connection) and at most
// MAX_BATCH rows. Only one batch per project is in flight at a time: the
// creates that arrive meanwhile make up the next one.
import type pg from 'pg';
import { StoreUnavailableError, type ContactRecord } from '../../domain/store.js';
import { contactJson } from '../../domain/contact-json.js';
import { guarded } from './database.js';
import type { ProjectGate } from './project-gate.js';
import { queries as q } from './queries.js';

/** Rows per statement: a batch's planning and its arrays stay small beside the commit it saves. */
const MAX_BATCH = 256;

interface PendingCreate {
  contact: ContactRecord;
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

/** A project's creates waiting for its next batch; the lane exists while a batch is in flight or about to be. */
interface Lane {
  waiting: PendingCreate[];
}

/** A new contact, and its event's data. */
function contactValues(projectId: string, c: ContactRecord): unknown[] {
  return [projectId, c.id, c.email, c.subscribed, c.dataJson, c.createdAt, c.updatedAt, contactJson(c)];
}

export class GroupInsert {
  /** Only projects with a batch in flight: a lane is dropped when it empties. */
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly gate: ProjectGate,
  ) {}

  /**
   * Inserts a new contact, with its contact.created event, unless the
   * project has its email already; whether it did. False also for the
   * second of two creates of one email in a batch: the first is inserted,
   * and the second finds it, committed, when it goes on to merge.
   */
  insert(projectId: string, contact: ContactRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const lane = this.lanes.get(projectId);
      if (lane) return void lane.waiting.push({ contact, resolve, reject });
      const started: Lane = { waiting: [{ contact, resolve, reject }] };
      this.lanes.set(projectId, started);
      setImmediate(() => void this.drain(projectId, started));
    });
  }

  private async drain(projectId: string, lane: Lane): Promise<void> {
    while (lane.waiting.length > 0) await this.write(projectId, lane.waiting.splice(0, MAX_BATCH));
    this.lanes.delete(projectId);
  }

  /** Settles every create of the batch; never throws. */
  private async write(projectId: string, batch: PendingCreate[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [PendingCreate];
      return this.insertAlone(projectId, only);
    }
    // The first create of an email goes in; its repeats are answered once it has committed.
    const firsts = new Map<string, PendingCreate>();
    for (const create of batch) if (!firsts.has(create.contact.email)) firsts.set(create.contact.email, create);
    // In email order: two batches (of two processes, say) take their emails'
    // index entries in one order, so they cannot deadlock on each other.
    const rows = [...firsts.values()].sort((a, b) => (a.contact.email < b.contact.email ? -1 : 1));
    const c = rows.map((create) => create.contact);
    let written: Set<string>;
    try {
      const { rows: inserted } = await this.gate.run(projectId, () =>
        guarded(() =>
          this.pool.query<{ email: string }>({
            name: 'contacts_insert_new_batch',
            text: q.contacts_insert_new_batch,
            values: [
              projectId, c.map((x) => x.id), c.map((x) => x.email), c.map((x) => x.subscribed), c.map((x) => x.dataJson),
              c.map((x) => x.createdAt), c.map((x) => x.updatedAt), c.map(contactJson),
            ],
          }),
        ),
      );
      written = new Set(inserted.map((row) => row.email));
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        for (const create of batch) create.reject(error);
        return;
      }
      // One row the database refuses fails the whole statement: each create
      // goes again on its own, so that it fails only its own request.
      await Promise.all(batch.map((create) => this.insertAlone(projectId, create)));
      return;
    }
    for (const create of batch) create.resolve(firsts.get(create.contact.email) === create && written.has(create.contact.email));
  }

  private async insertAlone(projectId: string, create: PendingCreate): Promise<void> {
    try {
      const { rowCount } = await this.gate.run(projectId, () =>
        guarded(() =>
          this.pool.query({ name: 'contacts_insert_new', text: q.contacts_insert_new, values: contactValues(projectId, create.contact) }),
        ),
      );
      create.resolve(rowCount === 1);
    } catch (error) {
      create.reject(error);
    }
  }
}
