//! Keys that users type and that appear in URLs, files and SQL parameters: survey keys,
//! question keys and dimension keys. All share one grammar so they are safe everywhere.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::DomainError;

/// Checks the shared key grammar: 1–64 characters, ASCII letters, digits, `_` and `-`,
/// starting with a letter or digit. (Question keys also allow `.` for matrix rows.)
fn parse_key(kind: &str, value: &str, allow_dot: bool) -> Result<String, DomainError> {
    let valid_char =
        |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (allow_dot && c == '.');
    if value.is_empty() || value.len() > 64 {
        return Err(DomainError::new(
            "",
            format!("{kind} {value:?} must be 1 to 64 characters"),
        ));
    }
    if !value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        || !value.chars().all(valid_char)
    {
        return Err(DomainError::new(
            "",
            format!(
                "{kind} {value:?} may hold only letters, digits, '_' and '-'{}, starting with a letter or digit",
                if allow_dot { " and '.'" } else { "" }
            ),
        ));
    }
    Ok(value.to_owned())
}

macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident, $label:literal, $dot:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a key.
            ///
            /// # Errors
            /// [`DomainError`] when the key breaks the key grammar.
            pub fn parse(value: &str) -> Result<Self, DomainError> {
                parse_key($label, value, $dot).map($name)
            }

            /// The key as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(|e| serde::de::Error::custom(e.message))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                String::schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

key_type!(
    /// The stable key of a survey, e.g. `store-nps`.
    SurveyKey, "survey key", false
);
key_type!(
    /// The stable key of a question within its survey, e.g. `nps` or `expect.speed`.
    QuestionKey, "question key", true
);
key_type!(
    /// The key of a segment dimension, e.g. `region` or `store`.
    DimensionKey, "dimension key", false
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_grammar() {
        assert!(SurveyKey::parse("store-nps_2025").is_ok());
        assert!(SurveyKey::parse("").is_err());
        assert!(SurveyKey::parse("-x").is_err());
        assert!(SurveyKey::parse("a b").is_err());
        assert!(SurveyKey::parse("a.b").is_err());
        assert!(QuestionKey::parse("expect.speed").is_ok());
        assert!(SurveyKey::parse(&"x".repeat(65)).is_err());
    }
}
