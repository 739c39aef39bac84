//! The error of a use case, shaped by what a caller shows: not found, conflict, or invalid
//! input with every problem located (row, field).

use std::fmt;

use cxm_store::StoreError;

/// One problem with input: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// 1-based line or row of the input (a file line, a CSV row, a batch position), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The field or column, e.g. `answers.nps`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = self.row {
            write!(f, "row {row}: ")?;
        }
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// What went wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input was rejected; nothing was written.
    #[error("{}", summarize(.0))]
    Invalid(Vec<Problem>),
    /// The input could not be read at all (not JSON, say); nothing was written.
    #[error("{0}")]
    Malformed(String),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The request clashes with stored data.
    #[error("{0}")]
    Conflict(String),
    /// What the change was made on changed after it was read; nothing was written.
    #[error("{0}")]
    Stale(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl AppError {
    /// A single problem with a field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![Problem {
            row: None,
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict(what) => AppError::Conflict(what),
            StoreError::Stale(what) => AppError::Stale(what),
            other => AppError::Store(other),
        }
    }
}

impl From<cxm_domain::DomainError> for AppError {
    fn from(error: cxm_domain::DomainError) -> Self {
        AppError::invalid(error.field, error.message)
    }
}

fn summarize(problems: &[Problem]) -> String {
    const SHOWN: usize = 20;
    let mut text = String::new();
    if problems.len() > 1 {
        text.push_str(&format!(
            "{} problems; nothing was stored:\n",
            problems.len()
        ));
    }
    for problem in problems.iter().take(SHOWN) {
        if problems.len() > 1 {
            text.push_str("  ");
        }
        text.push_str(&problem.to_string());
        text.push('\n');
    }
    if problems.len() > SHOWN {
        text.push_str(&format!("  … and {} more\n", problems.len() - SHOWN));
    }
    text.trim_end().to_owned()
}
