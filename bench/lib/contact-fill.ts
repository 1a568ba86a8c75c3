// Contacts written straight into a migrated store with one INSERT … SELECT
// (SQLite's recursive CTE, PostgreSQL's generate_series), through the real
// schema: its triggers keep the search index and the counts, as the service's
// own writes do. Ids are valid UUIDs, the same for every project (unique
// within one), so a benchmark knows them without reading them back.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';

export interface StoreTarget {
  dataDir?: string;
  databaseUrl?: string;
}

/** The id of contact `i` of any filled project. */
export function filledContactId(i: number): string {
  return `01900000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
}

/**
 * Adds `count` contacts to a project, the i-th with the email
 * `${local}${i}@${domain}` (domain may hold `{n}`, replaced by i % 100).
 */
export async function fillContacts(target: StoreTarget, projectId: string, count: number, local: string, domain: string): Promise<void> {
  const createdFrom = Date.now() - count - 1000;
  const [before, after] = domain.split('{n}') as [string, string | undefined];
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
         SELECT $1, ('01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, $2::text || i || '@' || $3::text || coalesce((i % 100) || $4::text, ''),
                true, '{}', $5::bigint + i, $5::bigint + i
         FROM generate_series(0, $6::int - 1) AS i`,
        [projectId, local, before, after ?? null, createdFrom, count],
      );
      await client.query('ANALYZE contacts');
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(join(target.dataDir!, 'rolodex.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    const domainSql = after === undefined ? ':before' : `:before || (i % 100) || :after`;
    db.transaction(() =>
      db
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
           INSERT INTO contacts (project_id, id, email, subscribed, data, created_at, updated_at)
           SELECT :project, '01900000-0000-7000-8000-' || printf('%012x', i), :local || i || '@' || ${domainSql},
                  1, '{}', :from + i, :from + i
           FROM n`,
        )
        .run({ project: projectId, local, before, after: after ?? '', from: createdFrom, count }),
    )();
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * Fails every job still queued or running, straight in the store: a hostile
 * import cut off by its deadline must not go on in the next server started on
 * the same database and weigh on the next measurement.
 */
export async function abandonUnfinishedJobs(target: StoreTarget): Promise<number> {
  const sql = `UPDATE jobs SET state = 'failed', failed_reason = 'abandoned by the benchmark', locked_by = NULL, finished_at = created_at
               WHERE state IN ('queued', 'active')`;
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  }
  const db = new Database(join(target.dataDir!, 'rolodex.db'));
  try {
    db.pragma('busy_timeout = 10000');
    return db.prepare(sql).run().changes;
  } finally {
    db.close();
  }
}
