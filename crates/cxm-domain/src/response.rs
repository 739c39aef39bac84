//! Responses as they arrive (API, JSON lines, CSV) and as they are after validation against
//! their survey: every answer typed, every value within its scale, every error naming its field.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{DimensionKey, DomainError, QuestionKind, Survey, SurveyKey};

/// Maximum length of free text in one answer, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Maximum length of a dimension value, touchpoint or attribute, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// How a response reached cxm.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A web survey link or embed.
    Web,
    /// An email invitation.
    Email,
    /// A text-message invitation.
    Sms,
    /// In a mobile app.
    App,
    /// A phone interview or call-centre follow-up.
    Phone,
    /// In a physical store (QR code, kiosk).
    Store,
    /// Imported from another tool's export.
    Import,
    /// Sent by another system through the API.
    Api,
}

impl Channel {
    /// Every channel, in display order.
    pub const ALL: [Channel; 8] = [
        Channel::Web,
        Channel::Email,
        Channel::Sms,
        Channel::App,
        Channel::Phone,
        Channel::Store,
        Channel::Import,
        Channel::Api,
    ];

    /// The channel's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::App => "app",
            Channel::Phone => "phone",
            Channel::Store => "store",
            Channel::Import => "import",
            Channel::Api => "api",
        }
    }
}

impl FromStr for Channel {
    type Err = DomainError;

    fn from_str(value: &str) -> Result<Self, DomainError> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == value)
            .ok_or_else(|| {
                DomainError::new(
                    "channel",
                    format!(
                        "unknown channel {value:?}; expected one of web, email, sms, app, phone, store, import, api"
                    ),
                )
            })
    }
}

/// The customer a response belongs to, as sent with it. PII (name, email, phone) is stored
/// with the customer, never copied onto responses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// The customer's id in the sender's systems.
    pub external_id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Typed attributes such as tier, region or age group (strings, numbers or booleans).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// A response as sent through the API or in a JSON-lines file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// The survey answered.
    pub survey: SurveyKey,
    /// The response's id in its source; re-sending the same (source, id) updates it.
    #[serde(default)]
    pub id: Option<String>,
    /// Where the id comes from, e.g. `api`, `qualtrics`, `pos`; defaults to `api`.
    #[serde(default)]
    pub source: Option<String>,
    /// When the response was submitted, RFC 3339 with offset.
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: String,
    /// How it arrived; defaults to `api`.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The moment of the journey it is about, e.g. 结账 or `delivery`.
    #[serde(default)]
    pub touchpoint: Option<String>,
    /// Language of the respondent, e.g. `zh` or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// Segment attributes captured at response time, e.g. region, store, product.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// The customer, if known.
    #[serde(default)]
    pub customer: Option<CustomerInput>,
    /// Answers by question key; a matrix answer is an object of row → value.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// Whether the respondent finished; defaults to "every required question answered".
    #[serde(default)]
    pub complete: Option<bool>,
}

/// One typed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerValue {
    /// An NPS score, a rating or a matrix row value.
    Number(i64),
    /// One chosen option key.
    Choice(String),
    /// Several chosen option keys, in the order given, without repeats.
    Choices(Vec<String>),
    /// Free text or hidden metadata.
    Text(String),
}

/// A response checked against its survey, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidResponse {
    /// The survey answered.
    pub survey: SurveyKey,
    /// Source of the id.
    pub source: String,
    /// Id within the source.
    pub source_id: String,
    /// Submission instant, UTC.
    pub submitted_at: DateTime<Utc>,
    /// Channel.
    pub channel: Channel,
    /// Touchpoint, if any.
    pub touchpoint: Option<String>,
    /// Respondent language, if known.
    pub language: Option<String>,
    /// Segment dimensions.
    pub dimensions: BTreeMap<DimensionKey, String>,
    /// The customer, if any.
    pub customer: Option<CustomerInput>,
    /// Answers by item key (`question`, or `question.row` for matrix rows).
    pub answers: BTreeMap<String, AnswerValue>,
    /// Whether the response is complete.
    pub complete: bool,
}

