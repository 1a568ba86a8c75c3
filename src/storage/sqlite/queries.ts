// Every SQL statement of the SQLite store, by name.

export const CONTACT_COLUMNS = 'id, email, subscribed, data, created_at, updated_at';

export const queries = {
  projects_insert: 'INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)',
  projects_get: 'SELECT id, name, created_at FROM projects WHERE id = ?',
  projects_rename: 'UPDATE projects SET name = ? WHERE id = ?',
  projects_list: 'SELECT id, name, created_at FROM projects ORDER BY created_at, id',

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
  contacts_delete: 'DELETE FROM contacts WHERE project_id = ? AND id = ? RETURNING email',
  contacts_counts: 'SELECT total, subscribed FROM project_counts WHERE project_id = ?',
} as const;

const JOB_COLUMNS = `project_id, id, type, state, payload, progress, result, failed_reason, attempts,
  created_at, started_at, finished_at, resume_at`;

export const jobQueries = {
  jobs_insert: `INSERT INTO jobs (project_id, id, type, state, payload, progress, result, created_at)
                VALUES (@projectId, @id, @type, @state, @payloadJson, @progress, @resultJson, @createdAt)`,
  job_file_parts_insert: 'INSERT INTO job_file_parts (project_id, job_id, part, content, created_at) VALUES (?, ?, ?, ?, ?)',
  // length() of a blob reads its size from the record header, not the blob.
  job_file_parts_sizes: 'SELECT part, length(content) AS size FROM job_file_parts WHERE project_id = ? AND job_id = ? ORDER BY part',
  job_file_parts_get: 'SELECT content FROM job_file_parts WHERE project_id = ? AND job_id = ? AND part = ?',
  job_file_parts_delete: 'DELETE FROM job_file_parts WHERE project_id = ? AND job_id = ?',
  jobs_get: `SELECT ${JOB_COLUMNS} FROM jobs WHERE project_id = ? AND id = ?`,
  // Whether this worker still holds the job: existence only, not the row (its result can hold 1,000 errors).
  jobs_holds_lease: `SELECT 1 FROM jobs WHERE project_id = ? AND id = ? AND state = 'active' AND locked_by = ?`,
  // The next job to work on: queued, or active but abandoned, of a project
  // running fewer than @cap jobs. Projects with fewer jobs running go first,
  // so one project's pile cannot starve others; among equals a job never
  // started goes before one given back (a long job that yielded its slot).
  jobs_next: `WITH running AS (SELECT project_id, count(*) AS n FROM jobs
                               WHERE state = 'active' AND locked_until >= @now GROUP BY project_id)
              SELECT j.project_id, j.id FROM jobs AS j LEFT JOIN running AS r ON r.project_id = j.project_id
              WHERE (j.state = 'queued'
                     OR (j.state = 'active' AND (j.locked_until < @now OR j.locked_by IN (SELECT value FROM json_each(@abandoned)))))
                AND coalesce(r.n, 0) < @cap
              ORDER BY coalesce(r.n, 0), j.started_at IS NOT NULL, j.created_at
              LIMIT 1`,
  // Whether a job of another project, running fewer jobs than this one, has waited since @before.
  jobs_others_waiting: `WITH running AS (SELECT project_id, count(*) AS n FROM jobs
                                         WHERE state = 'active' AND locked_until >= @now GROUP BY project_id)
                        SELECT 1 FROM jobs AS j LEFT JOIN running AS r ON r.project_id = j.project_id
                        WHERE j.state = 'queued' AND j.project_id <> @projectId AND j.created_at < @before
                          AND coalesce(r.n, 0) < min(@cap, (SELECT n FROM running WHERE project_id = @projectId))
                        LIMIT 1`,
  jobs_count_pending: `SELECT count(*) AS n FROM jobs WHERE project_id = ? AND state IN ('queued', 'active')`,
  jobs_claim: `UPDATE jobs SET state = 'active', locked_by = @workerId, locked_until = @until,
                 started_at = coalesce(started_at, @now), attempts = attempts + 1
               WHERE project_id = @projectId AND id = @id
               RETURNING ${JOB_COLUMNS}`,
  jobs_lease_owners: "SELECT DISTINCT locked_by FROM jobs WHERE state = 'active' AND locked_by IS NOT NULL",
  jobs_renew: `UPDATE jobs SET locked_until = ?
               WHERE project_id = ? AND id = ? AND state = 'active' AND locked_by = ?`,
  jobs_progress: `UPDATE jobs SET progress = @progress, result = @resultJson, locked_until = @until,
                    resume_at = coalesce(@resumeAtJson, resume_at)
                  WHERE project_id = @projectId AND id = @id`,
  // The job as it ended, for its event.
  jobs_finish: `UPDATE jobs SET state = @state, failed_reason = @failedReason, finished_at = @now,
                  locked_by = NULL, locked_until = 0
                WHERE project_id = @projectId AND id = @id
                RETURNING ${JOB_COLUMNS}`,
  // Giving a job back is not a failed attempt: the claim that follows counts none.
  jobs_release: `UPDATE jobs SET locked_by = NULL, locked_until = 0, attempts = attempts - 1
                 WHERE project_id = ? AND id = ? AND state = 'active' AND locked_by = ?`,
  jobs_delete_finished: 'DELETE FROM jobs WHERE finished_at < ?',
  // Every project's jobs by type and state, for metrics. created_at is read
  // for queued rows only: on SQLite it sits after the result column, which
  // overflows into further pages for a job with many errors.
  jobs_count_by_type_and_state: `SELECT type, state, count(*) AS n, min(CASE WHEN state = 'queued' THEN created_at END) AS oldest_queued_at
                                 FROM jobs GROUP BY type, state`,
  import_failures_delete_finished: `DELETE FROM import_failures
                                    WHERE (project_id, job_id) IN (SELECT project_id, id FROM jobs WHERE finished_at < ?)`,
  import_failures_insert: 'INSERT INTO import_failures (project_id, job_id, row, error, source) VALUES (?, ?, ?, ?, ?)',
  import_failures_list: `SELECT row, error, source FROM import_failures
                         WHERE project_id = ? AND job_id = ? AND row > ? ORDER BY row LIMIT ?`,
  // Newest first by id (ids are time-ordered); '~' sorts after every id, for the first page.
  jobs_list_page: `SELECT ${JOB_COLUMNS} FROM jobs
                   WHERE project_id = ? AND type IN (SELECT value FROM json_each(?)) AND id < ?
                   ORDER BY id DESC LIMIT ?`,
  // A job's file goes in the step that ends it; these only sweep up after a
  // fault: the file of a job that ended, and the parts of an upload that
  // never became a job (the process died between its parts and its job row).
  job_file_parts_delete_finished: `DELETE FROM job_file_parts
                                   WHERE (project_id, job_id) IN (SELECT project_id, id FROM jobs WHERE finished_at < ?)`,
  job_file_parts_delete_orphaned: `DELETE FROM job_file_parts AS p
                                   WHERE created_at < ? AND NOT EXISTS
                                     (SELECT 1 FROM jobs AS j WHERE j.project_id = p.project_id AND j.id = p.job_id)`,

  // Batch statements for job steps: one statement per batch, rows passed as JSON.
  contacts_select_by_emails: `SELECT ${CONTACT_COLUMNS} FROM contacts
                              WHERE project_id = ? AND email IN (SELECT value FROM json_each(?))`,
  contacts_select_by_ids: `SELECT ${CONTACT_COLUMNS} FROM contacts
                           WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))`,
  // Inserts and updates of a job step in one statement: a row whose id exists
  // updates it (email never changes in a job step), any other row is new.
  contacts_write_batch: `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
                         SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
                         FROM json_each(?) WHERE true
                         ON CONFLICT (project_id, id) DO UPDATE
                         SET subscribed = excluded.subscribed, data = excluded.data, updated_at = excluded.updated_at`,
  contacts_delete_batch: 'DELETE FROM contacts WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))',
} as const;

export const eventQueries = {
  events_insert: 'INSERT INTO events (project_id, type, at, data) VALUES (?, ?, ?, ?)',
  events_after: `SELECT seq, type, at, data FROM events INDEXED BY events_by_project
                 WHERE project_id = ? AND seq > ? AND type IN (SELECT value FROM json_each(?))
                 ORDER BY seq LIMIT ?`,
  event_heads_purged_through: 'SELECT purged_through FROM event_heads WHERE project_id = ?',
  events_last_seq: 'SELECT max(seq) AS seq FROM events INDEXED BY events_by_project WHERE project_id = ?',
  // The oldest events made before a time, a slice at a time.
  events_delete_before: `DELETE FROM events WHERE seq IN (SELECT seq FROM events INDEXED BY events_at WHERE at < ? ORDER BY at LIMIT ?)
                         RETURNING project_id, seq`,
  event_heads_raise: `INSERT INTO event_heads (project_id, purged_through) VALUES (?, ?)
                      ON CONFLICT (project_id) DO UPDATE SET purged_through = max(purged_through, excluded.purged_through)`,
} as const;
