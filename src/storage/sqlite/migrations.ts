// The SQLite schema, one migration a version. Applied in order inside BEGIN
// IMMEDIATE, so two processes starting at once apply each exactly once.

import type { Migration } from '../migration.js';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'projects, keys and contacts',
    sql: `
      CREATE TABLE projects (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects (id),
        kind       TEXT NOT NULL CHECK (kind IN ('secret', 'public')),
        hash       BLOB NOT NULL UNIQUE,
        prefix     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX api_keys_by_project ON api_keys (project_id, created_at);

      -- seq is the rowid the full-text index points at; (project_id, id) is the key.
      CREATE TABLE contacts (
        seq        INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL,
        id         TEXT NOT NULL,
        email      TEXT NOT NULL,
        subscribed INTEGER NOT NULL,
        data       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, id),
        UNIQUE (project_id, email)
      );
      CREATE INDEX contacts_page ON contacts (project_id, created_at DESC, id DESC);
      CREATE INDEX contacts_page_subscribed ON contacts (project_id, subscribed, created_at DESC, id DESC);

      -- Substring search on email through a trigram index.
      CREATE VIRTUAL TABLE contacts_search USING fts5 (
        email, content = 'contacts', content_rowid = 'seq', tokenize = 'trigram'
      );
      CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_search (rowid, email) VALUES (NEW.seq, NEW.email);
      END;
      CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
        INSERT INTO contacts_search (contacts_search, rowid, email) VALUES ('delete', OLD.seq, OLD.email);
      END;
      CREATE TRIGGER contacts_search_update AFTER UPDATE OF email ON contacts BEGIN
        INSERT INTO contacts_search (contacts_search, rowid, email) VALUES ('delete', OLD.seq, OLD.email);
        INSERT INTO contacts_search (rowid, email) VALUES (NEW.seq, NEW.email);
      END;

      -- Per-project counts kept in step with every write, so a first page
      -- never counts a million rows.
      CREATE TABLE project_counts (
        project_id TEXT PRIMARY KEY,
        total      INTEGER NOT NULL DEFAULT 0,
        subscribed INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE TRIGGER project_counts_create AFTER INSERT ON projects BEGIN
        INSERT INTO project_counts (project_id) VALUES (NEW.id);
      END;
      CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts BEGIN
        UPDATE project_counts SET total = total + 1, subscribed = subscribed + NEW.subscribed
        WHERE project_id = NEW.project_id;
      END;
      CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts BEGIN
        UPDATE project_counts SET total = total - 1, subscribed = subscribed - OLD.subscribed
        WHERE project_id = OLD.project_id;
      END;
      CREATE TRIGGER contacts_count_update AFTER UPDATE OF subscribed ON contacts
      WHEN NEW.subscribed <> OLD.subscribed BEGIN
        UPDATE project_counts SET subscribed = subscribed + NEW.subscribed - OLD.subscribed
        WHERE project_id = NEW.project_id;
      END;
    `,
  },
];

migrations.push({
  version: 2,
  name: 'jobs and their files',
  sql: `
    CREATE TABLE jobs (
      project_id    TEXT NOT NULL,
      id            TEXT NOT NULL,
      type          TEXT NOT NULL CHECK (type IN ('import', 'bulk-subscribe', 'bulk-unsubscribe', 'bulk-delete')),
      state         TEXT NOT NULL CHECK (state IN ('queued', 'active', 'completed', 'failed')),
      payload       TEXT NOT NULL,
      progress      INTEGER NOT NULL DEFAULT 0,
      result        TEXT NOT NULL,
      checkpoint    INTEGER NOT NULL DEFAULT 0,
      failed_reason TEXT,
      attempts      INTEGER NOT NULL DEFAULT 0,
      locked_by     TEXT,
      locked_until  INTEGER NOT NULL DEFAULT 0,
      created_at    INTEGER NOT NULL,
      started_at    INTEGER,
      finished_at   INTEGER,
      PRIMARY KEY (project_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX jobs_pending ON jobs (state, created_at) WHERE state IN ('queued', 'active');
    CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

    -- The uploaded CSV, kept until its job ends so any worker can read it.
    CREATE TABLE job_files (
      project_id TEXT NOT NULL,
      job_id     TEXT NOT NULL,
      content    BLOB NOT NULL,
      PRIMARY KEY (project_id, job_id)
    ) WITHOUT ROWID;
  `,
});

migrations.push({
  version: 3,
  name: 'no job checkpoint: an import resumes from its processedRows',
  sql: 'ALTER TABLE jobs DROP COLUMN checkpoint;',
});

