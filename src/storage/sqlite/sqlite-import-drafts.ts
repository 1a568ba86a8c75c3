// The dashboard import wizard's uploaded files in the SQLite file: written
// and read in parts as job files are (file-parts.ts).
import type { Database as Db, Statement } from 'better-sqlite3';
import type { ImportDraftRecord, ImportDraftStore } from '../../domain/store.js';
import { readFileParts, writeFileParts } from './file-parts.js';
import { writeTransaction } from './write-transaction.js';

const q = {
  partInsert: 'INSERT INTO import_draft_parts (project_id, draft_id, part, content, expires_at) VALUES (?, ?, ?, ?, ?)',
  partSizes: 'SELECT part, length(content) AS size FROM import_draft_parts WHERE project_id = ? AND draft_id = ? ORDER BY part',
  partGet: 'SELECT content FROM import_draft_parts WHERE project_id = ? AND draft_id = ? AND part = ?',
  partsDelete: 'DELETE FROM import_draft_parts WHERE project_id = ? AND draft_id = ?',
  partsExpire: 'DELETE FROM import_draft_parts WHERE expires_at <= ?',
  insert: 'INSERT INTO import_drafts (project_id, id, size, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  get: 'SELECT project_id, id, size, created_at, expires_at FROM import_drafts WHERE project_id = ? AND id = ? AND expires_at > ?',
  delete: 'DELETE FROM import_drafts WHERE project_id = ? AND id = ?',
  expire: 'DELETE FROM import_drafts WHERE expires_at <= ?',
  /** The project's drafts after the newest `keep`, newest first. */
  beyondCap: 'SELECT id FROM import_drafts WHERE project_id = ? ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?',
} as const;

interface DraftRow {
  project_id: string;
  id: string;
  size: number;
  created_at: number;
  expires_at: number;
}

export class SqliteImportDraftStore implements ImportDraftStore {
  constructor(
    private readonly db: Db,
    private readonly statement: (sql: string) => Statement,
  ) {}

  async create(draft: ImportDraftRecord, file: Buffer, maxPerProject: number): Promise<void> {
    const { projectId, id, expiresAt } = draft;
    await writeFileParts(this.db, file, (part, content) => this.statement(q.partInsert).run(projectId, id, part, content, expiresAt));
    writeTransaction(this.db, () => {
      this.statement(q.expire).run(draft.createdAt);
      this.statement(q.partsExpire).run(draft.createdAt);
      this.statement(q.insert).run(projectId, id, draft.size, draft.createdAt, expiresAt);
      const older = this.statement(q.beyondCap).pluck().all(projectId, maxPerProject) as string[];
      for (const oldId of older) {
        this.statement(q.delete).run(projectId, oldId);
        this.statement(q.partsDelete).run(projectId, oldId);
      }
    });
  }

  async read(projectId: string, id: string, now: number): Promise<{ draft: ImportDraftRecord; file: Buffer } | undefined> {
    const row = this.statement(q.get).get(projectId, id, now) as DraftRow | undefined;
    if (!row) return undefined;
    const parts = this.statement(q.partSizes).all(projectId, id) as { part: number; size: number }[];
    const file = await readFileParts(parts, (part) => (this.statement(q.partGet).get(projectId, id, part) as { content: Buffer } | undefined)?.content);
    // Deleted meanwhile, or not whole.
    if (!file || file.length !== row.size) return undefined;
    return {
      draft: { projectId: row.project_id, id: row.id, size: row.size, createdAt: row.created_at, expiresAt: row.expires_at },
      file,
    };
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    return writeTransaction(this.db, () => {
      this.statement(q.partsDelete).run(projectId, id);
      return this.statement(q.delete).run(projectId, id).changes === 1;
    });
  }
}
