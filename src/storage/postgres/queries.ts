// Every SQL statement of the PostgreSQL store, by name. Named statements are
// prepared once per connection by pg.
import type { ContactFilter, ContactPosition } from '../../domain/store.js';

const CONTACT_COLUMNS = 'id, email, subscribed, data::text AS data, created_at, updated_at';
const KEY_COLUMNS = 'id, project_id, kind, hash, prefix, created_at, revoked_at';
const JOB_COLUMNS = `project_id, id, type, state, payload::text AS payload, progress, result::text AS result,
  failed_reason, attempts, created_at, started_at, finished_at, resume_at`;

/**
 * Takes the next `n` seqs of a project from its head row (the rows of
 * `source`: one row, or none to take nothing), returning the new head.
 *
 * Why seqs come from a row lock and not a sequence: a number taken before
 * commit orders transactions by when they started writing, not by when they
 * committed, and a reader that has passed seq 8 would never see a 7 that
 * commits after it. Nor by xid below pg_snapshot_xmin: xid order is not
 * commit order either (a job step with an older xid that updates a contact
 * after a newer transaction's update of it committed would be replayed
 * before it, leaving the stale state). The head row stays locked until
 * commit, so the project's next writer takes its numbers only once this one
 * has committed: seq order is commit order. Every write takes it in its last
 * statement and waits on nothing after it, so it cannot deadlock with the
 * contact (or counts, see writeWithEvent) row locks taken before.
 */
function headAdvance(source: string, n: string): string {
  return `INSERT INTO event_heads AS h (project_id, seq) ${source}
          ON CONFLICT (project_id) DO UPDATE SET seq = h.seq + ${n}
          RETURNING seq`;
}

/**
 * One contact write ($1 is the project) and its event, in one statement.
 * The project's counts row (project_counts) is locked between them: the
 * write's statement-level count trigger updates it only after the whole
 * statement, after the head, while a job step holds it (from its contact
 * writes) before its head. Taking it first keeps one order everywhere:
 * contact rows, counts, head.
 */
function writeWithEvent(write: string, typeAtData: string): string {
  return `WITH written AS (${write}),
          counted AS (SELECT project_id FROM project_counts WHERE project_id = $1 AND EXISTS (SELECT 1 FROM written) FOR UPDATE),
          head AS (${headAdvance('SELECT project_id, 1 FROM counted', '1')})
          INSERT INTO events (project_id, seq, type, at, data)
          SELECT $1, head.seq, ${typeAtData} FROM head, written`;
}

