-- Closing the loop: departments and their people, SLA policies per priority, ordered routing
-- rules, cases with their timeline.
CREATE TABLE departments (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    manager_user_id INTEGER REFERENCES users (id),
    created_at      INTEGER NOT NULL
);

CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, user_id)
);

CREATE TABLE sla_policies (
    priority               TEXT PRIMARY KEY,
    first_response_minutes INTEGER NOT NULL,
    resolution_minutes     INTEGER NOT NULL
);

CREATE TABLE routing_rules (
    id               INTEGER PRIMARY KEY,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    conditions       TEXT NOT NULL,
    department_id    INTEGER REFERENCES departments (id) ON DELETE CASCADE,
    assignee_user_id INTEGER REFERENCES users (id),
    assignment       TEXT NOT NULL,
    priority         TEXT,
    enabled          INTEGER NOT NULL
);

CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY,
    uid                TEXT NOT NULL UNIQUE,
    source             TEXT NOT NULL,
    response_uid       TEXT UNIQUE,
    customer           TEXT,
    survey             TEXT,
    score              INTEGER,
    touchpoint         TEXT,
    dimensions         TEXT NOT NULL,
    themes             TEXT NOT NULL,
    summary            TEXT NOT NULL,
    department_id      INTEGER REFERENCES departments (id),
    assignee_user_id   INTEGER REFERENCES users (id),
    priority           TEXT NOT NULL,
    status             TEXT NOT NULL,
    first_response_due INTEGER NOT NULL,
    resolution_due     INTEGER NOT NULL,
    first_responded_at INTEGER,
    resolved_at        INTEGER,
    closed_at          INTEGER,
    escalated_at       INTEGER,
    root_cause         TEXT,
    resolution         TEXT,
    contacted          INTEGER,
    contact_method     TEXT,
    reopen_count       INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX cases_by_department ON cases (department_id, status);
CREATE INDEX cases_by_assignee ON cases (assignee_user_id, status);
CREATE INDEX cases_by_due ON cases (status, resolution_due);

CREATE TABLE case_events (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX case_events_by_case ON case_events (case_id, at);
