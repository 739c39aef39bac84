-- Reaching people and measuring against volume: each user's email, mobile and chat ids (for
-- personal email and @-mentions), and the monthly volumes (orders, customers) complaint rates
-- are measured against, overall (dim_key '') or per touchpoint ('@touchpoint') or dimension.
ALTER TABLE users ADD COLUMN contacts TEXT NOT NULL DEFAULT '{}';

CREATE TABLE volumes (
    measure   TEXT NOT NULL,
    dim_key   TEXT NOT NULL,
    dim_value TEXT NOT NULL,
    month     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (measure, dim_key, dim_value, month)
);

CREATE INDEX cases_by_created ON cases (created_at);
