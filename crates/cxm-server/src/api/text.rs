//! Comment analysis over HTTP: sentiment and themes for a batch of comments.

use axum::Json;
use axum::extract::State;
use cxm_app::{CommentAnalysis, CommentInput, Role};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::{ApiError, AppState};

/// A batch of comments: strings, or objects with `text` and an optional `id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnalyzeRequest {
    /// 1 to 10,000 comments.
    pub comments: Vec<CommentInput>,
}

/// One analysis per comment, in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnalyzeResponse {
    /// The analyses.
    pub results: Vec<CommentAnalysis>,
}

/// Analyses comments (zh and en): sentiment per clause and comment, mixed comments, themes
/// with aspect sentiment.
#[utoipa::path(post, path = "/api/v1/text/analyze", tag = "text", security(("bearer" = [])),
    request_body = AnalyzeRequest,
    responses((status = 200, body = AnalyzeResponse), (status = 422, body = crate::error::ErrorBody)))]
pub async fn analyze(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    caller.require(Role::Viewer)?;
    let request: AnalyzeRequest = serde_json::from_slice(&body).map_err(|error| {
        ApiError::malformed(format!(
            "the body is not {{\"comments\": [...]}} of strings or {{\"id\", \"text\"}} objects: {error}"
        ))
    })?;
    let app = state.app.clone();
    // Analysis is CPU work: keep it off the async workers.
    let results = tokio::task::spawn_blocking(move || app.analyze_comments(request.comments))
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the analysis did not complete",
            )
        })??;
    Ok(Json(AnalyzeResponse { results }))
}
