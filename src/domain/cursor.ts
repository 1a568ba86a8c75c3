// Listing cursors: an opaque, URL-safe position (createdAt and id of the last
// contact on a page, or a change feed's seq) tagged with the project that
// issued it, so another project's cursor is refused rather than silently misread.
import { createHash } from 'node:crypto';
import { AppError } from './errors.js';
import { isId } from './ids.js';

export interface Position {
  createdAt: number;
  id: string;
}

function projectTag(projectId: string): string {
  return createHash('sha256').update(projectId).digest('base64url').slice(0, 10);
}

export function encodeCursor(projectId: string, position: Position): string {
  const text = `${position.createdAt.toString(36)}.${position.id}.${projectTag(projectId)}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function decodeCursor(projectId: string, cursor: string): Position {
  const invalid = new AppError('INVALID_CURSOR', 'The cursor is invalid; start again from the first page');
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (parts.length !== 3) throw invalid;
  const [time, id, tag] = parts as [string, string, string];
  const createdAt = /^[0-9a-z]{1,11}$/.test(time) ? parseInt(time, 36) : NaN;
  if (!Number.isSafeInteger(createdAt) || !isId(id) || tag !== projectTag(projectId)) throw invalid;
  return { createdAt, id };
}

/**
 * A change feed cursor: a position in the project's events (a `seq`), tagged
 * like the listing cursors. It has two parts where theirs have three, so
 * neither kind is ever read as the other.
 */
export function encodeSeqCursor(projectId: string, seq: number): string {
  return Buffer.from(`${seq.toString(36)}.${projectTag(projectId)}`, 'utf8').toString('base64url');
}

export function decodeSeqCursor(projectId: string, cursor: string): number {
  const invalid = new AppError('INVALID_CURSOR', 'The cursor is invalid; start again without one (from the oldest change kept)');
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (parts.length !== 2) throw invalid;
  const [text, tag] = parts as [string, string];
  const seq = /^[0-9a-z]{1,11}$/.test(text) ? parseInt(text, 36) : NaN;
  if (!Number.isSafeInteger(seq) || tag !== projectTag(projectId)) throw invalid;
  return seq;
}
