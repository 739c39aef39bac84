//! Survey use cases: create from a definition (TOML file or JSON), update, list, show, delete.

use cxm_domain::Survey;
use serde::Serialize;

use crate::{App, AppError};

/// A survey with its response count, as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    /// The definition.
    pub survey: Survey,
    /// Responses stored.
    pub responses: u64,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last changed, RFC 3339.
    pub updated_at: String,
}

impl App {
    /// Parses a survey definition written as TOML (see `docs/survey-format.md`).
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming the line or field that is wrong.
    pub fn parse_survey_toml(text: &str) -> Result<Survey, AppError> {
        let value = toml::from_str::<serde_json::Value>(text).map_err(|error| {
            let row = error
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1) as u64);
            AppError::Invalid(vec![crate::Problem {
                row,
                field: String::new(),
                message: error.message().to_owned(),
            }])
        })?;
        Ok(Survey::from_value(value)?)
    }

    /// Parses a survey definition sent as JSON.
    ///
    /// # Errors
    /// [`AppError::Malformed`] when the text is not JSON; [`AppError::Invalid`] naming the
    /// field that breaks a rule.
    pub fn parse_survey_json(text: &[u8]) -> Result<Survey, AppError> {
        let value = serde_json::from_slice::<serde_json::Value>(text)
            .map_err(|e| AppError::Malformed(format!("the survey definition is not JSON: {e}")))?;
        Ok(Survey::from_value(value)?)
    }

    /// Stores a new survey.
    ///
    /// # Errors
    /// [`AppError::Conflict`] when the key is taken.
    pub async fn create_survey(&self, survey: &Survey) -> Result<SurveySummary, AppError> {
        let stored = self.store.create_survey(survey).await?;
        Ok(SurveySummary {
            survey: stored.survey,
            responses: 0,
            created_at: stored.created_at.to_rfc3339(),
            updated_at: stored.updated_at.to_rfc3339(),
        })
    }

    /// Replaces an existing survey's definition. With `version` (the `updated_at` of the
    /// [`SurveySummary`] the change was made on), only if nobody changed the survey since.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown key; [`AppError::Invalid`] for a version that is
    /// no time; [`AppError::Conflict`] when a question with answers would change kind;
    /// [`AppError::Stale`] when the survey changed after `version`.
    pub async fn update_survey(
        &self,
        survey: &Survey,
        version: Option<&str>,
    ) -> Result<SurveySummary, AppError> {
        let expected = match version.map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => Some(
                chrono::DateTime::parse_from_rfc3339(text)
                    .map_err(|e| {
                        AppError::invalid(
                            "version",
                            format!("{text:?} is not the updated_at of a survey ({e})"),
                        )
                    })?
                    .timestamp_micros(),
            ),
        };
        self.store.update_survey(survey, expected).await?;
        self.survey(survey.key.as_str()).await
    }

    /// One survey.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown key.
    pub async fn survey(&self, key: &str) -> Result<SurveySummary, AppError> {
        let stored = self.store.survey(key).await?;
        let responses = self.store.response_count(Some(key)).await?;
        Ok(SurveySummary {
            survey: stored.survey,
            responses,
            created_at: stored.created_at.to_rfc3339(),
            updated_at: stored.updated_at.to_rfc3339(),
        })
    }

    /// Every survey.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn surveys(&self) -> Result<Vec<SurveySummary>, AppError> {
        let mut out = Vec::new();
        for stored in self.store.surveys().await? {
            let responses = self
                .store
                .response_count(Some(stored.survey.key.as_str()))
                .await?;
            out.push(SurveySummary {
                survey: stored.survey,
                responses,
                created_at: stored.created_at.to_rfc3339(),
                updated_at: stored.updated_at.to_rfc3339(),
            });
        }
        Ok(out)
    }

    /// Deletes a survey without responses.
    ///
    /// # Errors
    /// [`AppError::NotFound`], or [`AppError::Conflict`] when it has responses.
    pub async fn delete_survey(&self, key: &str) -> Result<(), AppError> {
        Ok(self.store.delete_survey(key).await?)
    }
}
