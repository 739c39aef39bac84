//! Mapping files: what a user says about columns the detector cannot know, in TOML keyed by
//! the column's header (the question text for SurveyMonkey and Qualtrics files):
//!
//! ```toml
//! format = "generic"                 # optional: skip detection
//! submitted_at = "2024-06-30"        # optional: the time of rows the file gives none
//! missing = ["N/A", "-99"]           # optional: cells that mean "no answer", in every column
//! [columns]
//! "Respondent" = { role = "response_id" }
//! "Store" = { dimension = "store" }
//! "How likely are you to recommend us?" = { question = "nps", kind = "nps" }
//! "Anything else?" = { question = "comment", kind = "text" }
//! "Internal notes" = { ignore = true }
//! "Seat comfort" = { missing = ["0"] }  # 0 = not applicable; the rest as detected
//! ```

use std::collections::BTreeMap;

use cxm_domain::{DimensionKey, QuestionKey, TimeZone};
use serde::Deserialize;

use crate::FormatError;
use crate::layout::{Format, Layout, Part, Role};
use crate::time::parse_time;

/// A parsed mapping file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    /// The format to read the file as, skipping detection.
    pub format: Option<Format>,
    /// The sheet of a workbook to read (default: the first that holds anything).
    pub sheet: Option<String>,
    /// The submission time of rows whose file gives none (no time column, or an empty cell),
    /// as written; any layout [`crate::parse_time`] reads.
    pub submitted_at: Option<String>,
    /// Cells that mean "no answer" in every column (besides empty cells).
    pub missing: Vec<String>,
    /// What each named column holds.
    pub columns: BTreeMap<String, ColumnMapping>,
}

/// What a mapping file says about one column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// A metadata role: response_id, submitted_at, started_at, complete, channel, language,
    /// ip, customer_id, customer_email, customer_name.
    #[serde(default)]
    pub role: Option<String>,
    /// A dimension key.
    #[serde(default)]
    pub dimension: Option<String>,
    /// A question key.
    #[serde(default)]
    pub question: Option<String>,
    /// The question's kind: nps, csat, ces, rating, single_choice, multi_choice, text, hidden.
    #[serde(default)]
    pub kind: Option<String>,
    /// Lowest scale value, for ratings.
    #[serde(default)]
    pub min: Option<i64>,
    /// Highest scale value, for ratings.
    #[serde(default)]
    pub max: Option<i64>,
    /// Leave the column out.
    #[serde(default)]
    pub ignore: bool,
    /// Cells that mean "no answer" in this column (besides the mapping's `missing`).
    #[serde(default)]
    pub missing: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    sheet: Option<String>,
    #[serde(default)]
    submitted_at: Option<String>,
    #[serde(default)]
    missing: Vec<String>,
    #[serde(default)]
    columns: BTreeMap<String, ColumnMapping>,
}

/// Kinds a mapping may give a question.
pub const KINDS: [&str; 8] = [
    "nps",
    "csat",
    "ces",
    "rating",
    "single_choice",
    "multi_choice",
    "text",
    "hidden",
];