impl ResponseInput {
    /// Checks the response against `survey`. Answers that are `null` or `""` count as skipped.
    /// A response without an id gets `generated_id`.
    ///
    /// # Errors
    /// [`DomainError`] naming the first offending field, e.g. `answers.nps`.
    pub fn validate(
        &self,
        survey: &Survey,
        generated_id: impl FnOnce() -> String,
    ) -> Result<ValidResponse, DomainError> {
        if self.survey != survey.key {
            return Err(DomainError::new(
                "survey",
                format!(
                    "response is for {:?}, not {:?}",
                    self.survey.as_str(),
                    survey.key.as_str()
                ),
            ));
        }
        let submitted_at = DateTime::<FixedOffset>::parse_from_rfc3339(self.submitted_at.trim())
            .map_err(|e| {
                DomainError::new(
                    "submitted_at",
                    format!("{:?} is not an RFC 3339 time with offset such as 2025-03-01T09:30:00+08:00 ({e})", self.submitted_at),
                )
            })?
            .with_timezone(&Utc);
        let source = match &self.source {
            Some(source) => label("source", source)?,
            None => "api".to_owned(),
        };
        let source_id = match &self.id {
            Some(id) => label("id", id)?,
            None => generated_id(),
        };
        let touchpoint = self
            .touchpoint
            .as_deref()
            .map(|t| label("touchpoint", t))
            .transpose()?;
        let language = self
            .language
            .as_deref()
            .map(|l| label("language", l))
            .transpose()?;
        let mut dimensions = BTreeMap::new();
        for (key, value) in &self.dimensions {
            let key =
                DimensionKey::parse(key).map_err(|e| e.within(&format!("dimensions.{key}")))?;
            let field = format!("dimensions.{key}");
            dimensions.insert(key, label(&field, value)?);
        }
        if let Some(customer) = &self.customer {
            check_customer(customer).map_err(|e| e.within("customer"))?;
        }
        let mut answers = BTreeMap::new();
        for (key, value) in &self.answers {
            let field = format!("answers.{key}");
            let Some(question) = survey.question(key) else {
                return Err(DomainError::new(
                    field,
                    format!("survey {:?} has no question {key:?}", survey.key.as_str()),
                ));
            };
            parse_answer(&question.kind, key, value, &mut answers).map_err(|e| e.within(&field))?;
        }
        let all_required = survey.questions.iter().filter(|q| q.required).all(|q| {
            let key = q.key.as_str();
            answers.contains_key(key)
                || answers.keys().any(|k| {
                    k.strip_prefix(key)
                        .is_some_and(|rest| rest.starts_with('.'))
                })
        });
        let complete = match self.complete {
            Some(true) if !all_required => {
                return Err(DomainError::new(
                    "complete",
                    "marked complete but a required question is unanswered",
                ));
            }
            Some(flag) => flag,
            None => all_required,
        };
        Ok(ValidResponse {
            survey: survey.key.clone(),
            source,
            source_id,
            submitted_at,
            channel: self.channel.unwrap_or(Channel::Api),
            touchpoint,
            language,
            dimensions,
            customer: self.customer.clone(),
            answers,
            complete,
        })
    }
}

