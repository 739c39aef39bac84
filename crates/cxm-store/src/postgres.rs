//! PostgreSQL specifics: the connection pool.

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
