//! Files in and out over HTTP: imports of other tools' exports (multipart upload, the same use
//! case as `cxm import`), response exports, and the live feeds pushed by 问卷星 and by systems
//! that sign with Standard Webhooks (those authenticate by signature, not by token).

use axum::Json;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cxm_app::{ExportFormat, ImportOptions, IngestReport, Role, WebhookHeaders};
use cxm_domain::SurveyKey;
use cxm_formats::Format;

use crate::api::{query_pairs, single};
use crate::auth::Caller;
use crate::upload::{Upload, mapping_of};
use crate::{ApiError, AppState};

/// Imports an export file (CSV/TSV in UTF-8, UTF-16 or GBK; XLSX; XLS) sent as the multipart
/// field `file`, with an optional TOML `mapping` field. Query: `survey`, `format`
/// (auto, qualtrics, surveymonkey, wjx, delighted, formbricks, limesurvey, generic),
/// `dry_run`, `skip_invalid`, `keep_ip`, `submitted_at` (the time of rows the file gives
/// none; overrides the mapping's), `sheet` (a workbook's sheet; default the first that holds
/// anything). Returns the import report: the detected format and
/// encoding, each column and what it becomes, counts, and every problem with row and column.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])),
    params(("survey" = Option<String>, Query, description = "the survey to import into; default from the file name"),
           ("format" = Option<String>, Query, description = "the export's format; default auto"),
           ("dry_run" = Option<bool>, Query, description = "only report"),
           ("skip_invalid" = Option<bool>, Query, description = "import the valid rows"),
           ("keep_ip" = Option<bool>, Query, description = "keep IP addresses"),
           ("submitted_at" = Option<String>, Query, description = "the submission time of rows the file gives none, e.g. 2024-06-30"),
           ("sheet" = Option<String>, Query, description = "the workbook's sheet to read; default the first that holds anything")),
    request_body(content_type = "multipart/form-data", description = "fields file and (optional) mapping"),
    responses((status = 200, description = "the import report", body = Object),
              (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
    mut multipart: Multipart,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Analyst)?;
    let pairs = query_pairs(query.as_deref())?;
    let flag = |name: &str| single(&pairs, &[name]).is_some_and(|v| v == "true" || v == "1");
    let format = match single(&pairs, &["format"]).as_deref() {
        None | Some("auto") => None,
        Some(name) => Some(
            Format::parse(name)
                .ok_or_else(|| ApiError::malformed(format!("format {name:?} is unknown")))?,
        ),
    };
    let survey = single(&pairs, &["survey"])
        .map(|key| SurveyKey::parse(&key))
        .transpose()
        .map_err(|e| ApiError::malformed(format!("survey: {}", e.message)))?;
    let upload = Upload::read(&mut multipart)
        .await
        .map_err(unreadable_upload)?;
    let submitted_at = single(&pairs, &["submitted_at"]).unwrap_or_default();
    let sheet = single(&pairs, &["sheet"]).unwrap_or_default();
    let mapping =
        mapping_of(upload.field("mapping"), &submitted_at, &sheet).map_err(ApiError::malformed)?;
    let file = upload
        .file
        .ok_or_else(|| ApiError::malformed("send the export as the multipart field \"file\""))?;
    let options = ImportOptions {
        survey,
        format,
        mapping,
        dry_run: flag("dry_run"),
        skip_invalid: flag("skip_invalid"),
        keep_ip: flag("keep_ip"),
        ..ImportOptions::default()
    };
    let report = state.app.import(file, options).await?;
    Ok(Json(
        serde_json::to_value(report).map_err(|e| ApiError::malformed(e.to_string()))?,
    ))
}

/// The refusal of an upload that could not be received whole.
pub(crate) fn unreadable_upload(error: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::malformed(format!("the upload cannot be read: {error}"))
}

/// A survey's responses as a wide file: `format` csv (default) or xlsx, `lang` en (default)
/// or zh for headers and option labels.
#[utoipa::path(get, path = "/api/v1/surveys/{key}/export", tag = "imports", security(("bearer" = [])),
    params(("key" = String, Path, description = "survey key"),
           ("format" = Option<String>, Query, description = "csv or xlsx"),
           ("lang" = Option<String>, Query, description = "en or zh")),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer)?;
    let pairs = query_pairs(query.as_deref())?;
    let (format, content_type, extension) = match single(&pairs, &["format"]).as_deref() {
        None | Some("csv") => (ExportFormat::Csv, "text/csv; charset=utf-8", "csv"),
        Some("xlsx") => (
            ExportFormat::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Some(other) => {
            return Err(ApiError::malformed(format!(
                "format {other:?}: expected csv or xlsx"
            )));
        }
    };
    let language = single(&pairs, &["lang"]).unwrap_or_else(|| "en".to_owned());
    if !matches!(language.as_str(), "en" | "zh") {
        return Err(ApiError::malformed(format!(
            "lang {language:?}: expected en or zh"
        )));
    }
    let mut bytes = Vec::new();
    state
        .app
        .export_responses(&key, format, &language, &mut bytes)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{key}.{extension}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// 问卷星's data push for `survey` (数据推送): each answer sheet as JSON, checked against
/// `sign = sha1(activity + index + key)` with the configured push key.
#[utoipa::path(post, path = "/api/v1/feeds/wjx/{survey}", tag = "imports",
    params(("survey" = String, Path, description = "survey key")),
    responses((status = 200, body = IngestReport), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn wjx_push(
    State(state): State<AppState>,
    Path(survey): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<IngestReport>, ApiError> {
    Ok(Json(state.app.wjx_push(&survey, &body).await?))
}

/// Responses pushed with a Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`); the body is one response or `{"responses": [...]}`.
#[utoipa::path(post, path = "/api/v1/feeds/webhook", tag = "imports",
    responses((status = 200, body = IngestReport), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<IngestReport>), ApiError> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let signed = WebhookHeaders {
        id: get("webhook-id"),
        timestamp: get("webhook-timestamp"),
        signature: get("webhook-signature"),
    };
    Ok((
        StatusCode::OK,
        Json(state.app.signed_webhook(&signed, &body).await?),
    ))
}
