//! Readers and writers of survey files: exports of Qualtrics, SurveyMonkey, 问卷星, Delighted,
//! Formbricks and LimeSurvey, and generic CSV/XLSX tables, read into cxm's surveys and
//! responses; responses written back as wide CSV and XLSX.
//!
//! Reading is two passes over a re-openable [`FileSource`]: [`prepare`] finds the container,
//! encoding, delimiter and format, reads the header into a [`Layout`] and profiles every
//! column; [`Plan::build`] makes (or matches) the survey; [`Plan::convert`] then turns each
//! row of a second pass into a `ResponseInput`. Nothing here touches a database, and nothing
//! panics on any input: every problem is a [`CellProblem`] or a [`FormatError`] saying where.

mod convert;
mod delighted;
mod error;
mod export;
mod formbricks;
mod generic;
mod infer;
mod layout;
mod limesurvey;
mod mapping;
mod plan;
mod qualtrics;
mod question;
mod source;
mod surveymonkey;
mod time;
mod wjx;

pub use convert::RowRepeats;
pub use error::FormatError;
pub use export::{
    Cell, ExportColumn, ExportRecord, WideCsvWriter, WideXlsxWriter, export_cells, export_columns,
};
pub use infer::{Profile, whole_number};
pub use layout::{Column, Format, Layout, Part, Role, dimension_key};
pub use mapping::{ColumnMapping, Mapping};
pub use plan::{ColumnPlan, Plan, PlanOptions, column_name};
pub use source::{Container, FileSource, Record, Table};
pub use time::parse_time;

use serde::Serialize;

