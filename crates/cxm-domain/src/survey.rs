//! Survey definitions: questions, their kinds and scales, and the rules a definition obeys.
//!
//! A survey is written as TOML (or the same structure as JSON through the API); see
//! `docs/survey-format.md`. Deserialising a [`Survey`] validates it: question keys are unique,
//! scales are well-formed, choice and matrix rows are non-empty and unique.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{DomainError, QuestionKey, SurveyKey};

/// Text in the two languages cxm speaks; at least one should be present.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct LocalizedText {
    /// Simplified Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl LocalizedText {
    /// The text in `language` ("zh…" or anything else for English), falling back to the other.
    pub fn in_language(&self, language: &str) -> &str {
        let (first, second) = if language.starts_with("zh") {
            (&self.zh, &self.en)
        } else {
            (&self.en, &self.zh)
        };
        first.as_deref().or(second.as_deref()).unwrap_or("")
    }
}

/// Where a survey is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    /// Being written; accepts test responses only through the API and imports.
    #[default]
    Draft,
    /// Collecting responses.
    Live,
    /// No longer collecting; its responses stay.
    Closed,
}

impl SurveyStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Live => "live",
            SurveyStatus::Closed => "closed",
        }
    }

    /// Parses a stored status.
    ///
    /// # Errors
    /// [`DomainError`] for anything but draft, live or closed.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        match value {
            "draft" => Ok(SurveyStatus::Draft),
            "live" => Ok(SurveyStatus::Live),
            "closed" => Ok(SurveyStatus::Closed),
            other => Err(DomainError::new(
                "status",
                format!("unknown status {other:?}; expected draft, live or closed"),
            )),
        }
    }
}

/// The metric a rating question feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricRole {
    /// Customer satisfaction, usually 1–5.
    Csat,
    /// Customer effort score, usually 1–7 where high means easy.
    Ces,
}

/// Labels at the two ends of a scale, e.g. 不可能 / 非常可能.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ScaleLabels {
    /// Label of the lowest value.
    #[serde(default)]
    pub min: LocalizedText,
    /// Label of the highest value.
    #[serde(default)]
    pub max: LocalizedText,
}

/// One option of a choice question, or one row of a matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChoiceOption {
    /// Stable key stored with answers.
    pub key: QuestionKey,
    /// What respondents see.
    #[serde(default)]
    pub text: LocalizedText,
}

/// What a question asks for and which values it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Likelihood to recommend, 0–10.
    Nps {
        /// End labels.
        #[serde(default)]
        labels: ScaleLabels,
    },
    /// An integer scale `min..=max`; CSAT and CES are ratings with a role.
    Rating {
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// The metric this rating feeds, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<MetricRole>,
        /// End labels.
        #[serde(default)]
        labels: ScaleLabels,
    },
    /// Exactly one option.
    SingleChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// Any number of options.
    MultiChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// Open text.
    Text,
    /// Rows rated on one scale, e.g. expectation/perception pairs.
    Matrix {
        /// The rows; each is answered as `question.row`.
        rows: Vec<ChoiceOption>,
        /// Lowest scale value.
        min: i64,
        /// Highest scale value.
        max: i64,
    },
    /// Metadata captured with the response, not shown.
    Hidden,
}

/// A question of a survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Question {
    /// Stable key, unique in the survey.
    pub key: QuestionKey,
    /// What the question asks and accepts.
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// What respondents see.
    #[serde(default)]
    pub text: LocalizedText,
    /// Whether a complete response must answer it.
    #[serde(default)]
    pub required: bool,
}

/// A validated survey definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RawSurvey")]
pub struct Survey {
    /// Stable key.
    pub key: SurveyKey,
    /// Display name.
    pub name: LocalizedText,
    /// Life-cycle status.
    #[serde(default)]
    pub status: SurveyStatus,
    /// Questions in display order.
    pub questions: Vec<Question>,
}

#[derive(Deserialize)]
struct RawSurvey {
    key: SurveyKey,
    #[serde(default)]
    name: LocalizedText,
    #[serde(default)]
    status: SurveyStatus,
    #[serde(default)]
    questions: Vec<Question>,
}

impl TryFrom<RawSurvey> for Survey {
    type Error = DomainError;

    fn try_from(raw: RawSurvey) -> Result<Self, DomainError> {
        Survey::new(raw.key, raw.name, raw.status, raw.questions)
    }
}

