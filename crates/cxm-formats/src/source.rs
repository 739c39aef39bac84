//! Opening a file as a table of text cells: the container (CSV/TSV text, XLSX, XLS), the text
//! encoding (UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030) and the delimiter are
//! found from the file's first bytes. Text files are streamed row by row, never held whole;
//! spreadsheets are read sheet-at-once, as their format requires.

use std::io::{BufReader, Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{Data, Reader};
use encoding_rs::{Decoder, Encoding};

use crate::FormatError;

/// Bytes looked at to find the encoding and the delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

/// A file that can be read more than once (kinds are inferred in a first pass).
#[derive(Debug, Clone)]
pub enum FileSource {
    /// A file on disk.
    Path(PathBuf),
    /// A file already in memory, e.g. an upload, with the name it was sent under.
    Bytes {
        /// The name, used in messages and to guess the format.
        name: String,
        /// The content.
        bytes: Arc<[u8]>,
    },
}

/// How a table is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// Delimited text.
    Csv,
    /// Office Open XML workbook.
    Xlsx,
    /// Legacy Excel workbook.
    Xls,
}

/// One row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based row in the file (header rows included).
    pub row: u64,
    /// The cells, as text.
    pub cells: Vec<String>,
}

/// An open table: its rows, and what was found about the file.
pub struct Table {
    /// The file's name.
    pub file: String,
    /// How it is stored.
    pub container: Container,
    /// The text encoding (for text files), e.g. `UTF-8` or `GB18030`.
    pub encoding: &'static str,
    /// The delimiter of a text file.
    pub delimiter: u8,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    rows: Rows,
    next_row: u64,
    read: Arc<AtomicU64>,
}

enum Rows {
    Text(csv::Reader<Box<dyn Read + Send>>, csv::ByteRecord),
    Sheet(std::vec::IntoIter<Vec<String>>),
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("file", &self.file)
            .field("container", &self.container)
            .field("encoding", &self.encoding)
            .finish()
    }
}

impl FileSource {
    /// The file's name as shown in messages.
    pub fn name(&self) -> String {
        match self {
            FileSource::Path(path) => path.display().to_string(),
            FileSource::Bytes { name, .. } => name.clone(),
        }
    }

    /// The file's size in bytes.
    ///
    /// # Errors
    /// [`FormatError::Io`] when the file cannot be inspected.
    pub fn len(&self) -> Result<u64, FormatError> {
        match self {
            FileSource::Path(path) => std::fs::metadata(path)
                .map(|m| m.len())
                .map_err(|source| self.io(source)),
            FileSource::Bytes { bytes, .. } => Ok(bytes.len() as u64),
        }
    }

    /// Whether the file is empty.
    ///
    /// # Errors
    /// [`FormatError::Io`] when the file cannot be inspected.
    pub fn is_empty(&self) -> Result<bool, FormatError> {
        Ok(self.len()? == 0)
    }

    fn io(&self, source: std::io::Error) -> FormatError {
        FormatError::Io {
            file: self.name(),
            source,
        }
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>, FormatError> {
        match self {
            FileSource::Path(path) => {
                let file = std::fs::File::open(path).map_err(|source| self.io(source))?;
                Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
            }
            FileSource::Bytes { bytes, .. } => Ok(Box::new(Cursor::new(Arc::clone(bytes)))),
        }
    }

    /// Opens the file as a table: a workbook's first sheet that holds anything.
    ///
    /// # Errors
    /// [`FormatError`] when the file cannot be read or is not a table.
    pub fn open(&self) -> Result<Table, FormatError> {
        self.open_in(None)
    }

    /// Opens the file as a table, a workbook at the sheet named `sheet` (default: the first
    /// that holds anything).
    ///
    /// # Errors
    /// [`FormatError`] when the file cannot be read or is not a table, when the workbook has
    /// no such sheet (the error lists those it has), or when a sheet is named for a text file.
    pub fn open_in(&self, sheet: Option<&str>) -> Result<Table, FormatError> {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        self.reader()?
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|source| self.io(source))?;
        let read = Arc::new(AtomicU64::new(0));
        if head.starts_with(b"PK\x03\x04") {
            return self.open_sheet(Container::Xlsx, read, sheet);
        }
        if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return self.open_sheet(Container::Xls, read, sheet);
        }
        if let Some(sheet) = sheet {
            return Err(FormatError::Unreadable {
                file: self.name(),
                message: format!(
                    "sheet {sheet:?} was asked for, but this is a text file, not a workbook"
                ),
            });
        }
        if head.contains(&0) && Encoding::for_bom(&head).is_none() {
            return Err(FormatError::Unreadable {
                file: self.name(),
                message: "this is not a CSV, TSV, XLSX or XLS file (it holds binary data)"
                    .to_owned(),
            });
        }
        let (encoding, bom) = sniff_encoding(&head);
        let sample = encoding.decode_without_bom_handling(&head[bom..]).0;
        let delimiter = sniff_delimiter(&sample);
        let counted = Counting {
            inner: self.reader()?,
            read: Arc::clone(&read),
        };
        let text: Box<dyn Read + Send> = if encoding == encoding_rs::UTF_8 {
            let mut counted = counted;
            let mut skip = vec![0; bom];
            counted
                .read_exact(&mut skip)
                .map_err(|source| self.io(source))?;
            Box::new(counted)
        } else {
            Box::new(Decoding::new(counted, encoding))
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(256 * 1024)
            .from_reader(text);
        Ok(Table {
            file: self.name(),
            container: Container::Csv,
            encoding: encoding.name(),
            delimiter,
            sheet: None,
            rows: Rows::Text(reader, csv::ByteRecord::new()),
            next_row: 1,
            read,
        })
    }

