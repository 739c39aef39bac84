//! Comment analysis as a use case: a batch of comments in, one analysis each out (sentiment per
//! clause and comment, mixed comments, themes with aspect sentiment), with the configured
//! models and taxonomy (`[text]` in cxm.toml) or the built-in ones, loaded once per process.

use std::sync::OnceLock;

use cxm_text::{Analysis, Analyzer};
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// Comments per request at most.
pub const MAX_COMMENTS: usize = 10_000;

/// Characters per comment at most (longer ones are refused, not cut).
pub const MAX_COMMENT_CHARS: usize = 100_000;

/// One comment to analyse, with the caller's identifier echoed back.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum CommentInput {
    /// Just the text.
    Text(String),
    /// Text with an identifier.
    WithId {
        /// Echoed back as given.
        #[schema(value_type = Object)]
        id: Option<serde_json::Value>,
        /// The comment.
        text: String,
    },
}

/// One comment's analysis.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommentAnalysis {
    /// The identifier given with the comment, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub id: Option<serde_json::Value>,
    /// Language, sentiment, clauses and themes (see `cxm text analyze`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub analysis: Analysis,
}

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::built_in)
}

impl App {
    /// Analyses comments.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for no comments, more than [`MAX_COMMENTS`], or a comment longer
    /// than [`MAX_COMMENT_CHARS`] (naming its index).
    pub fn analyze_comments(
        &self,
        comments: Vec<CommentInput>,
    ) -> Result<Vec<CommentAnalysis>, AppError> {
        if comments.is_empty() || comments.len() > MAX_COMMENTS {
            return Err(AppError::invalid(
                "comments",
                format!("send 1 to {MAX_COMMENTS} comments, not {}", comments.len()),
            ));
        }
        let comments: Vec<(Option<serde_json::Value>, String)> = comments
            .into_iter()
            .map(|c| match c {
                CommentInput::Text(text) => (None, text),
                CommentInput::WithId { id, text } => (id, text),
            })
            .collect();
        if let Some(index) = comments
            .iter()
            .position(|(_, text)| text.chars().count() > MAX_COMMENT_CHARS)
        {
            return Err(AppError::invalid(
                format!("comments[{index}].text"),
                format!("longer than {MAX_COMMENT_CHARS} characters"),
            ));
        }
        let analyzer = match &self.config().text {
            Some(configured) => configured.as_ref(),
            None => analyzer(),
        };
        Ok(comments
            .into_iter()
            .map(|(id, text)| CommentAnalysis {
                id,
                analysis: analyzer.analyze(&text),
            })
            .collect())
    }

    /// The themes of the taxonomy in use: id → (Chinese name, English name), for showing a
    /// theme by name.
    pub fn theme_names(&self) -> std::collections::BTreeMap<String, (String, String)> {
        let analyzer = match &self.config().text {
            Some(configured) => configured.as_ref(),
            None => analyzer(),
        };
        analyzer
            .taxonomy()
            .themes
            .iter()
            .map(|t| (t.id.clone(), (t.name_zh.clone(), t.name_en.clone())))
            .collect()
    }
}