export const queries = {
  // A filtered read's own time bound, for the rest of its transaction only.
  search_time_limit: "SELECT set_config('statement_timeout', $1, true)",
  // The same for a text search, which is also planned as on solid-state
  // storage: random_page_cost at most 1.1 (PostgreSQL's default is 4.0; a
  // server set lower keeps its own). The trigram index serves every project,
  // and at 4.0 the planner prices it by its size across them all: a small
  // project beside a big one then has its search count read every one of its
  // emails from the unique index (4.5 ms at 10,000) instead of the few
  // trigram entries that match (1 ms). See docs/benchmarks.md, "The
  // PostgreSQL search beside a big neighbour".
  search_text_limit: "SELECT set_config('statement_timeout', $1, true), set_config('random_page_cost', least(current_setting('random_page_cost')::float8, 1.1)::text, true)",

  projects_insert: 'INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)',
  projects_get: 'SELECT id, name, created_at FROM projects WHERE id = $1',
  projects_rename: 'UPDATE projects SET name = $2 WHERE id = $1',
  projects_list: 'SELECT id, name, created_at FROM projects ORDER BY created_at, id',

  keys_insert: `INSERT INTO api_keys (id, project_id, kind, hash, prefix, created_at, revoked_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  keys_list: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = $1 ORDER BY created_at, id`,
  // One statement: the notification (KEYS_CHANNEL, key-listener.ts) goes out when the revocation commits.
  keys_revoke: `WITH revoked AS (UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id)
                SELECT pg_notify('rolodex_keys', '') FROM revoked`,
  keys_find_by_hash: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = $1`,

  contacts_get_by_id: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = $1 AND id = $2`,
  contacts_lock_by_id: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = $1 AND id = $2 FOR UPDATE`,
  contacts_lock_by_email: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = $1 AND email = $2 FOR UPDATE`,
  // The single-contact writes append their event in the same statement
  // (writeWithEvent): one round trip each. A row is returned only when the
  // contact was written.
  contacts_insert_new: writeWithEvent(
    `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (project_id, email) DO NOTHING
     RETURNING 1`,
    "'contact.created', $7, $8",
  ),
  // Group commit (group-insert.ts): new contacts ($2-$8, one array per
  // column, in email order) and a contact.created event for each one
  // inserted, numbered in that order by one advance of the head. The events'
  // INSERT is read by nothing, so PostgreSQL runs it after the statement's
  // SELECT has inserted every contact: the locks are taken in the order
  // writeWithEvent keeps (contact rows, counts, head). Returns the emails inserted.
  contacts_insert_new_batch: `WITH given AS (
                                SELECT * FROM unnest($2::uuid[], $3::text[], $4::boolean[], $5::json[], $6::bigint[], $7::bigint[], $8::text[])
                                  WITH ORDINALITY AS g (id, email, subscribed, data, created_at, updated_at, event, n)
                              ), written AS (
                                INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
                                SELECT $1, id, email, subscribed, data, created_at, updated_at FROM given ORDER BY n
                                ON CONFLICT (project_id, email) DO NOTHING
                                RETURNING id, email
                              ), counted AS (
                                SELECT project_id FROM project_counts WHERE project_id = $1 AND EXISTS (SELECT 1 FROM written) FOR UPDATE
                              ), head AS (
                                ${headAdvance('SELECT project_id, (SELECT count(*) FROM written) FROM counted', 'excluded.seq')}
                              ), appended AS (
                                INSERT INTO events (project_id, seq, type, at, data)
                                SELECT $1, head.seq - count(*) OVER () + row_number() OVER (ORDER BY g.n), 'contact.created', g.updated_at, g.event
                                FROM head, written AS w JOIN given AS g ON g.id = w.id
                              )
                              SELECT email FROM written`,
  contacts_update: writeWithEvent(
    `UPDATE contacts SET email = $3, subscribed = $4, data = $5, updated_at = $6
     WHERE project_id = $1 AND id = $2
     RETURNING 1`,
    "'contact.updated', $6, $7",
  ),
  // The deleted contact's email is known only here: its event's data is
  // built in SQL, to_json escaping the email as JSON.stringify does.
  contacts_delete: writeWithEvent(
    'DELETE FROM contacts WHERE project_id = $1 AND id = $2 RETURNING id, email',
    `'contact.deleted', $3, '{"id":"' || written.id || '","email":' || to_json(written.email)::text || '}'`,
  ),
  contacts_counts: 'SELECT total, subscribed FROM project_counts WHERE project_id = $1',
  // Rows changed since the last ANALYZE, and the planner's row estimate (-1: never analyzed).
  contacts_changed_since_analyze: `SELECT s.n_mod_since_analyze AS changed, c.reltuples::bigint AS estimate
                                   FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
                                   WHERE s.relid = 'contacts'::regclass`,

  // Job steps: one statement per batch, rows passed as arrays.
  contacts_lock_by_emails: `SELECT ${CONTACT_COLUMNS} FROM contacts
                            WHERE project_id = $1 AND email = ANY($2::text[]) ORDER BY id FOR UPDATE`,
  contacts_lock_by_ids: `SELECT ${CONTACT_COLUMNS} FROM contacts
                         WHERE project_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
  contacts_insert_batch: `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
                          SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::boolean[], $5::json[], $6::bigint[], $7::bigint[])
                          ON CONFLICT (project_id, email) DO NOTHING`,
  contacts_update_batch: `UPDATE contacts AS c SET subscribed = u.subscribed, data = u.data, updated_at = u.updated_at
                          FROM unnest($2::uuid[], $3::boolean[], $4::json[], $5::bigint[]) AS u (id, subscribed, data, updated_at)
                          WHERE c.project_id = $1 AND c.id = u.id`,
  contacts_delete_batch: 'DELETE FROM contacts WHERE project_id = $1 AND id = ANY($2::uuid[])',

  jobs_insert: `INSERT INTO jobs (project_id, id, type, state, payload, progress, result, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  job_files_insert: 'INSERT INTO job_files (project_id, job_id, content) VALUES ($1, $2, $3)',
  job_files_size: 'SELECT octet_length(content) AS size FROM job_files WHERE project_id = $1 AND job_id = $2',
  // A part of the file, from byte $3 (1-based) for $4 bytes.
  job_files_part: 'SELECT substring(content FROM $3 FOR $4) AS part FROM job_files WHERE project_id = $1 AND job_id = $2',
  job_files_delete: 'DELETE FROM job_files WHERE project_id = $1 AND job_id = $2',
  jobs_get: `SELECT ${JOB_COLUMNS} FROM jobs WHERE project_id = $1 AND id = $2`,
  jobs_lock_leased: `SELECT 1 FROM jobs WHERE project_id = $1 AND id = $2 AND state = 'active' AND locked_by = $3 FOR UPDATE`,
  // The next job to work on: queued, or active but abandoned, of a project
  // running fewer than $5 jobs. Projects with fewer jobs running go first, so
  // one project's pile cannot starve others; among equals a job never started
  // goes before one given back (a long job that yielded its slot). Claims are
  // serialised by jobs_claim_lock, so two workers cannot both take a
  // project's last running slot.
  jobs_claim: `WITH running AS (
                 SELECT project_id, count(*) AS n FROM jobs
                 WHERE state = 'active' AND locked_until >= $3 GROUP BY project_id
               ), next AS (
                 SELECT j.project_id, j.id FROM jobs AS j LEFT JOIN running AS r ON r.project_id = j.project_id
                 WHERE (j.state = 'queued' OR (j.state = 'active' AND (j.locked_until < $3 OR j.locked_by = ANY($4::text[]))))
                   AND coalesce(r.n, 0) < $5
                 ORDER BY coalesce(r.n, 0), j.started_at IS NOT NULL, j.created_at
                 LIMIT 1
                 FOR UPDATE OF j SKIP LOCKED
               )
               UPDATE jobs SET state = 'active', locked_by = $1, locked_until = $2,
                 started_at = coalesce(started_at, $3), attempts = attempts + 1
               FROM next WHERE jobs.project_id = next.project_id AND jobs.id = next.id
               RETURNING jobs.project_id, jobs.id, jobs.type, jobs.state, jobs.payload::text AS payload, jobs.progress,
                 jobs.result::text AS result, jobs.failed_reason, jobs.attempts, jobs.created_at,
                 jobs.started_at, jobs.finished_at, jobs.resume_at`,
  jobs_claim_lock: 'SELECT pg_advisory_xact_lock(1383034479)', // "Rolo" + 1: claims, one at a time
  // Whether a job of another project, running fewer jobs than this one, has waited since $3.
  jobs_others_waiting: `WITH running AS (
                          SELECT project_id, count(*) AS n FROM jobs
                          WHERE state = 'active' AND locked_until >= $2 GROUP BY project_id
                        )
                        SELECT 1 FROM jobs AS j LEFT JOIN running AS r ON r.project_id = j.project_id
                        WHERE j.state = 'queued' AND j.project_id <> $1 AND j.created_at < $3
                          AND coalesce(r.n, 0) < least($4, (SELECT n FROM running WHERE project_id = $1))
                        LIMIT 1`,
  // Serialises job creation within one project, so the pending cap holds under concurrent requests.
  jobs_project_lock: "SELECT pg_advisory_xact_lock(hashtext('jobs:' || $1::text))",
  jobs_count_pending: `SELECT count(*)::bigint AS n FROM jobs WHERE project_id = $1 AND state IN ('queued', 'active')`,
  jobs_lease_owners: "SELECT DISTINCT locked_by FROM jobs WHERE state = 'active' AND locked_by IS NOT NULL",
  // A job row locked by a running step is skipped: that step renews the lease itself.
  jobs_renew: `UPDATE jobs SET locked_until = $1
               WHERE (project_id, id) IN (SELECT project_id, id FROM jobs
                                          WHERE project_id = $2 AND id = $3 AND state = 'active' AND locked_by = $4
                                          FOR UPDATE SKIP LOCKED)`,
  jobs_progress: `UPDATE jobs SET progress = $3, result = $4, locked_until = $5, resume_at = coalesce($6, resume_at)
                  WHERE project_id = $1 AND id = $2`,
  // The job as it ended, for its event.
  jobs_finish: `UPDATE jobs SET state = $3, failed_reason = $4, finished_at = $5, locked_by = NULL, locked_until = 0
                WHERE project_id = $1 AND id = $2
                RETURNING ${JOB_COLUMNS}`,
  // Giving a job back is not a failed attempt: the claim that follows counts none.
  jobs_release: `UPDATE jobs SET locked_by = NULL, locked_until = 0, attempts = attempts - 1
                 WHERE project_id = $1 AND id = $2 AND state = 'active' AND locked_by = $3`,
  jobs_delete_finished: 'DELETE FROM jobs WHERE finished_at < $1',
  // Every project's jobs by type and state, for metrics (the same statement as SQLite's).
  jobs_count_by_type_and_state: `SELECT type, state, count(*)::bigint AS n, min(CASE WHEN state = 'queued' THEN created_at END) AS oldest_queued_at
                                 FROM jobs GROUP BY type, state`,
  import_failures_delete_finished: `DELETE FROM import_failures AS f USING jobs AS j
                                    WHERE f.project_id = j.project_id AND f.job_id = j.id AND j.finished_at < $1`,
  // Rows as one JSON document: JSON.stringify is native, where pg's array
  // literals escape each quote in JavaScript (a 5 MiB record of quotes took a second).
  import_failures_insert: `INSERT INTO import_failures (project_id, job_id, row, error, source)
                           SELECT $1, $2, f.row, f.error, f.source
                           FROM json_to_recordset($3::json) AS f (row integer, error text, source text)`,
  import_failures_list: `SELECT row, error, source FROM import_failures
                         WHERE project_id = $1 AND job_id = $2 AND row > $3 ORDER BY row LIMIT $4`,
  // Newest first by id (ids are time-ordered).
  jobs_list_page: `SELECT ${JOB_COLUMNS} FROM jobs
                   WHERE project_id = $1 AND type = ANY($2::text[]) AND ($3::uuid IS NULL OR id < $3::uuid)
                   ORDER BY id DESC LIMIT $4`,
  contacts_select_by_emails: `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = $1 AND email = ANY($2::text[])`,

  // A job step's events, its last statement: $2-$4 are their types, times and data.
  events_append: `WITH head AS (${headAdvance('VALUES ($1::uuid, cardinality($2::text[]))', 'excluded.seq')})
                  INSERT INTO events (project_id, seq, type, at, data)
                  SELECT $1, head.seq - cardinality($2::text[]) + e.n, e.type, e.at, e.data
                  FROM head, unnest($2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS e (type, at, data, n)`,
  events_after: `SELECT seq, type, at, data FROM events
                 WHERE project_id = $1 AND seq > $2 AND type = ANY($3::text[])
                 ORDER BY seq LIMIT $4`,
  event_heads_get: 'SELECT seq, purged_through FROM event_heads WHERE project_id = $1',
  // Retention, a slice at a time; purges run one at a time (events_purge_lock),
  // so two never wait on each other's head rows.
  events_purge_lock: 'SELECT pg_advisory_xact_lock(1383034480)', // "Rolo" + 2
  events_delete_before: `WITH gone AS (
                           DELETE FROM events WHERE (project_id, seq) IN
                             (SELECT project_id, seq FROM events WHERE at < $1 ORDER BY at LIMIT $2)
                           RETURNING project_id, seq
                         ), highest AS (
                           SELECT project_id, max(seq) AS seq FROM gone GROUP BY project_id
                         ), raised AS (
                           UPDATE event_heads AS h SET purged_through = greatest(h.purged_through, highest.seq)
                           FROM highest WHERE h.project_id = highest.project_id
                         )
                         SELECT count(*)::bigint AS n FROM gone`,
  job_files_delete_finished: `DELETE FROM job_files AS f USING jobs AS j
                              WHERE f.project_id = j.project_id AND f.job_id = j.id AND j.finished_at < $1`,
} as const;

