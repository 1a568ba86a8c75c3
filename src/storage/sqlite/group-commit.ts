// Group commit: single-contact writes that arrive in the same turn of the
// event loop commit in one transaction. Under concurrent load this turns
// dozens of commits, each writing its own full-text index segment, into one;
// every caller still gets its answer only after the commit holding its write.
// A write may fail alone without a savepoint because each makes at most one
// change, in one statement (an INSERT, UPDATE or DELETE and its triggers), and
// SQLite undoes a failed statement whole while the transaction goes on; the
// event that records the change is appended after it, so a write that fails
// has appended nothing.
import type { Database as Db } from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';

interface PendingWrite {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  private pending: PendingWrite[] = [];

  constructor(private readonly db: Db) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      writeTransaction(this.db, () => {
        for (const write of group) {
          try {
            outcomes.push({ ok: true, value: write.work() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: none of the group's writes happened.
      for (const write of group) write.reject(error);
      return;
    }
    group.forEach((write, i) => (outcomes[i]!.ok ? write.resolve(outcomes[i]!.value) : write.reject(outcomes[i]!.value)));
  }
}