fn label(field: &str, value: &str) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::new(field, "must not be empty"));
    }
    if value.chars().count() > MAX_LABEL_CHARS {
        return Err(DomainError::new(
            field,
            format!("longer than {MAX_LABEL_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn check_customer(customer: &CustomerInput) -> Result<(), DomainError> {
    label("external_id", &customer.external_id)?;
    if let Some(email) = &customer.email {
        let at = email.find('@');
        if !at.is_some_and(|i| i > 0 && i + 1 < email.len())
            || email.chars().any(char::is_whitespace)
        {
            return Err(DomainError::new(
                "email",
                format!("{email:?} is not an email address"),
            ));
        }
    }
    for (key, value) in &customer.attributes {
        let field = format!("attributes.{key}");
        DimensionKey::parse(key).map_err(|e| e.within(&field))?;
        match value {
            serde_json::Value::String(text) => {
                label(&field, text)?;
            }
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null => {
            }
            _ => {
                return Err(DomainError::new(
                    field,
                    "must be a string, number or boolean",
                ));
            }
        }
    }
    Ok(())
}

/// Reads an integer from a JSON number (with no fractional part) or a numeric string.
fn integer(value: &serde_json::Value) -> Result<i64, DomainError> {
    let number = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match number {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => Ok(x as i64),
        _ => Err(DomainError::new(
            "",
            format!("{value} is not a whole number"),
        )),
    }
}

fn in_scale(value: &serde_json::Value, min: i64, max: i64) -> Result<i64, DomainError> {
    let number = integer(value)?;
    if !(min..=max).contains(&number) {
        return Err(DomainError::new(
            "",
            format!("{number} is outside the scale {min}..{max}"),
        ));
    }
    Ok(number)
}

fn is_skipped(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.trim().is_empty(),
        serde_json::Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn parse_answer(
    kind: &QuestionKind,
    key: &str,
    value: &serde_json::Value,
    answers: &mut BTreeMap<String, AnswerValue>,
) -> Result<(), DomainError> {
    if is_skipped(value) {
        return Ok(());
    }
    let option_key = |options: &[crate::ChoiceOption],
                      value: &serde_json::Value|
     -> Result<String, DomainError> {
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            other => {
                return Err(DomainError::new(
                    "",
                    format!("{other} is not an option key"),
                ));
            }
        };
        if options.iter().any(|o| o.key.as_str() == text) {
            Ok(text)
        } else {
            let known: Vec<&str> = options.iter().map(|o| o.key.as_str()).collect();
            Err(DomainError::new(
                "",
                format!(
                    "{text:?} is not an option; expected one of {}",
                    known.join(", ")
                ),
            ))
        }
    };
    let answer = match kind {
        QuestionKind::Nps { .. } => AnswerValue::Number(in_scale(value, 0, 10)?),
        QuestionKind::Rating { min, max, .. } => AnswerValue::Number(in_scale(value, *min, *max)?),
        QuestionKind::SingleChoice { options } => AnswerValue::Choice(option_key(options, value)?),
        QuestionKind::MultiChoice { options } => {
            let items: Vec<serde_json::Value> = match value {
                serde_json::Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let mut chosen: Vec<String> = Vec::new();
            for item in &items {
                let key = option_key(options, item)?;
                if !chosen.contains(&key) {
                    chosen.push(key);
                }
            }
            AnswerValue::Choices(chosen)
        }
        QuestionKind::Text | QuestionKind::Hidden => {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => return Err(DomainError::new("", format!("{other} is not text"))),
            };
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(DomainError::new(
                    "",
                    format!("text is longer than {MAX_TEXT_CHARS} characters"),
                ));
            }
            AnswerValue::Text(text)
        }
        QuestionKind::Matrix { rows, min, max } => {
            let serde_json::Value::Object(cells) = value else {
                return Err(DomainError::new(
                    "",
                    "a matrix answer is an object of row key → value",
                ));
            };
            for (row, cell) in cells {
                if !rows.iter().any(|r| r.key.as_str() == row) {
                    return Err(DomainError::new(row.clone(), "is not a row of this matrix"));
                }
                if !is_skipped(cell) {
                    let number = in_scale(cell, *min, *max).map_err(|e| e.within(row))?;
                    answers.insert(format!("{key}.{row}"), AnswerValue::Number(number));
                }
            }
            return Ok(());
        }
    };
    answers.insert(key.to_owned(), answer);
    Ok(())
}
