-- Rapport clinic server, schema 4: API tokens for integrations, and what each user has
-- seen of their notifications.
--
-- A token is stored as the SHA-256 of its secret (shown once, when made); it acts for
-- the clinic with the rights of the admin who made it, read-only or read-write, until
-- it is revoked (revoked_at set; the row stays for the audit log's sake).

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_clinic ON api_tokens (clinic_id);

-- Notifications are alerts and comments; a user's marks say what they have seen: the
-- alerts by key, and comments up to a time.
CREATE TABLE seen_alerts (
    user_id INTEGER NOT NULL REFERENCES users (id),
    alert TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, alert)
);

CREATE TABLE comment_marks (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    seen_until INTEGER NOT NULL
);
