//! Survey endpoints.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cxm_app::{App, Role, SurveySummary};
use cxm_domain::Survey;

use crate::auth::Caller;
use crate::{ApiError, AppState};

fn parse_survey(body: &[u8]) -> Result<Survey, ApiError> {
    Ok(App::parse_survey_json(body)?)
}

/// Every survey with its response count.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = [SurveySummary]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<SurveySummary>>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(state.app.surveys().await?))
}

/// Creates a survey.
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])), request_body = Survey,
    responses((status = 201, body = SurveySummary), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<SurveySummary>), ApiError> {
    caller.require(Role::Analyst)?;
    let survey = parse_survey(&body)?;
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_survey(&survey).await?),
    ))
}

/// One survey.
#[utoipa::path(get, path = "/api/v1/surveys/{key}", tag = "surveys", security(("bearer" = [])),
    params(("key" = String, Path, description = "survey key")),
    responses((status = 200, body = SurveySummary), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(key): Path<String>,
) -> Result<Json<SurveySummary>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(state.app.survey(&key).await?))
}

/// Replaces a survey's definition; the key in the body must match the path. With an
/// `If-Match` header holding the `updated_at` the change was made on, the survey is replaced
/// only if nobody changed it since (409 otherwise).
#[utoipa::path(put, path = "/api/v1/surveys/{key}", tag = "surveys", security(("bearer" = [])), request_body = Survey,
    params(("key" = String, Path, description = "survey key"),
           ("If-Match" = Option<String>, Header, description = "the updated_at of the version edited")),
    responses((status = 200, body = SurveySummary), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(key): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<SurveySummary>, ApiError> {
    caller.require(Role::Analyst)?;
    let survey = parse_survey(&body)?;
    if survey.key.as_str() != key {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!(
                "the body's key {:?} differs from the path's {key:?}",
                survey.key.as_str()
            ),
        )
        .with_field("key"));
    }
    let version = headers
        .get(axum::http::header::IF_MATCH)
        .map(|v| {
            v.to_str()
                .map(|v| {
                    v.trim()
                        .trim_start_matches("W/")
                        .trim_matches('"')
                        .to_owned()
                })
                .map_err(|_| ApiError::malformed("If-Match is not text"))
        })
        .transpose()?;
    Ok(Json(
        state.app.update_survey(&survey, version.as_deref()).await?,
    ))
}

/// Deletes a survey that has no responses.
#[utoipa::path(delete, path = "/api/v1/surveys/{key}", tag = "surveys", security(("bearer" = [])),
    params(("key" = String, Path, description = "survey key")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    state.app.delete_survey(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}