/** `%`, `_` and `\` are ordinary characters in a search. */
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * The WHERE clause of a filtered listing, count or scan: every condition of
 * the filter, and the position to read after. The search is a LIKE the
 * trigram index answers (three characters or more); a data condition compares
 * the value's JSON text as stored (`json`, not `jsonb`, keeps it byte for
 * byte): "pro" with its quotes, 5, true.
 */
export function contactsWhere(
  projectId: string,
  filter: ContactFilter,
  after?: ContactPosition,
  floor?: ContactPosition,
): { where: string; params: unknown[] } {
  const params: unknown[] = [projectId];
  const clauses = ['project_id = $1'];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  if (filter.email !== undefined) add((p) => `email = ${p}`, filter.email);
  if (filter.subscribed !== undefined) add((p) => `subscribed = ${p}`, filter.subscribed);
  if (filter.createdAfter !== undefined) add((p) => `created_at > ${p}`, filter.createdAfter);
  if (filter.createdBefore !== undefined) add((p) => `created_at < ${p}`, filter.createdBefore);
  if (filter.updatedAfter !== undefined) add((p) => `updated_at > ${p}`, filter.updatedAfter);
  if (filter.updatedBefore !== undefined) add((p) => `updated_at < ${p}`, filter.updatedBefore);
  if (filter.search !== undefined) add((p) => `lower(email) LIKE ${p}`, likePattern(filter.search));
  for (const match of filter.data ?? []) {
    params.push(match.key);
    const key = `$${params.length}`;
    if (match.jsonTexts === undefined) clauses.push(`data -> ${key} IS NOT NULL`);
    else add((p) => `(data -> ${key})::text = ANY(${p}::text[])`, match.jsonTexts);
  }
  if (filter.excludeIds !== undefined) add((p) => `id <> ALL(${p}::uuid[])`, filter.excludeIds);
  if (after) {
    params.push(after.createdAt, after.id);
    clauses.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  if (floor) {
    params.push(floor.createdAt, floor.id);
    clauses.push(`(created_at, id) >= ($${params.length - 1}, $${params.length})`);
  }
  return { where: clauses.join(' AND '), params };
}

export function contactsListPageSql(where: string, limitParam: number, lock = false): string {
  return `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${limitParam}${lock ? ' FOR UPDATE' : ''}`;
}

export function contactsDataKeysSql(where: string, limitParam: number): string {
  return `SELECT DISTINCT k AS key FROM (SELECT data FROM contacts WHERE ${where}) AS c, json_object_keys(c.data) AS k LIMIT $${limitParam}`;
}

export function contactsCountMatchingSql(where: string): string {
  return `SELECT count(*)::bigint AS n FROM contacts WHERE ${where}`;
}

/** Where a scan of at most $n rows (the filter's state and creation bounds only) ends: its oldest position. */
export function contactsScanEndSql(where: string, offsetParam: number): string {
  return `SELECT created_at, id FROM contacts WHERE ${where} ORDER BY created_at DESC, id DESC OFFSET $${offsetParam} LIMIT 1`;
}
