//! Writing responses as wide tables, one row per response and one column per question (a
//! column per matrix row), with headers in Chinese or English that end in a tag
//! (`推荐意愿 [nps]`, `地区 [dimension:region]`) so that the file imports back exactly; and
//! metric tables as XLSX, one sheet per breakdown. Rows are written as they come: CSV
//! straight to the writer, XLSX through rust_xlsxwriter's constant-memory mode.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Utc};
use cxm_domain::{ChoiceOption, QuestionKind, Survey, TimeZone};
use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet};
use serde_json::Value;

use crate::FormatError;

/// A response as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRecord {
    /// The response's id.
    pub response_id: String,
    /// The source it was first stored from (`qualtrics:store-nps`, `api`, `form`).
    pub source: String,
    /// Its id in that source.
    pub source_id: String,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// How it arrived.
    pub channel: String,
    /// The touchpoint.
    pub touchpoint: Option<String>,
    /// The respondent's language.
    pub language: Option<String>,
    /// The customer's external id.
    pub customer: Option<String>,
    /// Whether it is complete.
    pub complete: bool,
    /// Dimension values.
    pub dimensions: BTreeMap<String, String>,
    /// Answers by item key: numbers, option keys (arrays for multiple choice), text.
    pub answers: BTreeMap<String, Value>,
}

/// One column of a wide export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportColumn {
    /// The header, ending in its tag.
    pub header: String,
    what: What,
}

#[derive(Debug, Clone, PartialEq)]
enum What {
    Survey(String),
    ResponseId,
    Source,
    SourceId,
    SubmittedAt,
    Channel,
    Touchpoint,
    Language,
    Customer,
    Complete,
    Dimension(String),
    Answer {
        item: String,
        options: Vec<ChoiceOption>,
    },
}

/// A value of a cell, typed for spreadsheets.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

/// The columns of a wide export of `survey`, with the given dimension keys, headers in
/// `language` (`zh` or `en`).
pub fn export_columns(survey: &Survey, dimensions: &[String], language: &str) -> Vec<ExportColumn> {
    let zh = language.starts_with("zh");
    let fixed = [
        ("答卷编号", "Response ID", "response_id", What::ResponseId),
        (
            "问卷",
            "Survey",
            "survey",
            What::Survey(survey.key.to_string()),
        ),
        ("来源", "Source", "source", What::Source),
        ("来源编号", "Source ID", "source_id", What::SourceId),
        (
            "提交时间",
            "Submitted at",
            "submitted_at",
            What::SubmittedAt,
        ),
        ("渠道", "Channel", "channel", What::Channel),
        ("触点", "Touchpoint", "touchpoint", What::Touchpoint),
        ("语言", "Language", "language", What::Language),
        ("客户编号", "Customer ID", "customer_id", What::Customer),
        ("是否完成", "Complete", "complete", What::Complete),
    ];
    let mut columns: Vec<ExportColumn> = fixed
        .into_iter()
        .map(|(zh_name, en_name, tag, what)| ExportColumn {
            header: format!("{} [{tag}]", if zh { zh_name } else { en_name }),
            what,
        })
        .collect();
    for key in dimensions {
        columns.push(ExportColumn {
            header: format!("{key} [dimension:{key}]"),
            what: What::Dimension(key.clone()),
        });
    }
    for question in &survey.questions {
        let text = question.text.in_language(language);
        let text = if text.is_empty() {
            question.key.as_str()
        } else {
            text
        };
        match &question.kind {
            QuestionKind::Matrix { rows, .. } => {
                for row in rows {
                    let label = row.text.in_language(language);
                    let label = if label.is_empty() {
                        row.key.as_str()
                    } else {
                        label
                    };
                    columns.push(ExportColumn {
                        header: format!("{text} - {label} [{}.{}]", question.key, row.key),
                        what: What::Answer {
                            item: format!("{}.{}", question.key, row.key),
                            options: Vec::new(),
                        },
                    });
                }
            }
            kind => {
                let options = match kind {
                    QuestionKind::SingleChoice { options }
                    | QuestionKind::MultiChoice { options } => options.clone(),
                    _ => Vec::new(),
                };
                columns.push(ExportColumn {
                    header: format!("{text} [{}]", question.key),
                    what: What::Answer {
                        item: question.key.to_string(),
                        options,
                    },
                });
            }
        }
    }
    columns
}

/// The cells of one response under `columns`; times in `zone`, options by their text in
/// `language`.
pub fn export_cells(
    columns: &[ExportColumn],
    record: &ExportRecord,
    zone: &TimeZone,
    language: &str,
) -> Vec<Cell> {
    let text = |value: Option<&String>| value.map_or(Cell::Empty, |v| Cell::Text(v.clone()));
    columns
        .iter()
        .map(|column| match &column.what {
            What::ResponseId => Cell::Text(record.response_id.clone()),
            What::Survey(key) => Cell::Text(key.clone()),
            What::Source => Cell::Text(record.source.clone()),
            What::SourceId => Cell::Text(record.source_id.clone()),
            What::SubmittedAt => Cell::Text(zone.local_time(record.submitted_at).to_rfc3339()),
            What::Channel => Cell::Text(record.channel.clone()),
            What::Touchpoint => text(record.touchpoint.as_ref()),
            What::Language => text(record.language.as_ref()),
            What::Customer => text(record.customer.as_ref()),
            What::Complete => Cell::Text(if record.complete { "true" } else { "false" }.to_owned()),
            What::Dimension(key) => text(record.dimensions.get(key)),
            What::Answer { item, options } => match record.answers.get(item) {
                None | Some(Value::Null) => Cell::Empty,
                Some(Value::Number(n)) => n.as_f64().map_or(Cell::Empty, Cell::Number),
                Some(Value::String(s)) if !options.is_empty() => {
                    Cell::Text(option_text(options, s, language))
                }
                Some(Value::String(s)) => Cell::Text(s.clone()),
                Some(Value::Array(items)) => Cell::Text(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|key| option_text(options, key, language))
                        .collect::<Vec<_>>()
                        .join("┋"),
                ),
                Some(other) => Cell::Text(other.to_string()),
            },
        })
        .collect()
}

