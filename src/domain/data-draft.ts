// A contact's data while an import batch works on it. A batch applies its
// rows in order, and a file may name the same contact on every row: merging
// each row into the stored JSON, then parsing and serialising the whole of
// it again, costs the data's size (up to 32 KiB) per row, so 400,000 rows of
// one email took minutes. A draft is parsed once, checks each patch against
// the limits at the cost of the patch alone (it keeps each key's share of
// the JSON size), and is serialised once, when the batch is written. Same
// rules, order of keys and error messages as mergeData and serializeData.
import { DATA_LIMITS, dataLimitError, isValidKeyLength, parseData, sameJson, valueProblem, type DataPatch, type JsonValue } from './data.js';

/** The bytes `"key":value` takes in compact JSON. */
function entryBytes(key: string, value: JsonValue): number {
  return Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(JSON.stringify(value));
}

export class DataDraft {
  private constructor(
    private readonly entries: Map<string, { value: JsonValue; bytes: number }>,
    /** The sum of the entries' bytes (braces and commas come on top). */
    private entryTotal: number,
  ) {}

  static parse(json: string): DataDraft {
    const data = parseData(json);
    const entries = new Map<string, { value: JsonValue; bytes: number }>();
    let total = 0;
    for (const key of Object.keys(data)) {
      const bytes = entryBytes(key, data[key]!);
      entries.set(key, { value: data[key]!, bytes });
      total += bytes;
    }
    return new DataDraft(entries, total);
  }

  /** Whether merging `patch` would change anything (a value equal by value is no change). */
  changedBy(patch: DataPatch): boolean {
    return Object.keys(patch).some((key) => {
      const value = patch[key]!;
      return value === null ? this.entries.has(key) : !sameJson(this.entries.get(key)?.value, value);
    });
  }

  /** Merges `patch` (null deletes a key), or throws the 400 serializeData would and changes nothing. */
  apply(patch: DataPatch): void {
    const keys = Object.keys(patch);
    let count = this.entries.size;
    let total = this.entryTotal;
    const sizes = new Map<string, number>();
    for (const key of keys) {
      const value = patch[key]!;
      const before = this.entries.get(key);
      if (before) {
        count--;
        total -= before.bytes;
      }
      if (value === null) continue;
      count++;
      const bytes = entryBytes(key, value);
      sizes.set(key, bytes);
      total += bytes;
    }
    if (count > DATA_LIMITS.maxKeys) throw dataLimitError.keys(count);
    for (const key of sizes.keys()) if (!isValidKeyLength(key)) throw dataLimitError.keyLength();
    for (const key of sizes.keys()) {
      const problem = valueProblem(patch[key]!, DATA_LIMITS.maxDepth - 1);
      if (problem) throw dataLimitError[problem]();
    }
    if (2 + total + Math.max(0, count - 1) > DATA_LIMITS.maxBytes) throw dataLimitError.bytes();

    for (const key of keys) {
      const value = patch[key]!;
      const entry = this.entries.get(key);
      if (value === null) this.entries.delete(key);
      else if (entry) Object.assign(entry, { value, bytes: sizes.get(key)! }); // in place: the key keeps its position
      else this.entries.set(key, { value, bytes: sizes.get(key)! });
    }
    this.entryTotal = total;
  }

  toJson(): string {
    if (this.entries.size === 0) return '{}';
    let json = '{';
    for (const [key, { value }] of this.entries) json += `${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value)}`;
    return `${json}}`;
  }
}
