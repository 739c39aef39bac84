//! Running a sequence of multi-row statements so that building the next one (encoding its
//! thousands of parameters) overlaps the database running the one before it.
//!
//! A bulk write spends about as long preparing statements as the database spends executing
//! them; run one after the other, each side waits for the other. Here the statement in flight is
//! polled first (which hands it to SQLite's worker thread, or to the PostgreSQL socket) and the
//! next one is built on this task while it runs. Statements still run one at a time and in order,
//! on one connection, so a transaction sees exactly what it would see run sequentially.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments};

use crate::StoreError;

/// A multi-row statement ready to run, or the reason it could not be built.
pub(crate) type Built<'q, DB> = Result<Query<'q, DB, <DB as Database>::Arguments>, StoreError>;

/// Statements built one at a time, as they are asked for. Boxed: a future that holds the
/// closures building them would otherwise trip the compiler's check that it is `Send`.
pub(crate) type Statements<'a, 'q, DB> = Box<dyn Iterator<Item = Built<'q, DB>> + Send + 'a>;

/// Runs each of `statements` on `connection` in order, building the next while one runs.
///
/// # Errors
/// The first error of a statement or of building one; statements after it do not run.
pub(crate) async fn execute_each<'q, DB>(
    connection: &mut DB::Connection,
    statements: Statements<'_, 'q, DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    fetch_each(connection, statements, &mut |_| Ok(())).await
}

/// Runs each of `statements` on `connection` in order and hands its rows to `take`, building
/// the next statement (and taking the rows of the one before) while one runs.
///
/// # Errors
/// The first error of a statement, of building one or of `take`; statements after it do not run.
pub(crate) async fn fetch_each<'q, DB>(
    connection: &mut DB::Connection,
    mut statements: Statements<'_, 'q, DB>,
    take: &mut (dyn FnMut(Vec<DB::Row>) -> Result<(), StoreError> + Send),
) -> Result<(), StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut next = statements.next().transpose()?;
    let mut taken: Option<Vec<DB::Row>> = None;
    while let Some(statement) = next {
        let (rows, following) = tokio::join!(statement.fetch_all(&mut *connection), async {
            if let Some(rows) = taken.take() {
                take(rows)?;
            }
            statements.next().transpose()
        });
        taken = Some(rows?);
        next = following?;
    }
    match taken {
        Some(rows) => take(rows),
        None => Ok(()),
    }
}

/// Multi-row statements for chunks of a fixed size, their text written once: every full chunk
/// shares it, and only a shorter last chunk gets its own.
pub(crate) struct ChunkText<DB, F> {
    full_rows: usize,
    full: OnceLock<Arc<str>>,
    write: F,
    database: PhantomData<fn() -> DB>,
}

impl<DB: Database, F: Fn(usize) -> String> ChunkText<DB, F> {
    /// Statements for chunks of `full_rows` rows, `write(rows)` giving the text for `rows` rows,
    /// to run in `transaction` (which only names the backend).
    pub(crate) fn new(
        _transaction: &sqlx::Transaction<'_, DB>,
        full_rows: usize,
        write: F,
    ) -> ChunkText<DB, F> {
        ChunkText {
            full_rows,
            full: OnceLock::new(),
            write,
            database: PhantomData,
        }
    }

    /// The text for a chunk of `rows` rows.
    fn text(&self, rows: usize) -> Arc<str> {
        if rows == self.full_rows {
            Arc::clone(self.full.get_or_init(|| (self.write)(rows).into()))
        } else {
            (self.write)(rows).into()
        }
    }

    /// A statement for a chunk of `rows` rows, its parameters still to bind.
    pub(crate) fn statement<'q>(&self, rows: usize) -> Query<'q, DB, DB::Arguments> {
        sqlx::query(AssertSqlSafe(self.text(rows)))
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkText;

    #[test]
    fn a_full_chunk_text_is_written_once_and_a_short_one_each_time() {
        let written = std::cell::Cell::new(0);
        let text: ChunkText<sqlx::Sqlite, _> = ChunkText {
            full_rows: 3,
            full: std::sync::OnceLock::new(),
            write: |rows| {
                written.set(written.get() + 1);
                format!("rows {rows}")
            },
            database: std::marker::PhantomData,
        };
        assert_eq!(&*text.text(3), "rows 3");
        assert_eq!(&*text.text(3), "rows 3");
        assert_eq!(&*text.text(2), "rows 2");
        assert_eq!(written.get(), 2);
    }
}
