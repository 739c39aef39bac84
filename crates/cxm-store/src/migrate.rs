//! Schema migrations: one embedded folder per backend, applied in order, each in a
//! transaction, recorded in `schema_migrations`.

use crate::{BeginWrite, Store, StoreError, now_micros, with_pool};

/// `(version, description, SQLite text, PostgreSQL text)` of every migration, oldest first.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "users and sessions",
        include_str!("../migrations/sqlite/0002_users.sql"),
        include_str!("../migrations/postgres/0002_users.sql"),
    ),
    (
        3,
        "departments, routing, SLAs and cases",
        include_str!("../migrations/sqlite/0003_cases.sql"),
        include_str!("../migrations/postgres/0003_cases.sql"),
    ),
    (
        4,
        "notification outbox",
        include_str!("../migrations/sqlite/0004_outbox.sql"),
        include_str!("../migrations/postgres/0004_outbox.sql"),
    ),
    (
        5,
        "user contacts and volumes",
        include_str!("../migrations/sqlite/0005_contacts_volumes.sql"),
        include_str!("../migrations/postgres/0005_contacts_volumes.sql"),
    ),
];

pub(crate) async fn run(store: &Store) -> Result<usize, StoreError> {
    const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
        version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    let is_sqlite = matches!(store.backend, crate::Backend::Sqlite(_));
    with_pool!(store, pool => {
        sqlx::query(CREATE).execute(pool).await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(pool)
            .await?;
        let mut count = 0;
        for &(version, description, sqlite_sql, postgres_sql) in MIGRATIONS {
            if applied.contains(&version) {
                continue;
            }
            let sql = if is_sqlite { sqlite_sql } else { postgres_sql };
            let mut tx = pool.begin_write().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)")
                .bind(version)
                .bind(description)
                .bind(now_micros())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version, description, "applied migration");
            count += 1;
        }
        Ok(count)
    })
}