impl Survey {
    /// Builds a survey, checking every rule of a definition.
    ///
    /// # Errors
    /// [`DomainError`] naming the offending question field.
    pub fn new(
        key: SurveyKey,
        name: LocalizedText,
        status: SurveyStatus,
        questions: Vec<Question>,
    ) -> Result<Self, DomainError> {
        let mut seen = BTreeSet::new();
        for (index, question) in questions.iter().enumerate() {
            let field = format!("questions[{index}]");
            if !seen.insert(question.key.as_str()) {
                return Err(DomainError::new(
                    format!("{field}.key"),
                    format!("question key {:?} appears twice", question.key.as_str()),
                ));
            }
            question.kind.check().map_err(|e| e.within(&field))?;
        }
        Ok(Survey {
            key,
            name,
            status,
            questions,
        })
    }

    /// Reads a definition from its JSON (or TOML-as-JSON) structure.
    ///
    /// # Errors
    /// [`DomainError`] naming the offending field: a question's rule (`questions[2].max`) or,
    /// for a shape that does not fit, the whole definition with serde's explanation.
    pub fn from_value(value: serde_json::Value) -> Result<Survey, DomainError> {
        let raw: RawSurvey =
            serde_json::from_value(value).map_err(|e| DomainError::new("", e.to_string()))?;
        Survey::try_from(raw)
    }

    /// The question with `key`.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key.as_str() == key)
    }

    /// Every numeric item the survey collects: `(item key, kind, min, max, role)`. A matrix
    /// contributes one item per row, keyed `question.row`.
    pub fn numeric_items(&self) -> Vec<NumericItem> {
        let mut items = Vec::new();
        for question in &self.questions {
            match &question.kind {
                QuestionKind::Nps { .. } => items.push(NumericItem {
                    key: question.key.as_str().to_owned(),
                    kind: "nps",
                    min: 0,
                    max: 10,
                    role: None,
                }),
                QuestionKind::Rating { min, max, role, .. } => items.push(NumericItem {
                    key: question.key.as_str().to_owned(),
                    kind: "rating",
                    min: *min,
                    max: *max,
                    role: *role,
                }),
                QuestionKind::Matrix { rows, min, max } => {
                    for row in rows {
                        items.push(NumericItem {
                            key: format!("{}.{}", question.key, row.key),
                            kind: "matrix",
                            min: *min,
                            max: *max,
                            role: None,
                        });
                    }
                }
                _ => {}
            }
        }
        items
    }
}

/// A numeric item of a survey: an NPS question, a rating, or one matrix row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumericItem {
    /// `question` or `question.row`.
    pub key: String,
    /// `nps`, `rating` or `matrix`.
    pub kind: &'static str,
    /// Lowest accepted value.
    pub min: i64,
    /// Highest accepted value.
    pub max: i64,
    /// Metric role of a rating.
    pub role: Option<MetricRole>,
}

impl QuestionKind {
    /// The kind's name as stored.
    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::Nps { .. } => "nps",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultiChoice { .. } => "multi_choice",
            QuestionKind::Text => "text",
            QuestionKind::Matrix { .. } => "matrix",
            QuestionKind::Hidden => "hidden",
        }
    }

    fn check(&self) -> Result<(), DomainError> {
        if let QuestionKind::Rating { min, max, .. } | QuestionKind::Matrix { min, max, .. } = self
            && (min >= max || max.checked_sub(*min).is_none_or(|span| span > 100))
        {
            return Err(DomainError::new(
                "max",
                format!("scale {min}..{max} must have min < max and at most 101 points"),
            ));
        }
        match self {
            QuestionKind::SingleChoice { options } | QuestionKind::MultiChoice { options } => {
                check_options("options", options)
            }
            QuestionKind::Matrix { rows, .. } => check_options("rows", rows),
            _ => Ok(()),
        }
    }
}

fn check_options(field: &str, options: &[ChoiceOption]) -> Result<(), DomainError> {
    if options.is_empty() {
        return Err(DomainError::new(field, "must list at least one entry"));
    }
    let mut seen = BTreeSet::new();
    for (index, option) in options.iter().enumerate() {
        if !seen.insert(option.key.as_str()) {
            return Err(DomainError::new(
                format!("{field}[{index}].key"),
                format!("{:?} appears twice", option.key.as_str()),
            ));
        }
    }
    Ok(())
}
