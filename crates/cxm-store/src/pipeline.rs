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
    mut statements: Statements<'_, 'q, DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut next = statements.next().transpose()?;
    while let Some(statement) = next {
        let (done, following) = tokio::join!(statement.execute(&mut *connection), async {
            statements.next().transpose()
        });
        done?;
        next = following?;
    }
    Ok(())
}

/// A multi-row statement run over a list of rows in chunks of a fixed size. Its text is
/// written once for every full chunk, and again only for a shorter last chunk.
pub(crate) struct Chunked<DB, F> {
    rows_per_statement: usize,
    full: OnceLock<Arc<str>>,
    write: F,
    database: PhantomData<fn() -> DB>,
}

impl<DB: Database, F: Fn(usize) -> String + Sync> Chunked<DB, F> {
    /// Statements of up to `rows_per_statement` rows, `write(rows)` giving the text for `rows`
    /// rows, to run in `transaction` (which only names the backend).
    pub(crate) fn new(
        _transaction: &sqlx::Transaction<'_, DB>,
        rows_per_statement: usize,
        write: F,
    ) -> Chunked<DB, F> {
        Chunked {
            rows_per_statement,
            full: OnceLock::new(),
            write,
            database: PhantomData,
        }
    }

    /// The text for a chunk of `rows` rows.
    fn text(&self, rows: usize) -> Arc<str> {
        if rows == self.rows_per_statement {
            Arc::clone(self.full.get_or_init(|| (self.write)(rows).into()))
        } else {
            (self.write)(rows).into()
        }
    }

    /// One statement per chunk of `rows`, built when asked for: `bind` binds each row's
    /// parameters, given the row's index in `rows`.
    pub(crate) fn statements<'a, 'q: 'a, T: Sync>(
        &'a self,
        rows: &'q [T],
        bind: impl Fn(Query<'q, DB, DB::Arguments>, usize, &'q T) -> Built<'q, DB> + Send + 'a,
    ) -> Statements<'a, 'q, DB> {
        let size = self.rows_per_statement;
        Box::new(
            rows.chunks(size)
                .enumerate()
                .map(move |(chunk_index, chunk)| {
                    let mut query = sqlx::query(AssertSqlSafe(self.text(chunk.len())));
                    for (offset, row) in chunk.iter().enumerate() {
                        query = bind(query, chunk_index * size + offset, row)?;
                    }
                    Ok(query)
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Chunked;

    #[test]
    fn rows_are_bound_chunk_by_chunk_and_a_full_chunk_text_is_written_once() {
        let written = AtomicUsize::new(0);
        let chunked: Chunked<sqlx::Sqlite, _> = Chunked {
            rows_per_statement: 3,
            full: std::sync::OnceLock::new(),
            write: |rows| {
                written.fetch_add(1, Ordering::Relaxed);
                format!("rows {rows}")
            },
            database: std::marker::PhantomData,
        };
        let rows = [10, 11, 12, 13, 14, 15, 16];
        let bound = Mutex::new(Vec::new());
        let statements = chunked
            .statements(&rows, |query, index, row| {
                bound.lock().unwrap().push((index, *row));
                Ok(query)
            })
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(statements.len(), 3);
        let expected: Vec<(usize, i32)> = rows.iter().copied().enumerate().collect();
        assert_eq!(*bound.lock().unwrap(), expected);
        // Two full chunks share one text; the last chunk of one row gets its own.
        assert_eq!(written.load(Ordering::Relaxed), 2);
        assert_eq!(&*chunked.text(3), "rows 3");
        assert_eq!(&*chunked.text(1), "rows 1");
    }
}
