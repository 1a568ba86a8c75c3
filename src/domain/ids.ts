// Contact and job ids: UUID version 7. The uuid package keeps them strictly
// increasing within a process, and createdAt is read back out of the id so
// that ordering by (createdAt, id) can never disagree with creation order,
// even if the wall clock steps backwards.
import { v7 as uuidv7 } from 'uuid';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newId(): string {
  return uuidv7();
}

/** Milliseconds since the epoch encoded in the first 48 bits of a v7 id. */
export function timeOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** Ids are lower-case canonical UUIDs; anything else can never be found. */
export function isId(value: string): boolean {
  return value.length === 36 && UUID_PATTERN.test(value);
}
