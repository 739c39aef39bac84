//! Public survey forms: a live survey's definition for rendering, and a submitted form turned
//! into a response (channel web) and stored like any other. An invitation token answers once:
//! it becomes the response's id under the source `invite:<survey>`.

use std::collections::BTreeMap;

use cxm_domain::{Channel, QuestionKind, ResponseInput, Survey, SurveyStatus};
use serde_json::Value;

use crate::{App, AppError, Problem};

/// A submitted form: field name → values (several for checkboxes).
pub type FormFields = Vec<(String, String)>;

impl App {
    /// The survey behind a public form, if it is live.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown survey; [`AppError::Conflict`] when it is not live.
    pub async fn live_survey(&self, key: &str) -> Result<Survey, AppError> {
        let survey = self.store.survey(key).await?.survey;
        if survey.status != SurveyStatus::Live {
            return Err(AppError::Conflict(format!(
                "survey {key} is {}",
                survey.status.as_str()
            )));
        }
        Ok(survey)
    }

    /// Stores a submitted form as a response of `survey`, in `language`, with an invitation
    /// `token` if the link had one.
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming each unanswered required question or bad answer;
    /// [`AppError::Conflict`] when the survey is not live or the token has answered already.
    pub async fn submit_form(
        &self,
        survey: &str,
        fields: &FormFields,
        token: Option<&str>,
        language: &str,
    ) -> Result<(), AppError> {
        let survey = self.live_survey(survey).await?;
        let values = |name: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
                .collect()
        };
        let mut answers = BTreeMap::new();
        let mut problems = Vec::new();
        for question in &survey.questions {
            let key = question.key.as_str();
            let answer = match &question.kind {
                QuestionKind::MultiChoice { .. } => {
                    let chosen = values(key);
                    (!chosen.is_empty())
                        .then(|| Value::Array(chosen.into_iter().map(Value::from).collect()))
                }
                QuestionKind::Matrix { rows, .. } => {
                    let mut cells = serde_json::Map::new();
                    for row in rows {
                        if let Some(value) = values(&format!("{key}.{}", row.key)).first() {
                            cells.insert(row.key.to_string(), Value::from(*value));
                        }
                    }
                    (!cells.is_empty()).then_some(Value::Object(cells))
                }
                _ => values(key).first().map(|v| Value::from(*v)),
            };
            match answer {
                Some(value) => {
                    answers.insert(key.to_owned(), value);
                }
                None if question.required => problems.push(Problem {
                    row: None,
                    field: format!("answers.{key}"),
                    message: "is required".to_owned(),
                }),
                None => {}
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let source = token.map(|_| format!("invite:{}", survey.key));
        if let (Some(source), Some(token)) = (&source, token)
            && self.store.response_exists(source, token).await?
        {
            return Err(AppError::Conflict(
                "this invitation has been answered already".to_owned(),
            ));
        }
        let input = ResponseInput {
            survey: survey.key.clone(),
            id: token.map(str::to_owned),
            source: source.or(Some("web".to_owned())),
            submitted_at: chrono::Utc::now().to_rfc3339(),
            channel: Some(Channel::Web),
            touchpoint: None,
            language: Some(language.to_owned()),
            dimensions: BTreeMap::new(),
            customer: None,
            answers,
            complete: None,
        };
        self.ingest(&[input], &[1]).await?;
        Ok(())
    }
}
