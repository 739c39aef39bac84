//! The one `Store` of cxm: surveys, customers, responses, metric accumulators and API tokens,
//! on SQLite (the default, one file, zero setup) or PostgreSQL.
//!
//! Both backends run the same SQL text (with `$n` placeholders, which SQLite accepts) through
//! [`with_pool!`], so a query exists once and behaves identically on both; the few fragments
//! that differ (JSON access) live in `sqlite.rs` and `postgres.rs`. Metric queries return
//! mergeable accumulators (counts per value and group) computed by SQL `GROUP BY`; raw answers
//! never leave the database to be aggregated.

use std::fmt;

mod accumulate;
mod cases;
mod counts;
mod error;
mod ingest;
mod lists;
mod migrate;
mod outbox;
mod pipeline;
mod postgres;
mod responses;
mod scratch;
mod settings;
mod sqlite;
mod surveys;
mod tokens;
mod users;
mod volumes;

pub use accumulate::{
    AccumulatorQuery, AccumulatorRow, AnswerFilter, AnswerTable, GroupColumn, PeriodSpec, RowValue,
};
pub use cases::{CaseEvent, CaseFilter, Department, RoutingRule, StoredCase};
pub use error::StoreError;
pub use ingest::{IngestOutcome, IngestSession, StampedResponse};
pub use outbox::OutboxMessage;
pub use responses::{ResponseFilter, ResponsePage, StoredResponse};
pub use scratch::ScratchDatabase;
pub use surveys::{ItemInfo, StoredSurvey};
pub use tokens::{ApiToken, Role};
pub use users::{Session, User};
pub use volumes::Volume;

/// Runs `$body` with `$pool` bound to the backend's pool: the body is compiled once per
/// backend, so it may use any sqlx call both `SqlitePool` and `PgPool` support.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Opening a transaction that will write, on either backend's pool.
///
/// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), waiting its turn behind other
/// writers. A deferred transaction that reads first would fail with "database is locked" if
/// another connection committed in between, which concurrent form submissions do.
pub(crate) trait BeginWrite {
    /// The backend.
    type Database: sqlx::Database;

    /// A transaction holding (on SQLite) the database's write lock.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

/// The database behind a [`Store`].
#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Access to cxm's data; cheap to clone (it holds a connection pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    /// Ids of segments known to be stored. Segments are never changed or deleted, so an id,
    /// once committed, stays right; ingest then skips writing the segment again.
    pub(crate) known_segments: std::sync::Arc<std::sync::Mutex<ingest::SegmentIds>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.kind())
            .finish()
    }
}

impl Store {
    /// Opens the database at `url` and applies pending migrations.
    ///
    /// `url` is `postgres://…` / `postgresql://…` for PostgreSQL, `sqlite://PATH` or a plain
    /// file path for SQLite (created if missing, in WAL mode), or `sqlite::memory:` for a
    /// private in-memory database.
    ///
    /// # Errors
    /// [`StoreError::Other`] when the database cannot be opened or migrated.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::connect(url).await?)
        } else {
            Backend::Sqlite(sqlite::connect(url).await?)
        };
        let store = Store {
            backend,
            known_segments: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Which database this store uses.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Applies pending migrations; returns how many were applied.
    ///
    /// # Errors
    /// [`StoreError::Other`] when a migration fails; it is rolled back.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        migrate::run(self).await
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// Now as unix microseconds.
pub(crate) fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
