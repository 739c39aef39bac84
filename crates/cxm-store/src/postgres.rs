//! PostgreSQL specifics: the connection pool and write transactions.

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

impl crate::BeginWrite for sqlx::PgPool {
    type Database = sqlx::Postgres;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>> + Send
    {
        // Row locks and unique indexes order concurrent writers; no table lock is needed.
        self.begin()
    }
}
