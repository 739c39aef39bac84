//! Response endpoints: ingest one or a batch, list with filters and a cursor.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use cxm_app::{IngestReport, MAX_BATCH, Problem, ResponseListInput, Role};
use cxm_domain::ResponseInput;
use serde::Serialize;
use utoipa::ToSchema;

use super::{prefixed, query_pairs, single, values};
use crate::auth::Caller;
use crate::{ApiError, AppState};

/// A batch of responses.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ResponseBatch {
    /// Up to 10,000 responses, stored all or none.
    pub responses: Vec<ResponseInput>,
}

/// A stored response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseView {
    /// Public id.
    pub id: String,
    /// Survey key.
    pub survey: String,
    /// Source of `source_id`.
    pub source: String,
    /// The id in its source.
    pub source_id: String,
    /// Submission time, RFC 3339 UTC.
    pub submitted_at: String,
    /// Channel.
    pub channel: String,
    /// Touchpoint.
    pub touchpoint: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Dimensions.
    pub dimensions: BTreeMap<String, String>,
    /// Customer external id.
    pub customer: Option<String>,
    /// Complete or partial.
    pub complete: bool,
    /// Answers by item key.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// A page of responses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseList {
    /// Newest first.
    pub responses: Vec<ResponseView>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Stores one response (a response object) or a batch (`{"responses": [...]}`), all or none;
/// re-sending the same source and id updates instead of duplicating.
#[utoipa::path(post, path = "/api/v1/responses", tag = "responses", security(("bearer" = [])),
    request_body(content = ResponseBatch, description = "a batch, or a single response object"),
    responses((status = 200, body = IngestReport), (status = 400, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn ingest(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<Json<IngestReport>, ApiError> {
    caller.require(Role::Analyst)?;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::malformed(format!("the body is not JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Object(mut object) if object.contains_key("responses") => {
            match object.remove("responses") {
                Some(serde_json::Value::Array(items)) => items,
                _ => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "responses must be an array",
                    )
                    .with_field("responses"));
                }
            }
        }
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(ApiError::malformed(
                "send a response object or {\"responses\": [...]}",
            ));
        }
    };
    if items.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "a batch of {} responses; send at most {MAX_BATCH} per request",
                items.len()
            ),
        )
        .with_field("responses"));
    }
    let mut inputs = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<ResponseInput>(item) {
            Ok(input) => inputs.push(input),
            Err(error) => problems.push(Problem {
                row: Some(index as u64 + 1),
                field: String::new(),
                message: error.to_string(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(cxm_app::AppError::Invalid(problems).into());
    }
    let rows: Vec<u64> = (1..=inputs.len() as u64).collect();
    Ok(Json(state.app.ingest(&inputs, &rows).await?))
}

/// Lists responses, newest first. Filters: `survey`, `since`, `until`, `channel`,
/// `touchpoint`, `dimension.KEY`, `answer.QUESTION` (an option chosen, by key or label);
/// paging: `limit` (≤ 1000), `cursor`.
#[utoipa::path(get, path = "/api/v1/responses", tag = "responses", security(("bearer" = [])),
    params(("survey" = Option<String>, Query), ("since" = Option<String>, Query), ("until" = Option<String>, Query),
        ("channel" = Option<String>, Query), ("touchpoint" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ResponseList), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<ResponseList>, ApiError> {
    caller.require(Role::Viewer)?;
    let pairs = query_pairs(raw.as_deref())?;
    let limit = match single(&pairs, &["limit"]) {
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("limit {text:?} is not a number"),
            )
            .with_field("limit")
        })?),
        None => None,
    };
    let input = ResponseListInput {
        survey: single(&pairs, &["survey"]),
        since: single(&pairs, &["since"]),
        until: single(&pairs, &["until"]),
        channels: values(&pairs, &["channel", "channels"]),
        touchpoints: values(&pairs, &["touchpoint", "touchpoints"]),
        dimensions: prefixed(&pairs, &["dimension", "dimensions"]),
        answers: prefixed(&pairs, &["answer", "answers"]),
        cursor: single(&pairs, &["cursor"]),
        limit,
    };
    let (page, next_cursor) = state.app.responses(&input).await?;
    let responses = page
        .responses
        .into_iter()
        .map(|r| ResponseView {
            id: r.uid,
            survey: r.survey,
            source: r.source,
            source_id: r.source_id,
            submitted_at: r
                .submitted_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            channel: r.channel,
            touchpoint: r.touchpoint,
            language: r.language,
            dimensions: r.dimensions,
            customer: r.customer,
            complete: r.complete,
            answers: r.answers,
        })
        .collect();
    Ok(Json(ResponseList {
        responses,
        next_cursor,
    }))
}
