//! Files of history other than survey exports (complaints, monthly volumes): opened as tables
//! like the exports are (CSV or TSV in UTF-8 or GBK, any delimiter, or a workbook's first
//! sheet with data), with their header row read (below any title rows a report puts above its
//! table) and an unreadable row reported on its row.

use cxm_formats::{FileSource, FormatError, HeadedRows};

use crate::{AppError, Problem};

/// A file opened as a table, its header row read.
pub(crate) struct HeadedTable {
    /// The file's name, for messages.
    pub file: String,
    /// The header cells, trimmed, byte-order mark removed.
    pub headers: Vec<String>,
    /// The rows after the header.
    pub rows: HeadedRows,
}

impl HeadedTable {
    /// Opens `source` and reads its header row.
    ///
    /// # Errors
    /// [`AppError::Malformed`] for a file that is not a table; [`AppError::Invalid`] for an
    /// empty one.
    pub fn open(source: &FileSource) -> Result<HeadedTable, AppError> {
        // A report's title rows above the table are skipped.
        let (header, rows) =
            cxm_formats::open_headed(source).map_err(|e| AppError::Malformed(e.to_string()))?;
        let file = source.name();
        let headers = match header {
            Some(record) => record
                .cells
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_owned())
                .collect(),
            None => return Err(AppError::invalid("header", format!("{file} is empty"))),
        };
        Ok(HeadedTable {
            file,
            headers,
            rows,
        })
    }
}

/// A row that could not be read, as a problem on that row.
pub(crate) fn unreadable_row(error: FormatError) -> Problem {
    let problem = cxm_formats::row_problem(error);
    Problem {
        row: (problem.row > 0).then_some(problem.row),
        field: String::new(),
        message: problem.reason,
    }
}
