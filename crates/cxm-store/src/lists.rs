//! Passing a list of values to a statement, the way each backend does it best: SQLite takes
//! `IN (?, ?, …)` with one anonymous parameter per value; PostgreSQL takes one array parameter,
//! `= ANY($n)`, whose plan does not grow with the list.

use sqlx::query::Query;

/// A backend's way with value lists.
pub(crate) trait ValueList: sqlx::Database {
    /// The condition "`column` is one of `count` values", its parameters numbered from `first`.
    fn one_of(column: &str, first: usize, count: usize) -> String;

    /// Binds ids for [`ValueList::one_of`].
    fn bind_ids<'q>(
        query: Query<'q, Self, Self::Arguments>,
        ids: &[i64],
    ) -> Query<'q, Self, Self::Arguments>;

    /// Binds texts for [`ValueList::one_of`].
    fn bind_texts<'q>(
        query: Query<'q, Self, Self::Arguments>,
        texts: &[&str],
    ) -> Query<'q, Self, Self::Arguments>;
}

impl ValueList for sqlx::Sqlite {
    fn one_of(column: &str, first: usize, count: usize) -> String {
        let list = (first..first + count)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{column} IN ({list})")
    }

    fn bind_ids<'q>(
        mut query: Query<'q, Self, Self::Arguments>,
        ids: &[i64],
    ) -> Query<'q, Self, Self::Arguments> {
        for id in ids {
            query = query.bind(*id);
        }
        query
    }

    fn bind_texts<'q>(
        mut query: Query<'q, Self, Self::Arguments>,
        texts: &[&str],
    ) -> Query<'q, Self, Self::Arguments> {
        for text in texts {
            query = query.bind(text.to_string());
        }
        query
    }
}

impl ValueList for sqlx::Postgres {
    fn one_of(column: &str, first: usize, _count: usize) -> String {
        format!("{column} = ANY(${first})")
    }

    fn bind_ids<'q>(
        query: Query<'q, Self, Self::Arguments>,
        ids: &[i64],
    ) -> Query<'q, Self, Self::Arguments> {
        query.bind(ids.to_vec())
    }

    fn bind_texts<'q>(
        query: Query<'q, Self, Self::Arguments>,
        texts: &[&str],
    ) -> Query<'q, Self, Self::Arguments> {
        query.bind(texts.iter().map(|t| t.to_string()).collect::<Vec<String>>())
    }
}

/// [`ValueList::one_of`] for the backend of `_transaction`.
pub(crate) fn one_of<DB: ValueList>(
    _transaction: &sqlx::Transaction<'_, DB>,
    column: &str,
    first: usize,
    count: usize,
) -> String {
    DB::one_of(column, first, count)
}
