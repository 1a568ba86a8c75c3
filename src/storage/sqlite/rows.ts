// Row shapes of the SQLite store and their mapping to the Store's records.
import type { ApiKeyRecord, ContactRecord } from '../store.js';

export interface ContactRow {
  id: string;
  email: string;
  subscribed: number;
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

export function toContact(row: ContactRow): ContactRecord {
  return {
    id: row.id,
    email: row.email,
    subscribed: row.subscribed === 1,
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
