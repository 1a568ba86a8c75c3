// Row shapes both stores read (the same column names on SQLite and
// PostgreSQL), and their mapping to the Store's records.
import type { ApiKeyRecord, ContactRecord, JobRecord, ProjectRecord } from '../domain/store.js';

export interface ContactRow {
  id: string;
  email: string;
  /** A boolean on PostgreSQL, 0 or 1 on SQLite. */
  subscribed: boolean | number;
  data: string;
  created_at: number;
  updated_at: number;
}

export interface KeyRow {
  id: string;
  project_id: string;
  kind: 'secret' | 'public';
  hash: Buffer;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

export interface JobRow {
  project_id: string;
  id: string;
  type: JobRecord['type'];
  state: JobRecord['state'];
  payload: string;
  progress: number;
  result: string;
  failed_reason: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  resume_at: string | null;
}

export function toContact(row: ContactRow): ContactRecord {
  return {
    id: row.id,
    email: row.email,
    subscribed: row.subscribed === true || row.subscribed === 1,
    dataJson: row.data,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toKey(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    kind: row.kind,
    hash: row.hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function toJob(row: JobRow): JobRecord {
  return {
    projectId: row.project_id,
    id: row.id,
    type: row.type,
    state: row.state,
    payloadJson: row.payload,
    progress: row.progress,
    resultJson: row.result,
    failedReason: row.failed_reason,
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    resumeAtJson: row.resume_at,
  };
}

/** A project's kept counts (project_counts), narrowed to a `subscribed` filter. */
export function countOf(counts: { total: number; subscribed: number } | undefined, subscribed: boolean | undefined): number {
  if (!counts) return 0;
  if (subscribed === undefined) return counts.total;
  return subscribed ? counts.subscribed : counts.total - counts.subscribed;
}

export interface ProjectRow {
  id: string;
  name: string;
  created_at: number;
}

export function toProject(row: ProjectRow): ProjectRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}
