-- The durable outbox of notifications: written in the same breath as what they announce,
-- delivered by a worker that survives restarts; a delivered message is never sent again.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    event           TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    mention         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);
