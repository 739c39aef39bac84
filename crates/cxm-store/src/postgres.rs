//! PostgreSQL specifics: the connection pool, write transactions and reserved response ids.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use crate::StoreError;

/// `$1` new response ids, from the column's sequence (safe beside other sessions).
pub(crate) const RESERVE_RESPONSE_IDS: &str =
    "SELECT nextval(pg_get_serial_sequence('responses', 'id')) AS id FROM generate_series(1, $1)";

/// What an insert that gives `responses.id` (an identity column) itself says before `VALUES`.
pub(crate) const EXPLICIT_IDS: &str = " OVERRIDING SYSTEM VALUE";

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