impl Mapping {
    /// Parses a mapping file.
    ///
    /// # Errors
    /// [`FormatError::Mapping`] naming the line or the column that is wrong.
    pub fn parse(text: &str) -> Result<Mapping, FormatError> {
        let raw: RawMapping = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            FormatError::Mapping(match line {
                Some(line) => format!("line {line}: {}", e.message()),
                None => e.message().to_owned(),
            })
        })?;
        let format = match raw.format {
            None => None,
            Some(name) => Some(Format::parse(&name).ok_or_else(|| {
                FormatError::Mapping(format!(
                    "format {name:?} is unknown; expected one of {}",
                    Format::ALL.map(Format::as_str).join(", ")
                ))
            })?),
        };
        for (header, column) in &raw.columns {
            let bad =
                |message: String| FormatError::Mapping(format!("column {header:?}: {message}"));
            let said = [
                column.role.is_some(),
                column.dimension.is_some(),
                column.question.is_some(),
                column.ignore,
            ]
            .iter()
            .filter(|x| **x)
            .count();
            if said > 1 || (said == 0 && column.missing.is_empty()) {
                return Err(bad(
                    "give exactly one of role, dimension, question or ignore (or only missing)"
                        .into(),
                ));
            }
            if let Some(role) = &column.role
                && metadata_role(role).is_none()
            {
                return Err(bad(format!(
                    "role {role:?} is unknown; expected response_id, submitted_at, started_at, complete, channel, language, ip, customer_id, customer_email or customer_name"
                )));
            }
            if let Some(key) = &column.dimension {
                DimensionKey::parse(key).map_err(|e| bad(e.message))?;
            }
            if let Some(key) = &column.question {
                QuestionKey::parse(key).map_err(|e| bad(e.message))?;
            }
            if let Some(kind) = &column.kind
                && !KINDS.contains(&kind.as_str())
            {
                return Err(bad(format!(
                    "kind {kind:?} is unknown; expected one of {}",
                    KINDS.join(", ")
                )));
            }
            if column.kind.is_some() && column.question.is_none() {
                return Err(bad("kind applies to questions only".into()));
            }
        }
        let trimmed = |codes: Vec<String>| codes.into_iter().map(|c| c.trim().to_owned()).collect();
        let columns = raw
            .columns
            .into_iter()
            .map(|(header, column)| {
                let missing = trimmed(column.missing);
                (header, ColumnMapping { missing, ..column })
            })
            .collect();
        let mapping = Mapping {
            format,
            sheet: raw
                .sheet
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            submitted_at: None,
            missing: trimmed(raw.missing),
            columns,
        };
        match raw.submitted_at {
            Some(time) => mapping
                .with_submitted_at(&time)
                .map_err(|e| FormatError::Mapping(format!("submitted_at {e}"))),
            None => Ok(mapping),
        }
    }

    /// The mapping with `time` as the submission time of rows whose file gives none.
    ///
    /// # Errors
    /// [`FormatError::Time`] when `time` is not a time cxm can read.
    pub fn with_submitted_at(mut self, time: &str) -> Result<Mapping, FormatError> {
        if parse_time(time, &TimeZone::default()).is_none() {
            return Err(FormatError::Time(time.to_owned()));
        }
        self.submitted_at = Some(time.trim().to_owned());
        Ok(self)
    }

    /// The mapping with the workbook's sheet to read.
    pub fn with_sheet(mut self, sheet: &str) -> Mapping {
        self.sheet = Some(sheet.trim().to_owned()).filter(|s| !s.is_empty());
        self
    }

    /// Applies the mapping to a detected layout. Returns the headers it names that the file
    /// does not have.
    pub fn apply(&self, layout: &mut Layout) -> Vec<String> {
        let mut unknown = Vec::new();
        for (header, mapping) in &self.columns {
            let mut found = false;
            for column in layout.columns.iter_mut().filter(|c| c.header == *header) {
                found = true;
                column.role = if mapping.ignore {
                    Role::ignored("ignored by the mapping")
                } else if let Some(role) = mapping.role.as_deref().and_then(metadata_role) {
                    role
                } else if let Some(key) = &mapping.dimension {
                    Role::Dimension { key: key.clone() }
                } else if let Some(key) = &mapping.question {
                    let part = match &column.role {
                        Role::Answer { part, .. } => part.clone(),
                        _ => Part::Whole,
                    };
                    Role::Answer {
                        question: key.clone(),
                        text: header.clone(),
                        part,
                    }
                } else {
                    column.role.clone()
                };
            }
            if !found {
                unknown.push(header.clone());
            }
        }
        unknown
    }

    /// The cells that mean "no answer" in each of the columns `headers` (empty cells aside):
    /// the mapping's `missing` and the column's own.
    pub fn missing_codes(&self, headers: &[String]) -> Vec<Vec<String>> {
        headers
            .iter()
            .map(|header| {
                let mut codes = self.missing.clone();
                if let Some(column) = self.columns.get(header) {
                    codes.extend(column.missing.iter().cloned());
                }
                codes
            })
            .collect()
    }

    /// The kind (and scale) the mapping gives question `key`.
    pub fn kind_of(&self, key: &str) -> Option<&ColumnMapping> {
        self.columns
            .values()
            .find(|c| c.question.as_deref() == Some(key) && c.kind.is_some())
    }
}

fn metadata_role(name: &str) -> Option<Role> {
    Some(match name {
        "response_id" => Role::ResponseId,
        "submitted_at" => Role::SubmittedAt,
        "started_at" => Role::StartedAt,
        "complete" => Role::Complete,
        "channel" => Role::Channel,
        "language" => Role::Language,
        "ip" => Role::Ip,
        "customer_id" => Role::CustomerId,
        "customer_email" => Role::CustomerEmail,
        "customer_name" => Role::CustomerName,
        _ => return None,
    })
}
