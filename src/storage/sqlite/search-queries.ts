// Every SQL statement of the SQLite search (sqlite-search.ts), by name. Each
// reads a bounded slice: a range of rowids of the index, or a number of rows
// of one project's own indexes.
import { CONTACT_COLUMNS } from './queries.js';

export const searchQueries = {
  // The FTS5 phrase of a search's (project, trigram) tokens, built by the same
  // expression as migration 4's triggers, so both sides always agree. NULL
  // when the project has no tag yet (it never had a contact).
  search_phrase: `SELECT '"' || group_concat(term, ' ') || '"' FROM (
                    SELECT t.tag || 'x' || hex(substr(@search, p.i, 3)) AS term
                    FROM contacts_search_tags AS t, contacts_search_positions AS p
                    WHERE t.project_id = @projectId AND p.i <= length(@search) - 2 ORDER BY p.i)`,
  // Two subqueries: min and max together would scan instead of reading each end.
  search_seq_range: `SELECT coalesce((SELECT min(seq) FROM contacts), 1) AS first,
                            coalesce((SELECT max(seq) FROM contacts), 0) AS last`,

  // The CASTs matter: better-sqlite3 binds every JS number as a REAL, and
  // FTS5 does not seek on a REAL rowid bound (it reads the whole doclist).
  // Tags are unique and the phrase's tokens are the search's consecutive
  // trigrams, so the index alone answers "this project's email contains the
  // search": no row of contacts is read.
  search_count: `SELECT count(*) FROM contacts_search
                 WHERE contacts_search MATCH @phrase AND rowid BETWEEN CAST(@from AS INTEGER) AND CAST(@to AS INTEGER)`,
  search_count_subscribed: `SELECT count(*) FROM contacts
                            WHERE seq IN (SELECT rowid FROM contacts_search
                                          WHERE contacts_search MATCH @phrase AND rowid BETWEEN CAST(@from AS INTEGER) AND CAST(@to AS INTEGER))
                              AND +project_id = @projectId AND subscribed = @subscribed AND instr(email, @search) > 0`,
  search_candidates: `SELECT rowid FROM contacts_search
                      WHERE contacts_search MATCH @phrase AND rowid BETWEEN CAST(@from AS INTEGER) AND CAST(@to AS INTEGER)
                      ORDER BY rowid LIMIT @limit`,
  // A page among a few known matches; `+` keeps the planner on the seqs.
  search_page_of_candidates: `SELECT ${CONTACT_COLUMNS} FROM contacts
                              WHERE seq IN (SELECT value FROM json_each(@seqs))
                                AND +project_id = @projectId AND instr(email, @search) > 0
                                AND (@subscribed IS NULL OR subscribed = @subscribed)
                                AND (+created_at, +id) < (@createdAt, @id)
                              ORDER BY created_at DESC, id DESC LIMIT @limit`,

  // Counting by scan (searches under 3 characters), over the project's
  // (project_id, email) index: `size` emails from `after`, and where they end.
  // Without a subscribed filter the index alone answers.
  search_scan_count: `SELECT count(*) FILTER (WHERE instr(email, @search) > 0) AS hits, count(*) AS seen, max(email) AS last
                      FROM (SELECT email FROM contacts
                            WHERE project_id = @projectId AND email > @after ORDER BY email LIMIT @size)`,
  search_scan_count_subscribed: `SELECT count(*) FILTER (WHERE instr(email, @search) > 0 AND subscribed = @subscribed) AS hits,
                                        count(*) AS seen, max(email) AS last
                                 FROM (SELECT email, subscribed FROM contacts
                                       WHERE project_id = @projectId AND email > @after ORDER BY email LIMIT @size)`,
} as const;

/**
 * Walking pages by scan, newest first over the project's page index (or its
 * subscribed twin): where a slice of `offset + 1` rows before a position
 * ends, then the matches between the two.
 */
export function pageWalkQueries(bySubscribed: boolean): { sliceEnd: string; matches: string } {
  // INDEXED BY: with two bounds the planner may take contacts_page for a
  // subscribed walk, which would read the other state's rows as well.
  const [index, project] = bySubscribed
    ? ['contacts_page_subscribed', 'project_id = @projectId AND subscribed = @subscribed']
    : ['contacts_page', 'project_id = @projectId'];
  return {
    sliceEnd: `SELECT created_at, id FROM contacts INDEXED BY ${index}
               WHERE ${project} AND (created_at, id) < (@createdAt, @id)
               ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET @offset`,
    matches: `SELECT ${CONTACT_COLUMNS} FROM contacts INDEXED BY ${index}
              WHERE ${project} AND (created_at, id) < (@createdAt, @id)
                AND (created_at, id) >= (@endCreatedAt, @endId) AND instr(email, @search) > 0
              ORDER BY created_at DESC, id DESC LIMIT @limit`,
  };
}
