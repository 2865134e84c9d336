-- Rapport clinic server, SQLite schema 1. Times are seconds since 1970-01-01 UTC
-- (INTEGER); flags are 0/1 INTEGERs; answers are JSON text. The PostgreSQL schema holds
-- the same tables, columns and constraints in its own dialect.

CREATE TABLE clinics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    link_expiry_hours INTEGER NOT NULL DEFAULT 96 CHECK (link_expiry_hours > 0),
    instruments TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'counsellor')),
    password_hash TEXT NOT NULL,
    supervisor_id INTEGER REFERENCES users (id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    counsellor_id INTEGER NOT NULL REFERENCES users (id),
    code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (clinic_id, code)
);
CREATE INDEX clients_by_counsellor ON clients (counsellor_id);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    scope TEXT NOT NULL CHECK (scope IN ('measures', 'transcripts')),
    given INTEGER NOT NULL CHECK (given IN (0, 1)),
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX consents_by_client ON consents (client_id);

CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    token_hash TEXT NOT NULL UNIQUE,
    kiosk_code TEXT,
    session_number INTEGER NOT NULL CHECK (session_number >= 0),
    instruments TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE UNIQUE INDEX links_by_kiosk_code ON links (kiosk_code);
CREATE INDEX links_by_client ON links (client_id);

CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    session_number INTEGER NOT NULL CHECK (session_number >= 0),
    instrument TEXT NOT NULL,
    answered_on TEXT NOT NULL,
    answers TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('link', 'paper', 'import')),
    link_id INTEGER REFERENCES links (id),
    entered_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    UNIQUE (client_id, session_number, instrument)
);

CREATE TABLE alert_acks (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    kind TEXT NOT NULL,
    instrument TEXT NOT NULL,
    session_number INTEGER NOT NULL,
    note TEXT NOT NULL,
    acknowledged_by INTEGER NOT NULL REFERENCES users (id),
    acknowledged_at INTEGER NOT NULL,
    UNIQUE (client_id, kind, instrument, session_number)
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    clinic_id INTEGER,
    user_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    address TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX audit_by_clinic ON audit (clinic_id, id);

-- The audit log is append-only: no row of it can be changed or removed.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
