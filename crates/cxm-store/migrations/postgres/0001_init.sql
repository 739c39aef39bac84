-- cxm schema, PostgreSQL. Keep in step with ../sqlite/0001_init.sql: same tables, same columns,
-- native types. Times are unix microseconds (UTC); local_day / local_month are the submission's
-- calendar day and month in the configured time zone (see cxm-domain calendar.rs).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE surveys (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every answerable item of a survey: each question, and each row of a matrix (key `q.row`).
CREATE TABLE items (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    kind      TEXT NOT NULL,
    role      TEXT,
    scale_min BIGINT,
    scale_max BIGINT,
    UNIQUE (survey_id, key)
);

-- Distinct (channel, touchpoint, dimensions) combinations; responses point at one.
CREATE TABLE segments (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel    TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    dimensions TEXT NOT NULL,
    UNIQUE (channel, touchpoint, dimensions)
);

-- Every segment's group values, one row per key: '' (every response, value ''), '@channel',
-- '@touchpoint' (value '' when none) and each dimension. Metric queries group and filter by
-- joining here, and the count tables below are kept per key.
CREATE TABLE segment_dimensions (
    segment_id BIGINT NOT NULL REFERENCES segments (id),
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (segment_id, key)
);

CREATE TABLE customers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- A customer's typed attributes (tier, region, age group…) as text, one row per key.
CREATE TABLE customer_attributes (
    customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (customer_id, key)
);
CREATE INDEX customer_attributes_lookup ON customer_attributes (key, value, customer_id);

CREATE TABLE responses (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    survey_id    BIGINT NOT NULL REFERENCES surveys (id),
    customer_id  BIGINT REFERENCES customers (id),
    segment_id   BIGINT NOT NULL REFERENCES segments (id),
    source       TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    local_day    BIGINT NOT NULL,
    local_month  BIGINT NOT NULL,
    language     TEXT,
    complete     BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX responses_by_survey_time ON responses (survey_id, submitted_at DESC, id DESC);
CREATE INDEX responses_by_time ON responses (submitted_at DESC, id DESC);
CREATE INDEX responses_by_survey_day ON responses (survey_id, local_day);

-- The metric fact table: one row per numeric answer, clustered by item and day so a metric
-- query reads one contiguous range per item.
CREATE TABLE answers (
    item_id     BIGINT NOT NULL,
    local_day   BIGINT NOT NULL,
    response_id BIGINT NOT NULL,
    local_month BIGINT NOT NULL,
    segment_id  BIGINT NOT NULL,
    customer_id BIGINT,
    complete    BOOLEAN NOT NULL,
    value       BIGINT NOT NULL,
    PRIMARY KEY (item_id, local_day, response_id)
);
CREATE INDEX answers_by_response ON answers (response_id);

CREATE TABLE choice_answers (
    item_id     BIGINT NOT NULL,
    local_day   BIGINT NOT NULL,
    response_id BIGINT NOT NULL,
    option      TEXT NOT NULL,
    local_month BIGINT NOT NULL,
    segment_id  BIGINT NOT NULL,
    customer_id BIGINT,
    complete    BOOLEAN NOT NULL,
    PRIMARY KEY (item_id, local_day, response_id, option)
);
CREATE INDEX choice_answers_by_response ON choice_answers (response_id);

CREATE TABLE text_answers (
    response_id BIGINT NOT NULL,
    item_id     BIGINT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (response_id, item_id)
);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

-- Count tables: the metric engine's fast path. For every key of segment_dimensions, how many
-- answers (responses) of each value fell on each local day, complete or not. Ingest keeps them
-- equal to the fact tables (adding a batch's rows, subtracting replaced ones); a query that
-- groups or filters by at most one key reads them instead of the facts. Rows may reach n = 0.
CREATE TABLE numeric_counts (
    item_id     BIGINT NOT NULL,
    dim_key     TEXT NOT NULL,
    local_day   BIGINT NOT NULL,
    dim_value   TEXT NOT NULL,
    complete    BOOLEAN NOT NULL,
    value       BIGINT NOT NULL,
    local_month BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (item_id, dim_key, local_day, dim_value, complete, value)
);

-- Chosen options per day; option '' counts the question's respondents (each response once).
CREATE TABLE choice_counts (
    item_id     BIGINT NOT NULL,
    dim_key     TEXT NOT NULL,
    local_day   BIGINT NOT NULL,
    dim_value   TEXT NOT NULL,
    complete    BOOLEAN NOT NULL,
    option      TEXT NOT NULL,
    local_month BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (item_id, dim_key, local_day, dim_value, complete, option)
);

CREATE TABLE response_counts (
    survey_id   BIGINT NOT NULL,
    dim_key     TEXT NOT NULL,
    local_day   BIGINT NOT NULL,
    dim_value   TEXT NOT NULL,
    complete    BOOLEAN NOT NULL,
    local_month BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (survey_id, dim_key, local_day, dim_value, complete)
);
