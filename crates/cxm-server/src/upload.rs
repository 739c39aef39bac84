//! Multipart uploads as the import endpoints and the Import page receive them: the file (held
//! in memory under the name it was sent with) and the text fields beside it, and the import
//! mapping those fields give.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use cxm_formats::{FileSource, Mapping};

/// A multipart form: its `file` part and its text fields.
pub(crate) struct Upload {
    /// The `file` part; `None` when there was none, or it had an empty file name (a file input
    /// with nothing chosen).
    pub(crate) file: Option<FileSource>,
    fields: Vec<(String, String)>,
}

impl Upload {
    /// Reads every part of `multipart`.
    ///
    /// # Errors
    /// The part that did not arrive whole.
    pub(crate) async fn read(multipart: &mut Multipart) -> Result<Upload, MultipartError> {
        let mut upload = Upload {
            file: None,
            fields: Vec::new(),
        };
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let file_name = field.file_name().map(str::to_owned);
                let bytes = field.bytes().await?;
                if file_name.as_deref() != Some("") {
                    upload.file = Some(FileSource::Bytes {
                        name: file_name.unwrap_or_else(|| "upload.csv".to_owned()),
                        bytes: bytes.to_vec().into(),
                    });
                }
            } else {
                let text = field.text().await?;
                upload.fields.push((name, text));
            }
        }
        Ok(upload)
    }

    /// A text field, trimmed (`""` when absent).
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }
}

/// The mapping of a mapping file's text (empty: none) with `submitted_at` (empty: none), the
/// time of rows the file gives none, and `sheet` (empty: none), the workbook's sheet to read,
/// or what is wrong with them.
pub(crate) fn mapping_of(
    text: &str,
    submitted_at: &str,
    sheet: &str,
) -> Result<Option<Mapping>, String> {
    let mut mapping = if text.is_empty() {
        None
    } else {
        Some(Mapping::parse(text).map_err(|e| format!("mapping: {e}"))?)
    };
    if !submitted_at.is_empty() {
        mapping = Some(
            mapping
                .unwrap_or_default()
                .with_submitted_at(submitted_at)
                .map_err(|e| format!("submitted_at: {e}"))?,
        );
    }
    if !sheet.trim().is_empty() {
        mapping = Some(mapping.unwrap_or_default().with_sheet(sheet));
    }
    Ok(mapping)
}
