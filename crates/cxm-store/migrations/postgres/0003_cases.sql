-- Closing the loop: departments and their people, SLA policies per priority, ordered routing
-- rules, cases with their timeline.
CREATE TABLE departments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    manager_user_id BIGINT REFERENCES users (id),
    created_at      BIGINT NOT NULL
);

CREATE TABLE department_members (
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, user_id)
);

CREATE TABLE sla_policies (
    priority               TEXT PRIMARY KEY,
    first_response_minutes BIGINT NOT NULL,
    resolution_minutes     BIGINT NOT NULL
);

CREATE TABLE routing_rules (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position         BIGINT NOT NULL,
    name             TEXT NOT NULL,
    conditions       TEXT NOT NULL,
    department_id    BIGINT REFERENCES departments (id) ON DELETE CASCADE,
    assignee_user_id BIGINT REFERENCES users (id),
    assignment       TEXT NOT NULL,
    priority         TEXT,
    enabled          BOOLEAN NOT NULL
);

CREATE TABLE cases (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid                TEXT NOT NULL UNIQUE,
    source             TEXT NOT NULL,
    response_uid       TEXT UNIQUE,
    customer           TEXT,
    survey             TEXT,
    score              BIGINT,
    touchpoint         TEXT,
    dimensions         TEXT NOT NULL,
    themes             TEXT NOT NULL,
    summary            TEXT NOT NULL,
    department_id      BIGINT REFERENCES departments (id),
    assignee_user_id   BIGINT REFERENCES users (id),
    priority           TEXT NOT NULL,
    status             TEXT NOT NULL,
    first_response_due BIGINT NOT NULL,
    resolution_due     BIGINT NOT NULL,
    first_responded_at BIGINT,
    resolved_at        BIGINT,
    closed_at          BIGINT,
    escalated_at       BIGINT,
    root_cause         TEXT,
    resolution         TEXT,
    contacted          BOOLEAN,
    contact_method     TEXT,
    reopen_count       BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX cases_by_department ON cases (department_id, status);
CREATE INDEX cases_by_assignee ON cases (assignee_user_id, status);
CREATE INDEX cases_by_due ON cases (status, resolution_due);

CREATE TABLE case_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX case_events_by_case ON case_events (case_id, at);