// The search index scoped to the project. The trigram index of version 1 was
// shared by every project and filtered by project afterwards, so a search cost
// as much as the matches of every project together (and told one tenant how
// much of a string the others hold). Here each token is a (project, trigram)
// pair, `<tag>x<hex of the trigram's UTF-8>`, where the tag is a number given
// to the project once, so a project's search reads only its own doclists.
// Tags are unique, which makes a phrase of tokens match exactly the emails
// holding the search as a substring (see sqlite-filter.ts). Plain SQL, not an
// application function, so that any connection (the sqlite3 shell, the import
// benchmark's floor) can still write contacts.

/** The index text of one contact row (`NEW` or `OLD` in a trigger, `c` in a SELECT); NULL below 3 characters. */
const searchTermsOf = (row: string) => `(SELECT group_concat(term, ' ') FROM (
  SELECT t.tag || 'x' || hex(substr(${row}.email, p.i, 3)) AS term
  FROM contacts_search_tags AS t, contacts_search_positions AS p
  WHERE t.project_id = ${row}.project_id AND p.i <= length(${row}.email) - 2 ORDER BY p.i))`;

migrations.push({
  version: 4,
  name: 'search index scoped to the project',
  sql: `
    DROP TRIGGER contacts_search_insert;
    DROP TRIGGER contacts_search_delete;
    DROP TRIGGER contacts_search_update;
    DROP TABLE contacts_search;

    CREATE TABLE contacts_search_tags (
      tag        INTEGER PRIMARY KEY,
      project_id TEXT NOT NULL UNIQUE
    );
    INSERT INTO contacts_search_tags (project_id) SELECT DISTINCT project_id FROM contacts;

    -- 1..1024, the character positions a trigram can start at (emails are at most 254).
    CREATE TABLE contacts_search_positions (i INTEGER PRIMARY KEY);
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1024)
    INSERT INTO contacts_search_positions (i) SELECT i FROM n;

    -- Contentless: the index keeps no text; a delete passes the same tokens again.
    CREATE VIRTUAL TABLE contacts_search USING fts5 (terms, content = '', tokenize = 'ascii', columnsize = 0);
    INSERT INTO contacts_search (rowid, terms) SELECT c.seq, ${searchTermsOf('c')} FROM contacts AS c;
    INSERT INTO contacts_search (contacts_search) VALUES ('optimize');

    -- A contact of a project without a tag (one written by another tool) gets one first.
    CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
      INSERT OR IGNORE INTO contacts_search_tags (project_id) VALUES (NEW.project_id);
      INSERT INTO contacts_search (rowid, terms) VALUES (NEW.seq, ${searchTermsOf('NEW')});
    END;
    CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
      INSERT INTO contacts_search (contacts_search, rowid, terms) VALUES ('delete', OLD.seq, ${searchTermsOf('OLD')});
    END;
    CREATE TRIGGER contacts_search_update AFTER UPDATE OF email ON contacts BEGIN
      INSERT INTO contacts_search (contacts_search, rowid, terms) VALUES ('delete', OLD.seq, ${searchTermsOf('OLD')});
      INSERT INTO contacts_search (rowid, terms) VALUES (NEW.seq, ${searchTermsOf('NEW')});
    END;
  `,
});

migrations.push({
  version: 5,
  name: "a project's pending jobs, counted at every job accepted",
  sql: "CREATE INDEX jobs_pending_by_project ON jobs (project_id) WHERE state IN ('queued', 'active');",
});

migrations.push({
  version: 6,
  name: "an import's failed rows, all of them, for errors.csv",
  sql: `
    -- Row 1 holds the file's header, so errors.csv can be written after the file is gone.
    CREATE TABLE import_failures (
      project_id TEXT NOT NULL,
      job_id     TEXT NOT NULL,
      row        INTEGER NOT NULL,
      error      TEXT NOT NULL,
      source     TEXT NOT NULL,
      PRIMARY KEY (project_id, job_id, row)
    ) WITHOUT ROWID;
  `,
});

migrations.push({
  version: 7,
  name: "an uploaded file in parts, written and read a part at a time",
  sql: `
    -- Writing or reading a 5 MiB file as one value held the event loop for
    -- 30-60 ms; a part is 512 KiB. Parts are written before their job row, so
    -- a part without a job is an upload that never finished (swept after an hour).
    CREATE TABLE job_file_parts (
      project_id TEXT NOT NULL,
      job_id     TEXT NOT NULL,
      part       INTEGER NOT NULL,
      content    BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, job_id, part)
    );
    INSERT INTO job_file_parts (project_id, job_id, part, content, created_at)
      SELECT project_id, job_id, 0, content, CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM job_files;
    DROP TABLE job_files;
  `,
});

