//! The error of parsing domain values: what was wrong and in which field.

/// A value that does not satisfy a domain invariant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    /// Dotted path of the offending field, e.g. `answers.nps` or `questions[2].key`.
    pub field: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl DomainError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error nested under a parent field (`parent.field`).
    pub fn within(self, parent: &str) -> Self {
        let field = if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        DomainError { field, ..self }
    }
}
