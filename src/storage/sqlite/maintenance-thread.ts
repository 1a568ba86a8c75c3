// The database's upkeep, off the event loop, on a worker thread with its own
// connection: the serving connection turns both of these off.
//
// - WAL checkpoints. A checkpoint copies the WAL back into the database file
//   and fsyncs it; SQLite's automatic one runs inside whichever commit
//   crosses the threshold, stalling that request (and every other) for the
//   fsync. Measured here: 450 µs per single-row write with automatic
//   checkpoints, 170 µs without. Durability is unchanged: a commit is in the
//   WAL before it is acknowledged.
// - Merging the search index's segments. FTS5 writes each transaction's
//   entries as a new segment and, by default, merges segments inside later
//   commits: with a million contacts indexed, some commits of 250 rows took
//   100-800 ms instead of 20. Migration 8 turns that off (`automerge` 0,
//   `crisismerge` 64); this thread merges instead, 16 pages per statement, so
//   the write lock it takes is held for a few milliseconds at a time.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const EVERY_MS = 250;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const totalChanges = db.prepare('SELECT total_changes() AS n').pluck();
let merge; // prepared once the index exists: the thread starts before the first migration
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
};
// FTS5 reports merge work through total_changes: a step that changed fewer
// than two rows found nothing (left) to merge.
const mergeSegments = (budgetMs) => {
  const until = Date.now() + budgetMs;
  try {
    merge ??= db.prepare("INSERT INTO contacts_search (contacts_search, rank) VALUES ('merge', 16)");
    while (Date.now() < until) {
      const before = totalChanges.get();
      merge.run();
      if (totalChanges.get() - before < 2) return;
    }
  } catch {}
};
const tick = () => {
  mergeSegments(workerData.everyMs / 2);
  checkpoint();
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export class MaintenanceThread {
  private readonly worker: Worker;
  private stopped: Promise<void> | undefined;

  constructor(file: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs: EVERY_MS } });
    this.worker.unref();
    this.worker.on('error', () => {
      // A failed thread leaves the WAL to grow and the index's segments to
      // pile up (to 64 a level, then commits merge them) until the next
      // start; the serving connection still works.
    });
  }

  /** One last checkpoint, then the thread ends. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.ref(); // keep the process up until the last checkpoint is done
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
