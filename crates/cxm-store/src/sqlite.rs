//! SQLite specifics: opening the file (WAL, foreign keys, busy timeout, cache, row buffer),
//! write transactions that take the lock at once, reserved response ids, and anonymous
//! placeholders.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreError;

pub(crate) async fn connect(url: &str) -> Result<sqlx::SqlitePool, StoreError> {
    let memory = url.contains(":memory:");
    let options = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    let options = options
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory")
        // Rows a query may run ahead of its reader. sqlx's default of 50 makes the worker
        // thread stop and wait dozens of times on an ingest statement's thousands of RETURNING
        // rows; a statement's rows fit here, and a streamed export holds at most this many.
        .row_buffer_size(8_192);
    let options = if memory {
        options
    } else {
        options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
    };
    let pool = SqlitePoolOptions::new()
        // An in-memory database exists per connection, so it gets exactly one.
        .max_connections(if memory { 1 } else { 4 })
        .min_connections(if memory { 1 } else { 0 })
        .idle_timeout(if memory {
            None
        } else {
            Some(Duration::from_secs(600))
        })
        .max_lifetime(if memory {
            None
        } else {
            Some(Duration::from_secs(3600))
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

impl crate::BeginWrite for sqlx::SqlitePool {
    type Database = sqlx::Sqlite;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>> + Send
    {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

/// `$1` new response ids: the ones after the largest, free because an ingest session holds
/// the write lock.
pub(crate) const RESERVE_RESPONSE_IDS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
     SELECT (SELECT COALESCE(MAX(id), 0) FROM responses) + i AS id FROM n ORDER BY i";

/// What an insert that gives `responses.id` itself says before `VALUES`: nothing here.
pub(crate) const EXPLICIT_IDS: &str = "";

/// `sql` with its `$1, $2, …` placeholders written as anonymous `?`, when they appear once
/// each and in order (as in multi-row inserts); otherwise `sql` unchanged.
///
/// SQLite finds a named parameter by searching a list as long as the statement's named
/// parameters, and sqlx asks for every parameter's name, so binding `$n` parameters costs time
/// quadratic in their number; anonymous ones cost constant time each.
pub(crate) fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1u64;
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 {
            out.push('$');
            rest = &rest[at + 1..];
            continue;
        }
        match rest[at + 1..at + 1 + digits].parse::<u64>() {
            Ok(number) if number == expected => {
                out.push('?');
                expected += 1;
                rest = &rest[at + 1 + digits..];
            }
            _ => return sql.to_owned(),
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::positional;

    #[test]
    fn ordered_placeholders_become_anonymous() {
        assert_eq!(positional("VALUES ($1,$2),($3,$4)"), "VALUES (?,?),(?,?)");
        assert_eq!(positional("a = $2 AND b = $1"), "a = $2 AND b = $1");
        assert_eq!(positional("a = $1 OR b = $1"), "a = $1 OR b = $1");
        assert_eq!(positional("json '$.x' = $1"), "json '$.x' = ?");
    }
}