migrations.push({
  version: 8,
  name: 'filters by update time, and where a bulk job by filter resumes',
  sql: `
    -- updatedAfter / updatedBefore: "what changed since my last sync" reads
    -- the changed contacts only, whatever the project's size.
    CREATE INDEX contacts_updated ON contacts (project_id, updated_at);
    -- A bulk job by filter walks the project's contacts; each step records
    -- the position it reached (JSON), in the transaction of its writes.
    ALTER TABLE jobs ADD COLUMN resume_at TEXT;
  `,
});

migrations.push({
  version: 9,
  name: 'dashboard operators, their sessions and failed logins',
  sql: `
    CREATE TABLE admins (
      id            TEXT PRIMARY KEY,
      email         TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      created_at    INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE admin_sessions (
      token_hash BLOB PRIMARY KEY,
      admin_id   TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
      csrf_token TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX admin_sessions_by_admin ON admin_sessions (admin_id);
    -- One row per failed login and key ('account:…', 'address:…'), kept 15 minutes.
    CREATE TABLE login_failures (
      key TEXT NOT NULL,
      at  INTEGER NOT NULL
    );
    CREATE INDEX login_failures_by_key ON login_failures (key, at);
  `,
});

migrations.push({
  version: 10,
  name: "the dashboard import wizard's uploaded files (drafts)",
  sql: `
    -- A file uploaded on the dashboard, kept for an hour while it is
    -- previewed. Its parts (512 KiB each, as job files) are written first, in
    -- their own transactions, then the draft row that makes them visible;
    -- parts carry the draft's expiry, so parts of an upload that never got
    -- its row are swept with the expired drafts.
    CREATE TABLE import_drafts (
      project_id TEXT NOT NULL,
      id         TEXT NOT NULL,
      size       INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX import_drafts_expiry ON import_drafts (expires_at);
    CREATE TABLE import_draft_parts (
      project_id TEXT NOT NULL,
      draft_id   TEXT NOT NULL,
      part       INTEGER NOT NULL,
      content    BLOB NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, draft_id, part)
    );
    CREATE INDEX import_draft_parts_expiry ON import_draft_parts (expires_at);
  `,
});

migrations.push({
  version: 11,
  name: "each project's outbox of events (the change feed, webhooks)",
  sql: `
    -- Appended by the transaction of the write it records. One writer
    -- commits at a time, so seq order is commit order; AUTOINCREMENT never
    -- hands out a seq again once retention has deleted it.
    CREATE TABLE events (
      seq        INTEGER PRIMARY KEY AUTOINCREMENT,
      project_id TEXT NOT NULL,
      type       TEXT NOT NULL,
      at         INTEGER NOT NULL,
      data       TEXT NOT NULL
    );
    CREATE INDEX events_by_project ON events (project_id, seq);
    -- Retention deletes by time.
    CREATE INDEX events_at ON events (at);
    -- The highest seq of the project that retention deleted.
    CREATE TABLE event_heads (
      project_id     TEXT PRIMARY KEY,
      purged_through INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
});

migrations.push({
  version: 12,
  name: 'webhook endpoints and their deliveries log',
  sql: `
    -- An endpoint, its delivery state and its lease. Every event of the
    -- project up to position was delivered; pending_through is the last seq
    -- of the message being tried (each retry sends the same events); a
    -- worker holds the endpoint while locked_until is ahead. secret is the
    -- signing secret sealed with AES-256-GCM (webhooks/secret-box.ts).
    CREATE TABLE webhooks (
      project_id      TEXT NOT NULL,
      id              TEXT NOT NULL,
      url             TEXT NOT NULL,
      events          TEXT NOT NULL,
      secret          BLOB NOT NULL,
      enabled         INTEGER NOT NULL,
      disabled_at     INTEGER,
      disabled_reason TEXT,
      failing_since   INTEGER,
      created_at      INTEGER NOT NULL,
      updated_at      INTEGER NOT NULL,
      position        INTEGER NOT NULL,
      pending_through INTEGER,
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      locked_by       TEXT,
      locked_until    INTEGER,
      PRIMARY KEY (project_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE enabled = 1;
    -- Each attempt, the last 100 per endpoint.
    CREATE TABLE webhook_deliveries (
      seq             INTEGER PRIMARY KEY,
      project_id      TEXT NOT NULL,
      webhook_id      TEXT NOT NULL,
      message_id      TEXT NOT NULL,
      type            TEXT NOT NULL,
      event_count     INTEGER NOT NULL,
      attempt         INTEGER NOT NULL,
      attempted_at    INTEGER NOT NULL,
      duration_ms     INTEGER NOT NULL,
      outcome         TEXT NOT NULL,
      response_status INTEGER,
      response_body   TEXT,
      error           TEXT,
      next_retry_at   INTEGER
    );
    CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (project_id, webhook_id, seq);
  `,
});
