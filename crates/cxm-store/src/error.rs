//! Store errors, shaped by what callers do about them.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The write clashes with existing data (a duplicate key, say).
    #[error("conflict: {0}")]
    Conflict(String),
    /// What the write was made on changed after it was read (another writer saved first):
    /// nothing was written; read it again and redo the change.
    #[error("changed meanwhile: {0}")]
    Stale(String),
    /// Stored data could not be read back (a corrupt definition, say).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error")]
    Other(#[from] sqlx::Error),
}