    fn open_sheet(
        &self,
        container: Container,
        read: Arc<AtomicU64>,
        sheet: Option<&str>,
    ) -> Result<Table, FormatError> {
        let unreadable = |message: String| FormatError::Unreadable {
            file: self.name(),
            message,
        };
        let (name, range) = match self {
            FileSource::Path(path) => choose_sheet(
                &mut calamine::open_workbook_auto(path)
                    .map_err(|e| unreadable(format!("not a readable workbook: {e}")))?,
                sheet,
            ),
            FileSource::Bytes { bytes, .. } => choose_sheet(
                &mut calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
                    .map_err(|e| unreadable(format!("not a readable workbook: {e}")))?,
                sheet,
            ),
        }
        .map_err(unreadable)?;
        let (first_row, _) = range.start().unwrap_or((0, 0));
        // Rows above the used range are empty; keep row numbers those of the sheet.
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); first_row as usize];
        rows.extend(range.rows().map(|row| row.iter().map(cell_text).collect()));
        read.store(self.len()?, Ordering::Relaxed);
        Ok(Table {
            file: self.name(),
            container,
            encoding: "UTF-8",
            delimiter: b',',
            sheet: Some(name),
            rows: Rows::Sheet(rows.into_iter()),
            next_row: 1,
            read,
        })
    }
}

/// The sheet named `wanted` (exactly, else ignoring case), or the first that holds anything (a
/// workbook may open on an empty sheet), with its cells.
fn choose_sheet<RS: Read + std::io::Seek>(
    workbook: &mut calamine::Sheets<RS>,
    wanted: Option<&str>,
) -> Result<(String, calamine::Range<calamine::Data>), String> {
    let names = workbook.sheet_names();
    let read = |workbook: &mut calamine::Sheets<RS>, name: &str| {
        workbook
            .worksheet_range(name)
            .map_err(|e| format!("sheet {name:?} cannot be read: {e}"))
    };
    if let Some(wanted) = wanted {
        let name = names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet {wanted:?}; its sheets: {}",
                    names.join(", ")
                )
            })?;
        return Ok((name.clone(), read(workbook, name)?));
    }
    let mut first = None;
    for name in &names {
        let range = read(workbook, name)?;
        if !range.is_empty() {
            return Ok((name.clone(), range));
        }
        first.get_or_insert((name.clone(), range));
    }
    first.ok_or_else(|| "the workbook has no sheet".to_owned())
}

