// Reading a bytea (an import's upload, a dashboard draft) 256 KiB per
// statement: node-postgres reads every result as text, so a bytea arrives as
// hex decoded on the event loop, and one 5 MiB value held it for 100 ms.
// (The column is STORAGE EXTERNAL, so a substring reads only its chunks.)

export const FILE_PART_BYTES = 256 * 1024;

/**
 * A file of `size` bytes read by `part(from, length)` (from: 1-based, as
 * SQL's substring counts), into one buffer; undefined when it is gone meanwhile.
 */
export async function readByteaInParts(
  size: number,
  part: (from: number, length: number) => Promise<Buffer | undefined>,
): Promise<Buffer | undefined> {
  const file = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; ) {
    const content = await part(offset + 1, FILE_PART_BYTES);
    if (!content || content.length === 0) return undefined;
    offset += content.copy(file, offset);
  }
  return file;
}
