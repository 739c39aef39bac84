//! The responses explorer: a page of responses as listed by [`App::responses`], each with its
//! comments' sentiment and themes, and one response by its public id.

use cxm_domain::QuestionKind;
use cxm_store::{ResponseFilter, StoredResponse};

use crate::{App, AppError, CommentInput, CommentView, ResponseListInput};

/// A response with the analysis of its comments.
#[derive(Debug, Clone)]
pub struct ExploredResponse {
    /// The response.
    pub response: StoredResponse,
    /// Its text answers, analysed: question key and view.
    pub comments: Vec<(String, CommentView)>,
}

impl App {
    /// A page of responses with their comments analysed, and the cursor of the next page.
    ///
    /// # Errors
    /// As [`App::responses`].
    pub async fn explore(
        &self,
        input: &ResponseListInput,
    ) -> Result<(Vec<ExploredResponse>, Option<String>), AppError> {
        let (page, next) = self.responses(input).await?;
        Ok((self.with_comments(page.responses).await?, next))
    }

    /// What the responses of a survey (of every survey when `None`) can be filtered by: name
    /// as a filter key (`touchpoint`, a dimension key, `answer:<question>`) and as shown.
    ///
    /// # Errors
    /// [`AppError::Store`] when the database fails.
    pub async fn response_fields(
        &self,
        survey: Option<&str>,
    ) -> Result<Vec<(String, String)>, AppError> {
        let stored = self.store.surveys().await?;
        let chosen: Vec<&cxm_domain::Survey> = stored
            .iter()
            .map(|s| &s.survey)
            .filter(|s| survey.is_none_or(|key| s.key.as_str() == key))
            .collect();
        self.segment_fields(&chosen).await
    }

    /// One response by its public id.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown id.
    pub async fn explore_one(&self, uid: &str) -> Result<ExploredResponse, AppError> {
        let page = self
            .store
            .responses(&ResponseFilter {
                uid: Some(uid.to_owned()),
                limit: 1,
                ..ResponseFilter::default()
            })
            .await?;
        let found = self.with_comments(page.responses).await?;
        found
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(format!("response {uid:?}")))
    }

    async fn with_comments(
        &self,
        responses: Vec<StoredResponse>,
    ) -> Result<Vec<ExploredResponse>, AppError> {
        let surveys = self.store.surveys().await?;
        let zone = self.config.zone();
        let mut texts: Vec<(usize, String, String)> = Vec::new();
        for (index, response) in responses.iter().enumerate() {
            let Some(survey) = surveys
                .iter()
                .find(|s| s.survey.key.as_str() == response.survey)
            else {
                continue;
            };
            for question in survey
                .survey
                .questions
                .iter()
                .filter(|q| q.kind == QuestionKind::Text)
            {
                if let Some(text) = response
                    .answers
                    .get(question.key.as_str())
                    .and_then(|v| v.as_str())
                    && !text.trim().is_empty()
                {
                    texts.push((index, question.key.to_string(), text.to_owned()));
                }
            }
        }
        let mut explored: Vec<ExploredResponse> = responses
            .into_iter()
            .map(|response| ExploredResponse {
                response,
                comments: Vec::new(),
            })
            .collect();
        let dated: Vec<(String, String)> = texts
            .iter()
            .map(|(index, _, text)| {
                let when = zone
                    .local_time(explored[*index].response.submitted_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string();
                (when, text.clone())
            })
            .collect();
        for ((index, key, _), view) in texts.into_iter().zip(self.comment_views(dated)?) {
            explored[index].comments.push((key, view));
        }
        Ok(explored)
    }

    /// Comments (local time, text) with their sentiment and themes.
    ///
    /// # Errors
    /// As [`App::analyze_comments`], for an overlong comment.
    pub(crate) fn comment_views(
        &self,
        comments: Vec<(String, String)>,
    ) -> Result<Vec<CommentView>, AppError> {
        if comments.is_empty() {
            return Ok(Vec::new());
        }
        let analyses = self.analyze_comments(
            comments
                .iter()
                .map(|(_, text)| CommentInput::Text(text.clone()))
                .collect(),
        )?;
        Ok(comments
            .into_iter()
            .zip(analyses)
            .map(|((submitted_at, text), analysis)| CommentView {
                submitted_at,
                text,
                sentiment: if analysis.analysis.mixed {
                    "mixed"
                } else {
                    analysis.analysis.label.code()
                },
                themes: analysis
                    .analysis
                    .themes
                    .iter()
                    .map(|t| t.theme.clone())
                    .collect(),
            })
            .collect())
    }
}
