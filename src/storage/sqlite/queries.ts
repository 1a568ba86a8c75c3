// Every SQL statement of the SQLite store, by name.

const CONTACT_COLUMNS = 'id, email, subscribed, data, created_at, updated_at';

export const queries = {
  projects_insert: 'INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)',
  projects_get: 'SELECT id, name, created_at FROM projects WHERE id = ?',

  keys_insert: `INSERT INTO api_keys (id, project_id, kind, hash, prefix, created_at, revoked_at)
                VALUES (@id, @projectId, @kind, @hash, @prefix, @createdAt, @revokedAt)`,
  keys_list: `SELECT id, project_id, kind, hash, prefix, created_at, revoked_at FROM api_keys
              WHERE project_id = ? ORDER BY created_at, id`,
  keys_revoke: 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  keys_find_by_hash: 'SELECT id, project_id, kind, hash, prefix, created_at, revoked_at FROM api_keys WHERE hash = ?',

  contacts_get_by_id: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = ? AND id = ?`,
  contacts_get_by_email: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = ? AND email = ?`,
  contacts_insert: `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)`,
  contacts_update: `UPDATE contacts SET email = ?, subscribed = ?, data = ?, updated_at = ?
                    WHERE project_id = ? AND id = ?`,
  contacts_delete: 'DELETE FROM contacts WHERE project_id = ? AND id = ?',
  contacts_counts: 'SELECT total, subscribed FROM project_counts WHERE project_id = ?',
} as const;

export interface ContactFilterSql {
  search?: string;
  subscribed?: boolean;
  after?: { createdAt: number; id: string };
}

/**
 * The WHERE clause of contacts_list_page and contacts_count_matching. A search
 * of three or more characters goes through the trigram index (then checked as
 * an exact substring); shorter ones can only scan.
 */
export function contactsWhere(projectId: string, filter: ContactFilterSql): { where: string; params: unknown[] } {
  const clauses = ['project_id = ?'];
  const params: unknown[] = [projectId];
  if (filter.subscribed !== undefined) {
    clauses.push('subscribed = ?');
    params.push(filter.subscribed ? 1 : 0);
  }
  if (filter.after) {
    clauses.push('(created_at, id) < (?, ?)');
    params.push(filter.after.createdAt, filter.after.id);
  }
  if (filter.search !== undefined) {
    if ([...filter.search].length >= 3) {
      clauses.push('seq IN (SELECT rowid FROM contacts_search WHERE contacts_search MATCH ?)');
      params.push(`"${filter.search.replaceAll('"', '""')}"`);
    }
    clauses.push('instr(email, ?) > 0');
    params.push(filter.search);
  }
  return { where: clauses.join(' AND '), params };
}

export function contactsListPageSql(where: string): string {
  return `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`;
}

export function contactsCountMatchingSql(where: string): string {
  return `SELECT count(*) AS n FROM contacts WHERE ${where}`;
}
