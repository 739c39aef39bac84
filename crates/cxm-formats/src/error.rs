//! What can go wrong reading or writing a file, said so that the user can find the place.

/// An error of a reader or writer as a whole (a bad cell is a [`crate::CellProblem`] instead).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// The file's name.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a table cxm can read.
    #[error("{file}: {message}")]
    Unreadable {
        /// The file's name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A row could not be parsed at all.
    #[error("{file}, row {row}: {message}")]
    Row {
        /// The file's name.
        file: String,
        /// 1-based row in the file.
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// A mapping file is wrong.
    #[error("mapping: {0}")]
    Mapping(String),
    /// A time given for the whole file (e.g. the default submission time) cannot be read.
    #[error("{0:?} is not a time cxm can read (e.g. 2024-06-30, 2024-06-30 12:00:00, RFC 3339)")]
    Time(String),
    /// Writing an export failed.
    #[error("writing {what}: {message}")]
    Write {
        /// What was being written.
        what: String,
        /// The cause.
        message: String,
    },
}
