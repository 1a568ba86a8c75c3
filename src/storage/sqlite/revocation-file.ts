// How a key revocation reaches every process on one SQLite data folder (the
// server, the worker, the CLI that revoked): a file beside the database that
// each revocation appends one byte to, after its commit. Its stat (inode,
// size, modification time) is the revocation mark; a stat costs about 2–3 µs
// here, against 5–10 µs for the keyed read it saves (docs/benchmarks.md).
// Appends only grow the file, so a mark never comes back to an earlier value;
// a file deleted and made again has a new inode and time. When the file is
// missing or cannot be read there is no mark, and every key check reads the
// database.
import { appendFileSync, statSync } from 'node:fs';
import type { RevocationMark } from '../../domain/store.js';

export class RevocationFile {
  constructor(readonly path: string) {
    // A fresh data folder gets the file now, or no process could cache a key
    // until the first revocation. A read-only folder just goes uncached.
    try {
      appendFileSync(path, '');
    } catch {
      // no mark: keys are read each time
    }
  }

  mark(): RevocationMark | undefined {
    try {
      const stat = statSync(this.path, { throwIfNoEntry: false });
      return stat && `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  /** After a revocation has committed. Throws when the file cannot be written: running servers may keep trusting the key. */
  bump(): void {
    try {
      appendFileSync(this.path, '.');
    } catch (error) {
      throw new Error(
        `The key is revoked, but ${this.path} could not be written (${(error as NodeJS.ErrnoException).code}): ` +
          'running servers may still accept it until they restart',
      );
    }
  }
}

/** The mark of a database in memory, which no other process can open. */
export class RevocationCounter {
  private count = 0;

  mark(): RevocationMark {
    return this.count;
  }

  bump(): void {
    this.count++;
  }
}
