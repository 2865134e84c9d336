-- Rapport clinic server, schema 3: session transcripts coded in the server, and
-- comments on sessions.
--
-- A transcript row is also its coding job: `state` moves queued -> running -> done or
-- failed, and a row left `running` by a crash is queued again when the server starts,
-- so an upload acknowledged is coded whatever happens. The upload is kept as written
-- (`body`, base64 of the bytes) until it is deleted; deleting a transcript clears
-- `body` and `coded` (the utterances and their codes) and keeps `summary` (the
-- session's figures), with `deleted_at` set. `accuracy` is the coding model's
-- cross-validated agreement with experts, which the report states.

CREATE TABLE transcripts (
    -- AUTOINCREMENT: an id is never reused, so a worker finishing a deleted row's job
    -- can never write into a later upload's row.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    session_number INTEGER NOT NULL CHECK (session_number >= 0),
    format TEXT NOT NULL CHECK (format IN ('vtt', 'srt', 'txt', 'csv', 'json')),
    file_name TEXT NOT NULL,
    counselors TEXT NOT NULL DEFAULT '[]',
    notices TEXT NOT NULL DEFAULT '[]',
    body TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    error TEXT,
    coded TEXT,
    summary TEXT,
    accuracy TEXT,
    utterances INTEGER,
    uploaded_by INTEGER NOT NULL REFERENCES users (id),
    uploaded_at INTEGER NOT NULL,
    coded_at INTEGER,
    deleted_at INTEGER,
    UNIQUE (client_id, session_number)
);
CREATE INDEX transcripts_to_code ON transcripts (id) WHERE state IN ('queued', 'running');

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    session_number INTEGER NOT NULL CHECK (session_number >= 0),
    author_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_by_session ON comments (client_id, session_number);
