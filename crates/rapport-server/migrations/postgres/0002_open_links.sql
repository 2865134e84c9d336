-- Rapport clinic server, schema 2: links still open or expired unanswered are found by
-- their expiry without reading every link ever made (the alerts' `not_answered` rule).
CREATE INDEX links_unanswered_by_expiry ON links (expires_at) WHERE used_at IS NULL;