fn option_text(options: &[ChoiceOption], key: &str, language: &str) -> String {
    options
        .iter()
        .find(|o| o.key.as_str() == key)
        .map(|o| o.text.in_language(language))
        .filter(|t| !t.is_empty())
        .unwrap_or(key)
        .to_owned()
}

fn cell_string(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Text(text) => text.clone(),
    }
}

fn write_error(what: &str, error: impl std::fmt::Display) -> FormatError {
    FormatError::Write {
        what: what.to_owned(),
        message: error.to_string(),
    }
}

/// Writes a wide CSV (UTF-8 with a BOM, so that Excel shows Chinese right) row by row.
pub struct WideCsvWriter<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> WideCsvWriter<W> {
    /// Starts the file and writes the header.
    ///
    /// # Errors
    /// [`FormatError::Write`] when the writer fails.
    pub fn new(mut out: W, columns: &[ExportColumn]) -> Result<Self, FormatError> {
        out.write_all("\u{feff}".as_bytes())
            .map_err(|e| write_error("CSV", e))?;
        let mut writer = csv::Writer::from_writer(out);
        writer
            .write_record(columns.iter().map(|c| c.header.as_str()))
            .map_err(|e| write_error("CSV", e))?;
        Ok(WideCsvWriter { writer })
    }

    /// Writes one row.
    ///
    /// # Errors
    /// [`FormatError::Write`] when the writer fails.
    pub fn write(&mut self, cells: &[Cell]) -> Result<(), FormatError> {
        self.writer
            .write_record(cells.iter().map(cell_string))
            .map_err(|e| write_error("CSV", e))
    }

    /// Flushes and returns the writer.
    ///
    /// # Errors
    /// [`FormatError::Write`] when flushing fails.
    pub fn finish(self) -> Result<W, FormatError> {
        self.writer
            .into_inner()
            .map_err(|e| write_error("CSV", e.error()))
    }
}

/// Writes an XLSX workbook sheet by sheet, each row as it comes (constant memory).
pub struct WideXlsxWriter {
    workbook: Workbook,
    sheets: Vec<Worksheet>,
    row: u32,
    header: CellFormat,
}

impl std::fmt::Debug for WideXlsxWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WideXlsxWriter")
            .field("row", &self.row)
            .finish()
    }
}

impl Default for WideXlsxWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl WideXlsxWriter {
    /// An empty workbook.
    pub fn new() -> WideXlsxWriter {
        WideXlsxWriter {
            workbook: Workbook::new(),
            sheets: Vec::new(),
            row: 0,
            header: CellFormat::new().set_bold(),
        }
    }

    /// Starts a sheet (names are cut to Excel's 31 characters and made unique) with a header.
    ///
    /// # Errors
    /// [`FormatError::Write`] when the sheet cannot be made.
    pub fn sheet(&mut self, name: &str, headers: &[&str]) -> Result<(), FormatError> {
        let mut sheet = self
            .workbook
            .new_worksheet_with_constant_memory()
            .map_err(|e| write_error("XLSX", e))?;
        let clean: String = name
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .take(28)
            .collect();
        let clean = if clean.trim().is_empty() {
            "Sheet".to_owned()
        } else {
            clean
        };
        let unique = if self.sheets.iter().any(|s| s.name() == clean) {
            format!("{clean}~{}", self.sheets.len() + 1)
        } else {
            clean
        };
        sheet
            .set_name(&unique)
            .map_err(|e| write_error("XLSX", e))?;
        for (column, header) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, column as u16, *header, &self.header)
                .map_err(|e| write_error("XLSX", e))?;
        }
        self.sheets.push(sheet);
        self.row = 1;
        Ok(())
    }

    /// Writes one row to the current sheet.
    ///
    /// # Errors
    /// [`FormatError::Write`] when there is no sheet or the row is past Excel's limit.
    pub fn write(&mut self, cells: &[Cell]) -> Result<(), FormatError> {
        let row = self.row;
        let sheet = self
            .sheets
            .last_mut()
            .ok_or_else(|| write_error("XLSX", "no sheet was started"))?;
        if row >= 1_048_576 {
            return Err(write_error(
                "XLSX",
                "more than 1,048,575 rows do not fit a sheet; export CSV instead",
            ));
        }
        for (column, cell) in cells.iter().enumerate() {
            let column = column as u16;
            let written = match cell {
                Cell::Empty => continue,
                Cell::Number(n) => sheet.write_number(row, column, *n).map(|_| ()),
                Cell::Text(text) => sheet.write_string(row, column, text).map(|_| ()),
            };
            written.map_err(|e| write_error("XLSX", e))?;
        }
        self.row += 1;
        Ok(())
    }

    /// Writes the workbook to `out`.
    ///
    /// # Errors
    /// [`FormatError::Write`] when the workbook cannot be written.
    pub fn finish(mut self, mut out: impl Write) -> Result<(), FormatError> {
        for sheet in self.sheets.drain(..) {
            self.workbook.push_worksheet(sheet);
        }
        let bytes = self
            .workbook
            .save_to_buffer()
            .map_err(|e| write_error("XLSX", e))?;
        out.write_all(&bytes).map_err(|e| write_error("XLSX", e))
    }
}
