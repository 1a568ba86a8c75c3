// Files kept in the SQLite file (an import's upload, a dashboard draft) in
// parts of 512 KiB: each part written in its own transaction and read on its
// own turn of the event loop. Writing or reading 5 MiB as one value held the
// loop for 30-60 ms.
import type { Database as Db } from 'better-sqlite3';
import { nextTurn } from '../../domain/pacer.js';
import { writeTransaction } from './write-transaction.js';

export const FILE_PART_BYTES = 512 * 1024;

/** Writes the file's parts (none for an empty file), each in its own transaction, a turn apart. */
export async function writeFileParts(db: Db, file: Buffer, insert: (part: number, content: Buffer) => void): Promise<void> {
  for (let part = 0; part * FILE_PART_BYTES < file.length; part++) {
    if (part > 0) await nextTurn();
    const content = file.subarray(part * FILE_PART_BYTES, (part + 1) * FILE_PART_BYTES);
    writeTransaction(db, () => insert(part, content));
  }
}

/**
 * The parts (numbers and sizes, in order) read into one buffer, a part per
 * turn; undefined when a part is gone meanwhile (its owner was deleted).
 */
export async function readFileParts(
  parts: { part: number; size: number }[],
  get: (part: number) => Buffer | undefined,
): Promise<Buffer | undefined> {
  const file = Buffer.allocUnsafe(parts.reduce((total, { size }) => total + size, 0));
  let offset = 0;
  for (const { part } of parts) {
    if (offset > 0) await nextTurn();
    const content = get(part);
    if (!content) return undefined;
    offset += content.copy(file, offset);
  }
  return file;
}
