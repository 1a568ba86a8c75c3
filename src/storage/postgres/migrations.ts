// The PostgreSQL schema, one migration a version, applied under an advisory
// lock so that any number of processes may start at once. Every tenant table
// leads with project_id, so the schema can be sharded by project (Citus's
// distribution column) without a redesign.

import type { Migration } from '../migration.js';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'projects, keys and contacts',
    sql: `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE EXTENSION IF NOT EXISTS btree_gin;

      CREATE TABLE projects (
        id         uuid PRIMARY KEY,
        name       text NOT NULL,
        created_at bigint NOT NULL
      );

      CREATE TABLE api_keys (
        id         uuid PRIMARY KEY,
        project_id uuid NOT NULL REFERENCES projects (id),
        kind       text NOT NULL CHECK (kind IN ('secret', 'public')),
        hash       bytea NOT NULL UNIQUE,
        prefix     text NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
      CREATE INDEX api_keys_by_project ON api_keys (project_id, created_at);

      -- data is json, not jsonb: it is stored and served byte for byte as the
      -- domain wrote it (compact, keys in the order given, \\u0000 allowed),
      -- exactly as on SQLite. Merges happen in the domain under a row lock.
      CREATE TABLE contacts (
        project_id uuid NOT NULL,
        id         uuid NOT NULL,
        email      text NOT NULL,
        subscribed boolean NOT NULL,
        data       json NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (project_id, id),
        UNIQUE (project_id, email)
      );
      CREATE INDEX contacts_page ON contacts (project_id, created_at DESC, id DESC);
      CREATE INDEX contacts_page_subscribed ON contacts (project_id, subscribed, created_at DESC, id DESC);
      -- Search: a trigram index per project. It is on lower(email) (the same
      -- text: emails are stored lower-cased) so that it serves only searches,
      -- never the equality lookups the unique index is for.
      CREATE INDEX contacts_email_search ON contacts USING gin (project_id, lower(email) gin_trgm_ops);

      -- Per-project counts kept in step with every write by statement-level
      -- triggers (one counter update per statement, not per row).
      CREATE TABLE project_counts (
        project_id uuid PRIMARY KEY,
        total      bigint NOT NULL DEFAULT 0,
        subscribed bigint NOT NULL DEFAULT 0
      );

      CREATE FUNCTION project_counts_create() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO project_counts (project_id) VALUES (NEW.id);
        RETURN NULL;
      END $$;
      CREATE TRIGGER project_counts_create AFTER INSERT ON projects
        FOR EACH ROW EXECUTE FUNCTION project_counts_create();

      CREATE FUNCTION contacts_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE project_counts AS c SET total = c.total + d.n, subscribed = c.subscribed + d.s
        FROM (SELECT project_id, count(*) AS n, count(*) FILTER (WHERE subscribed) AS s
              FROM inserted GROUP BY project_id) AS d
        WHERE c.project_id = d.project_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION contacts_count_insert();

      CREATE FUNCTION contacts_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE project_counts AS c SET total = c.total - d.n, subscribed = c.subscribed - d.s
        FROM (SELECT project_id, count(*) AS n, count(*) FILTER (WHERE subscribed) AS s
              FROM deleted GROUP BY project_id) AS d
        WHERE c.project_id = d.project_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts
        REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION contacts_count_delete();

      CREATE FUNCTION contacts_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE project_counts AS c SET subscribed = c.subscribed + d.s
        FROM (SELECT n.project_id, sum(n.subscribed::int - o.subscribed::int) AS s
              FROM new_rows AS n JOIN old_rows AS o ON o.project_id = n.project_id AND o.id = n.id
              WHERE n.subscribed <> o.subscribed
              GROUP BY n.project_id) AS d
        WHERE c.project_id = d.project_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER contacts_count_update AFTER UPDATE ON contacts
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_count_update();
    `,
  },
  {
    version: 2,
    name: 'jobs and their files',
    sql: `
      CREATE TABLE jobs (
        project_id    uuid NOT NULL,
        id            uuid NOT NULL,
        type          text NOT NULL CHECK (type IN ('import', 'bulk-subscribe', 'bulk-unsubscribe', 'bulk-delete')),
        state         text NOT NULL CHECK (state IN ('queued', 'active', 'completed', 'failed')),
        payload       json NOT NULL,
        progress      integer NOT NULL DEFAULT 0,
        result        json NOT NULL,
        checkpoint    integer NOT NULL DEFAULT 0,
        failed_reason text,
        attempts      integer NOT NULL DEFAULT 0,
        locked_by     text,
        locked_until  bigint NOT NULL DEFAULT 0,
        created_at    bigint NOT NULL,
        started_at    bigint,
        finished_at   bigint,
        PRIMARY KEY (project_id, id)
      );
      CREATE INDEX jobs_pending ON jobs (state, created_at) WHERE state IN ('queued', 'active');
      CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

      CREATE TABLE job_files (
        project_id uuid NOT NULL,
        job_id     uuid NOT NULL,
        content    bytea NOT NULL,
        PRIMARY KEY (project_id, job_id)
      );
    `,
  },
  {
    version: 3,
    name: 'no job checkpoint: an import resumes from its processedRows',
    sql: 'ALTER TABLE jobs DROP COLUMN checkpoint;',
  },
  {
    version: 4,
    name: "a project's pending jobs, counted at every job accepted",
    sql: "CREATE INDEX jobs_pending_by_project ON jobs (project_id) WHERE state IN ('queued', 'active');",
  },
  {
    version: 5,
    name: "an import's failed rows, all of them, for errors.csv",
    sql: `
      -- Row 1 holds the file's header, so errors.csv can be written after the file is gone.
      CREATE TABLE import_failures (
        project_id uuid NOT NULL,
        job_id     uuid NOT NULL,
        row        integer NOT NULL,
        error      text NOT NULL,
        source     text NOT NULL,
        PRIMARY KEY (project_id, job_id, row)
      );
    `,
  },
  {
    version: 6,
    name: 'uploaded files stored uncompressed, so a worker reads them a part at a time',
    // A slice of a compressed value unpacks all of it; of an EXTERNAL one, only
    // the chunks it spans. Reading a 5 MiB file in one value held the event
    // loop for 100 ms (its hex text, decoded on the loop).
    sql: 'ALTER TABLE job_files ALTER COLUMN content SET STORAGE EXTERNAL;',
  },
  {
    version: 7,
    name: 'filters by update time, and where a bulk job by filter resumes',
    sql: `
      CREATE INDEX contacts_updated ON contacts (project_id, updated_at);
      ALTER TABLE jobs ADD COLUMN resume_at text;
    `,
  },
  {
    version: 8,
    name: 'dashboard operators, their sessions and failed logins',
    sql: `
      CREATE TABLE admins (
        id            uuid PRIMARY KEY,
        email         text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        created_at    bigint NOT NULL
      );
      CREATE TABLE admin_sessions (
        token_hash bytea PRIMARY KEY,
        admin_id   uuid NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX admin_sessions_by_admin ON admin_sessions (admin_id);
      CREATE TABLE login_failures (
        key text NOT NULL,
        at  bigint NOT NULL
      );
      CREATE INDEX login_failures_by_key ON login_failures (key, at);
    `,
  },
  {
    version: 9,
    name: "the dashboard import wizard's uploaded files (drafts)",
    sql: `
      CREATE TABLE import_drafts (
        project_id uuid NOT NULL,
        id         uuid NOT NULL,
        content    bytea NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (project_id, id)
      );
      CREATE INDEX import_drafts_by_project ON import_drafts (project_id, created_at);
      CREATE INDEX import_drafts_expiry ON import_drafts (expires_at);
      -- Read a part at a time (substring), as job files are: kept uncompressed.
      ALTER TABLE import_drafts ALTER COLUMN content SET STORAGE EXTERNAL;
    `,
  },
  {
    version: 10,
    name: "each project's outbox of events (the change feed, webhooks)",
    // See queries.ts, events_append: a project's events are numbered from
    // its head row, by the last statement of the transaction that writes
    // them, so seq order is commit order.
    sql: `
      CREATE TABLE event_heads (
        project_id     uuid PRIMARY KEY,
        seq            bigint NOT NULL,
        purged_through bigint NOT NULL DEFAULT 0
      );
      -- data is JSON text, written and read whole, never looked into.
      CREATE TABLE events (
        project_id uuid NOT NULL,
        seq        bigint NOT NULL,
        type       text NOT NULL,
        at         bigint NOT NULL,
        data       text NOT NULL,
        PRIMARY KEY (project_id, seq)
      );
      -- Retention deletes by time.
      CREATE INDEX events_at ON events (at);
    `,
  },
  {
    version: 11,
    name: 'webhook endpoints and their deliveries log',
    sql: `
      -- An endpoint, its delivery state and its lease (see the SQLite
      -- migration 12 for each column).
      CREATE TABLE webhooks (
        project_id      uuid NOT NULL,
        id              uuid NOT NULL,
        url             text NOT NULL,
        events          text[] NOT NULL,
        secret          bytea NOT NULL,
        enabled         boolean NOT NULL,
        disabled_at     bigint,
        disabled_reason text,
        failing_since   bigint,
        created_at      bigint NOT NULL,
        updated_at      bigint NOT NULL,
        position        bigint NOT NULL,
        pending_through bigint,
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        locked_by       text,
        locked_until    bigint,
        PRIMARY KEY (project_id, id)
      );
      CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE enabled;
      CREATE TABLE webhook_deliveries (
        seq             bigserial PRIMARY KEY,
        project_id      uuid NOT NULL,
        webhook_id      uuid NOT NULL,
        message_id      text NOT NULL,
        type            text NOT NULL,
        event_count     integer NOT NULL,
        attempt         integer NOT NULL,
        attempted_at    bigint NOT NULL,
        duration_ms     integer NOT NULL,
        outcome         text NOT NULL,
        response_status integer,
        response_body   text,
        error           text,
        next_retry_at   bigint
      );
      CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (project_id, webhook_id, seq);
    `,
  },
];