/// One problem with a file: where (row and column), the value, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellProblem {
    /// 1-based row in the file (header rows count).
    pub row: u64,
    /// The column's header (empty for the file as a whole).
    pub column: String,
    /// The cell as it is in the file.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for CellProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if !self.column.is_empty() {
            write!(f, ", column {:?}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, ", value {:?}", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A file after the first pass: what it is, how its columns read, and what their cells
/// look like.
#[derive(Debug, Clone, Serialize)]
pub struct Prepared {
    /// The file's name.
    pub file: String,
    /// How it is stored.
    pub container: Container,
    /// Its text encoding.
    pub encoding: &'static str,
    /// The delimiter, for text files.
    pub delimiter: char,
    /// The sheet read, for workbooks.
    pub sheet: Option<String>,
    /// The columns.
    pub layout: Layout,
    /// Data rows (after the header).
    pub rows: u64,
    /// Rows that could not be read at all.
    pub unreadable: Vec<CellProblem>,
    /// Headers a mapping file names that the file does not have.
    pub unmapped: Vec<String>,
    #[serde(skip)]
    pub(crate) profiles: Vec<Profile>,
    /// Per column, the cells the mapping says mean "no answer".
    #[serde(skip)]
    pub(crate) missing: Vec<Vec<String>>,
}

/// Header rows read before the format is known (Qualtrics has the most: three).
const HEADER_PEEK: usize = 3;

/// Rows a report may put above its table (a title, a date, a blank line), at most.
const TITLE_ROWS: usize = 5;

/// The rows of a table after its header row, as [`open_headed`] gives them.
pub type HeadedRows = std::iter::Chain<std::vec::IntoIter<Result<Record, FormatError>>, Table>;

/// Opens a table with one header row (complaint and volume files), read once: its header,
/// after any title rows above it, and the rows after the header.
///
/// # Errors
/// [`FormatError`] when the file cannot be opened or its header row cannot be read.
pub fn open_headed(source: &FileSource) -> Result<(Option<Record>, HeadedRows), FormatError> {
    let mut table = source.open()?;
    let mut head: Vec<Result<Record, FormatError>> = table.by_ref().take(TITLE_ROWS + 1).collect();
    let filled: Vec<usize> = head
        .iter()
        .map_while(|r| r.as_ref().ok())
        .map(filled_cells)
        .collect();
    let mut rest = head.split_off(lead_rows(&filled)).into_iter();
    let header = rest.next().transpose()?;
    Ok((header, rest.chain(table)))
}

/// A row's cells that hold anything.
fn filled_cells(record: &Record) -> usize {
    record.cells.iter().filter(|c| !c.trim().is_empty()).count()
}

/// How many of the first rows (each given by its filled cells) are above the table's header:
/// empty rows, and rows with one filled cell (a title such as `2024年客户满意度调查`) when a
/// wider row follows. A file of one column has no title rows.
fn lead_rows(filled: &[usize]) -> usize {
    let empty = filled.iter().take_while(|&&n| n == 0).count();
    let titled = filled
        .iter()
        .take(TITLE_ROWS)
        .take_while(|&&n| n <= 1)
        .count();
    if filled[titled..].iter().any(|&n| n >= 2) {
        titled
    } else {
        empty.min(TITLE_ROWS)
    }
}

/// First pass: opens the file, detects (or takes) its format, reads the header and profiles
/// every column of every data row. Memory stays bounded by the number of columns.
///
/// # Errors
/// [`FormatError`] when the file cannot be opened or has no header.
pub fn prepare(
    source: &FileSource,
    format: Option<Format>,
    mapping: Option<&Mapping>,
) -> Result<Prepared, FormatError> {
    let mut table = source.open_in(mapping.and_then(|m| m.sheet.as_deref()))?;
    let mut head: Vec<Record> = Vec::new();
    let mut unreadable = Vec::new();
    for record in table.by_ref() {
        match record {
            Ok(record) => head.push(record),
            Err(error) => unreadable.push(row_problem(error)),
        }
        if head.len() == TITLE_ROWS + HEADER_PEEK || !unreadable.is_empty() {
            break;
        }
    }
    let lead = lead_rows(&head.iter().map(filled_cells).collect::<Vec<_>>());
    let rows: Vec<Vec<String>> = head[lead..]
        .iter()
        .take(HEADER_PEEK)
        .map(|r| r.cells.clone())
        .collect();
    if rows
        .first()
        .is_none_or(|r| r.iter().all(|c| c.trim().is_empty()))
    {
        return Err(FormatError::Unreadable {
            file: source.name(),
            message: "the file has no header row".to_owned(),
        });
    }
    let format = format
        .or(mapping.and_then(|m| m.format))
        .unwrap_or_else(|| Format::detect(&rows));
    let mut layout = layout_of(format, &rows);
    layout.header_rows += lead;
    let unmapped = mapping.map(|m| m.apply(&mut layout)).unwrap_or_default();
    let width = layout.columns.len();
    let headers: Vec<String> = layout.columns.iter().map(|c| c.header.clone()).collect();
    let missing = mapping
        .map(|m| m.missing_codes(&headers))
        .unwrap_or_else(|| vec![Vec::new(); width]);
    let mut profiles = vec![Profile::default(); width];
    let mut data_rows = 0u64;
    // Where no column is the time by name (nor a mapping gives one), the cells of columns
    // whose header speaks of a time are read as times: (column, cells that are).
    let mut time_cells: Vec<(usize, u64)> = if mapping.is_some_and(|m| m.submitted_at.is_some()) {
        Vec::new()
    } else {
        generic::time_candidates(&layout)
            .into_iter()
            .filter(|&index| mapping.is_none_or(|m| !m.columns.contains_key(&headers[index])))
            .map(|index| (index, 0))
            .collect()
    };
    let utc = cxm_domain::TimeZone::utc();
    let mut profile = |record: &Record| {
        for (index, profile) in profiles.iter_mut().enumerate() {
            let value = record.cells.get(index).map(|c| c.trim()).unwrap_or("");
            if !plan::is_missing(format, value, &missing[index]) {
                profile.add(value);
            }
        }
        for (index, times) in &mut time_cells {
            let value = record.cells.get(*index).map_or("", |c| c.trim());
            if !value.is_empty()
                && !plan::is_missing(format, value, &missing[*index])
                && parse_time(value, &utc).is_some()
            {
                *times += 1;
            }
        }
    };
    for record in head.iter().skip(layout.header_rows) {
        data_rows += 1;
        profile(record);
    }
    for record in table.by_ref() {
        match record {
            Ok(record) => {
                data_rows += 1;
                profile(&record);
            }
            Err(error) => unreadable.push(row_problem(error)),
        }
    }
    if let Some(&(index, _)) = time_cells
        .iter()
        .find(|&&(index, times)| times > 0 && times == profiles[index].filled)
    {
        layout.columns[index].role = Role::SubmittedAt;
    }
    Ok(Prepared {
        file: source.name(),
        container: table.container,
        encoding: table.encoding,
        delimiter: char::from(table.delimiter),
        sheet: table.sheet.clone(),
        layout,
        rows: data_rows,
        unreadable,
        unmapped,
        profiles,
        missing,
    })
}

/// The layout of the header `rows` in `format`.
pub fn layout_of(format: Format, rows: &[Vec<String>]) -> Layout {
    match format {
        Format::Qualtrics => qualtrics::layout(rows),
        Format::SurveyMonkey => surveymonkey::layout(rows),
        Format::Wjx => wjx::layout(rows),
        Format::Delighted => delighted::layout(rows),
        Format::Formbricks => formbricks::layout(rows),
        Format::LimeSurvey => limesurvey::layout(rows),
        Format::Generic => generic::layout(rows),
    }
}

/// A row that cannot be read, as a problem.
pub fn row_problem(error: FormatError) -> CellProblem {
    match error {
        FormatError::Row { row, message, .. } => CellProblem {
            row,
            column: String::new(),
            value: String::new(),
            reason: message,
        },
        other => CellProblem {
            row: 0,
            column: String::new(),
            value: String::new(),
            reason: other.to_string(),
        },
    }
}

/// Second pass: the file opened again, positioned after its header.
///
/// # Errors
/// [`FormatError`] when the file cannot be opened again.
pub fn data_rows(source: &FileSource, prepared: &Prepared) -> Result<Table, FormatError> {
    let mut table = source.open_in(prepared.sheet.as_deref())?;
    for _ in 0..prepared.layout.header_rows {
        if table.next().is_none() {
            break;
        }
    }
    Ok(table)
}