impl Table {
    /// Bytes of the file read so far, for progress bars.
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

impl Iterator for Table {
    type Item = Result<Record, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.next_row;
        self.next_row += 1;
        match &mut self.rows {
            Rows::Sheet(rows) => {
                let mut cells = rows.next()?;
                trim_trailing_empty(&mut cells);
                Some(Ok(Record { row, cells }))
            }
            Rows::Text(reader, record) => match reader.read_byte_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    let mut cells = Vec::with_capacity(record.len());
                    for (index, field) in record.iter().enumerate() {
                        match std::str::from_utf8(field) {
                            Ok(text) => cells.push(text.to_owned()),
                            Err(_) => {
                                return Some(Err(FormatError::Row {
                                    file: self.file.clone(),
                                    row,
                                    message: format!(
                                        "column {} is not valid {} text",
                                        index + 1,
                                        self.encoding
                                    ),
                                }));
                            }
                        }
                    }
                    if row == 1
                        && let Some(first) = cells.first_mut()
                    {
                        *first = first.trim_start_matches('\u{feff}').to_owned();
                    }
                    trim_trailing_empty(&mut cells);
                    Some(Ok(Record { row, cells }))
                }
                Err(error) => {
                    // The reader cannot resynchronise after a broken quote: stop here.
                    self.rows = Rows::Sheet(Vec::new().into_iter());
                    Some(Err(FormatError::Row {
                        file: self.file.clone(),
                        row,
                        message: format!("unreadable row: {error}"),
                    }))
                }
            },
        }
    }
}

/// Exports often end rows with an empty column (Qualtrics does); it carries nothing.
fn trim_trailing_empty(cells: &mut Vec<String>) {
    while cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
}

/// A spreadsheet cell as the text an export would hold: whole numbers without `.0`, dates as
/// `YYYY-MM-DD HH:MM:SS`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) => {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{}", *value as i64)
            } else {
                value.to_string()
            }
        }
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) => match value.as_datetime() {
            Some(time) => time.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => value.as_f64().to_string(),
        },
    }
}

/// The encoding of a file from its first bytes, and the length of its byte-order mark.
/// Text that is valid UTF-8 (but for a sequence cut at the end of the sample) is UTF-8;
/// otherwise GB18030, the superset of GBK that Chinese survey tools export.
fn sniff_encoding(head: &[u8]) -> (&'static Encoding, usize) {
    if let Some((encoding, bom)) = Encoding::for_bom(head) {
        return (encoding, bom);
    }
    match std::str::from_utf8(head) {
        Ok(_) => (encoding_rs::UTF_8, 0),
        Err(error) if error.error_len().is_none() && head.len() >= SNIFF_BYTES => {
            (encoding_rs::UTF_8, 0)
        }
        Err(_) => (encoding_rs::GB18030, 0),
    }
}

/// The delimiter of the first line: the most frequent of `,` `\t` `;` `|` outside quotes.
fn sniff_delimiter(sample: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b'\t', b';', b'|'];
    let mut quoted = false;
    for byte in sample.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == byte) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], 4 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// Counts the bytes read through it.
struct Counting {
    inner: Box<dyn Read + Send>,
    read: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Decodes a stream to UTF-8 as it is read (BOM removed, malformed bytes replaced by U+FFFD,
/// as every Chinese spreadsheet program does).
struct Decoding {
    inner: Counting,
    decoder: Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// The underlying reader is exhausted.
    finished: bool,
    /// The decoder has been flushed; it must not be called again.
    flushed: bool,
}

impl Decoding {
    fn new(inner: Counting, encoding: &'static Encoding) -> Decoding {
        Decoding {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            finished: false,
            flushed: false,
        }
    }
}

impl Read for Decoding {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 4 {
            // The decoder needs room for one whole character.
            let mut small = [0u8; 4];
            let n = self.read(&mut small)?;
            let n = n.min(buf.len());
            buf[..n].copy_from_slice(&small[..n]);
            return Ok(n);
        }
        loop {
            if self.flushed {
                return Ok(0);
            }
            if self.start == self.end && !self.finished {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                if self.end == 0 {
                    self.finished = true;
                }
            }
            let last = self.finished;
            let (result, consumed, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[self.start..self.end], buf, last);
            self.start += consumed;
            if last && result == encoding_rs::CoderResult::InputEmpty {
                self.flushed = true;
            }
            if written > 0 || self.flushed {
                return Ok(written);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
        FileSource::Bytes {
            name: "t.csv".into(),
            bytes: bytes.into(),
        }
        .open()
        .unwrap()
        .map(|r| r.unwrap().cells)
        .collect()
    }

    #[test]
    fn gbk_text_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("序号,满意度\n1,非常满意\n");
        assert_eq!(rows(&bytes)[1], vec!["1", "非常满意"]);
    }

    #[test]
    fn bom_and_semicolons_are_found() {
        let rows = rows("\u{feff}a;b\n1;2\n".as_bytes());
        assert_eq!(rows[0], vec!["a", "b"]);
    }

    #[test]
    fn utf16_with_bom_and_tabs_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "a\tb\n1\t好\n".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        assert_eq!(rows(&bytes)[1], vec!["1", "好"]);
    }
}
