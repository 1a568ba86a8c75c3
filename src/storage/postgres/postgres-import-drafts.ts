// The dashboard import wizard's uploaded files in PostgreSQL, so that any API
// process can show the next page of the wizard; read in parts as job files
// are (file-parts.ts).
import type pg from 'pg';
import type { ImportDraftRecord, ImportDraftStore } from '../../domain/store.js';
import { guarded, transaction } from './database.js';
import { readByteaInParts } from './file-parts.js';

const q = {
  insert: 'INSERT INTO import_drafts (project_id, id, content, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
  expire: 'DELETE FROM import_drafts WHERE expires_at <= $1',
  beyondCap: `DELETE FROM import_drafts WHERE project_id = $1 AND id IN (
                SELECT id FROM import_drafts WHERE project_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2)`,
  get: `SELECT project_id, id, octet_length(content) AS size, created_at, expires_at
        FROM import_drafts WHERE project_id = $1 AND id = $2 AND expires_at > $3`,
  // A part of the file, from byte $3 (1-based) for $4 bytes.
  part: 'SELECT substring(content FROM $3 FOR $4) AS part FROM import_drafts WHERE project_id = $1 AND id = $2',
  delete: 'DELETE FROM import_drafts WHERE project_id = $1 AND id = $2',
} as const;

interface DraftRow {
  project_id: string;
  id: string;
  size: number;
  created_at: number;
  expires_at: number;
}

export class PostgresImportDraftStore implements ImportDraftStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(draft: ImportDraftRecord, file: Buffer, maxPerProject: number): Promise<void> {
    await transaction(this.pool, async (client) => {
      await client.query(q.expire, [draft.createdAt]);
      await client.query(q.insert, [draft.projectId, draft.id, file, draft.createdAt, draft.expiresAt]);
      await client.query(q.beyondCap, [draft.projectId, maxPerProject]);
    });
  }

  async read(projectId: string, id: string, now: number): Promise<{ draft: ImportDraftRecord; file: Buffer } | undefined> {
    const row = (await guarded(() => this.pool.query<DraftRow>(q.get, [projectId, id, now]))).rows[0];
    if (!row) return undefined;
    const file = await readByteaInParts(row.size, async (from, length) =>
      (await guarded(() => this.pool.query<{ part: Buffer }>(q.part, [projectId, id, from, length]))).rows[0]?.part,
    );
    if (!file) return undefined; // deleted meanwhile
    return {
      draft: { projectId: row.project_id, id: row.id, size: row.size, createdAt: row.created_at, expiresAt: row.expires_at },
      file,
    };
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    return (await guarded(() => this.pool.query(q.delete, [projectId, id]))).rowCount === 1;
  }
}
