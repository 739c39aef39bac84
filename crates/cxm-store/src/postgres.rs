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
