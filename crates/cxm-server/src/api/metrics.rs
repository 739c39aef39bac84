//! The metrics endpoint, by query string (for links and curl) or JSON body.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use cxm_app::{MetricQueryInput, MetricsResult, Role};

use super::{prefixed, query_pairs, single, values};
use crate::auth::Caller;
use crate::{ApiError, AppState};

/// Metrics by query string: `metrics=nps,csat&group_by=region&grain=month&compare=yoy`, plus
/// `surveys`, `since`, `until`, `channels`, `touchpoints`, `dimension.KEY`, `customer.KEY`,
/// `answer.QUESTION` (options chosen, by key or label), `confidence`, `min_n`, `complete_only`;
/// `group_by=answer:QUESTION` breaks down by a choice question's answer. The case loop's metrics (`cases`, `complaints`,
/// `complaint_rate`, `first_response_hours`, `resolution_hours`, `sla_compliance`,
/// `reopen_rate`, `recovery_rate`) are asked for the same way, by `department`, `touchpoint` or
/// `theme` and `grain`.
#[utoipa::path(get, path = "/api/v1/metrics", tag = "metrics", security(("bearer" = [])),
    params(("metrics" = String, Query, description = "comma list, e.g. nps,csat@4,mean:ease"),
        ("surveys" = Option<String>, Query), ("since" = Option<String>, Query), ("until" = Option<String>, Query),
        ("group_by" = Option<String>, Query), ("grain" = Option<String>, Query), ("compare" = Option<String>, Query)),
    responses((status = 200, body = MetricsResult), (status = 422, body = crate::error::ErrorBody)))]
pub async fn query_string(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<MetricsResult>, ApiError> {
    caller.require(Role::Viewer)?;
    let pairs = query_pairs(raw.as_deref())?;
    let number = |key: &str| -> Result<Option<f64>, ApiError> {
        single(&pairs, &[key])
            .map(|text| {
                text.parse::<f64>().map_err(|_| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        format!("{key} {text:?} is not a number"),
                    )
                    .with_field(key)
                })
            })
            .transpose()
    };
    let to_map = |list: Vec<(String, Vec<String>)>| list.into_iter().collect::<BTreeMap<_, _>>();
    let input = MetricQueryInput {
        metrics: values(&pairs, &["metrics", "metric"]),
        surveys: values(&pairs, &["surveys", "survey"]),
        since: single(&pairs, &["since"]),
        until: single(&pairs, &["until"]),
        channels: values(&pairs, &["channels", "channel"]),
        touchpoints: values(&pairs, &["touchpoints", "touchpoint"]),
        dimensions: to_map(prefixed(&pairs, &["dimension", "dimensions"])),
        customer: to_map(prefixed(&pairs, &["customer"])),
        answers: to_map(prefixed(&pairs, &["answer", "answers"])),
        group_by: values(&pairs, &["group_by", "by"]),
        grain: single(&pairs, &["grain"]),
        compare: values(&pairs, &["compare"]),
        confidence: number("confidence")?,
        min_n: number("min_n")?.map(|n| n.max(0.0) as u64),
        complete_only: single(&pairs, &["complete_only"]).is_some_and(|v| v == "true" || v == "1"),
    };
    run(&state, &input).await
}

/// Metrics by JSON body.
#[utoipa::path(post, path = "/api/v1/metrics", tag = "metrics", security(("bearer" = [])), request_body = MetricQueryInput,
    responses((status = 200, body = MetricsResult), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn query_body(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<Json<MetricsResult>, ApiError> {
    caller.require(Role::Viewer)?;
    let input: MetricQueryInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::malformed(format!("the metric query is not valid JSON: {e}")))?;
    run(&state, &input).await
}

async fn run(state: &AppState, input: &MetricQueryInput) -> Result<Json<MetricsResult>, ApiError> {
    if cxm_app::is_case_query(input) {
        return Ok(Json(state.app.case_metrics(input).await?));
    }
    let query = input.parse(state.app.config())?;
    Ok(Json(state.app.metrics(&query).await?))
}
