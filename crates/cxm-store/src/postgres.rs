//! PostgreSQL specifics: the connection pool and the SQL fragments whose syntax differs from
//! SQLite's.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use crate::StoreError;

pub(crate) async fn connect(url: &str) -> Result<sqlx::PgPool, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?;
    Ok(pool)
}

/// The text value of dimension `$n` (the key itself) in `segments.dimensions`.
pub(crate) fn dimension_value(alias: &str, parameter: usize) -> String {
    format!("(({alias}.dimensions)::jsonb ->> ${parameter}::text)")
}

/// The bound parameter for dimension `key` used with [`dimension_value`].
pub(crate) fn dimension_path(key: &str) -> String {
    key.to_owned()
}

/// Creates (or re-creates, empty) the database `name` on the server of `admin_url` and returns
/// the URL of the new database. Used by tests and benchmarks that need a clean database.
///
/// # Errors
/// [`StoreError::Conflict`] for a name that is not lowercase letters, digits and `_`;
/// [`StoreError::Other`] when the server refuses.
pub async fn fresh_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    use sqlx::Connection;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(StoreError::Conflict(format!(
            "database name {name:?} must be lowercase letters, digits and _"
        )));
    }
    let mut connection = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut connection)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    // Replace the path (database name) of the URL, keeping any query string.
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    Ok(url)
}

/// Drops a database made by [`fresh_database`].
///
/// # Errors
/// [`StoreError::Other`] when the server refuses.
pub async fn drop_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut connection)
    .await?;
    connection.close().await?;
    Ok(())
}
