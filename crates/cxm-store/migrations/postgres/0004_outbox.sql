-- The durable outbox of notifications: written in the same breath as what they announce,
-- delivered by a worker that survives restarts; a delivered message is never sent again.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    event           TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    mention         TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);
