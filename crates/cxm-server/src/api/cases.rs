//! Cases over HTTP: complaints in (one, or a file of history), lists (overdue first, with filters), one case with its
//! timeline, actions on a case, scorecards, the escalation sweep.

use axum::Json;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use cxm_app::{CaseAction, CaseFilter, CaseView, ComplaintInput, Role};
use cxm_domain::{CaseStatus, Priority};

use crate::api::{query_pairs, single};
use crate::auth::Caller;
use crate::upload::Upload;
use crate::{ApiError, AppState};

pub(crate) fn body<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not {what}: {e}")))
}

/// Opens a complaint case (from any channel), routed by the rules.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = ComplaintInput,
    responses((status = 201, body = CaseView), (status = 422, body = crate::error::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    Caller(caller): Caller,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    caller.require(Role::Analyst)?;
    let complaint: ComplaintInput = body(&bytes, "a complaint")?;
    let case = state.app.open_complaint(complaint, "api").await?;
    Ok((
        StatusCode::CREATED,
        Json(CaseView::of(
            case,
            Vec::new(),
            state.app.config().cases.recovery_survey.as_deref(),
        )),
    ))
}

/// Imports a file of complaints (CSV/TSV in UTF-8 or GBK, XLSX, XLS) sent as the multipart
/// field `file`: a case per row, as `cxm cases import` stores them (received and closed times,
/// closed statuses as closed history, an id column making a second import change nothing).
/// Query: `summary`, the column holding the complaint's text when it has another name. Every
/// row is checked first; all cases are stored, or none.
#[utoipa::path(post, path = "/api/v1/cases/import", tag = "cases", security(("bearer" = [])),
    params(("summary" = Option<String>, Query, description = "the column holding the complaint's text")),
    request_body(content_type = "multipart/form-data", description = "field file"),
    responses((status = 200, description = "counts of what was stored (`stored`, `open`, `closed`, `routed`, `skipped`) and the stored cases' `uids`", body = Object),
              (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
    mut multipart: Multipart,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Analyst)?;
    let pairs = query_pairs(query.as_deref())?;
    let summary = single(&pairs, &["summary"]);
    let upload = Upload::read(&mut multipart)
        .await
        .map_err(crate::api::imports::unreadable_upload)?;
    let file = upload.file.ok_or_else(|| {
        ApiError::malformed("send the complaints as the multipart field \"file\"")
    })?;
    let imported = state
        .app
        .import_complaints(&file, summary.as_deref())
        .await?;
    Ok(Json(serde_json::json!({
        "stored": imported.cases.len(),
        "open": imported.open(),
        "closed": imported.closed(),
        "routed": imported.routed(),
        "skipped": imported.skipped,
        "uids": imported.cases.iter().map(|c| c.uid.as_str()).collect::<Vec<_>>(),
    })))
}

/// Cases, overdue first: `department` (key), `assignee` (user id), `open=true`, `status`,
/// `priority`, `theme`, `touchpoint`, `complaints=true`, `limit`.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    params(("department" = Option<String>, Query), ("assignee" = Option<i64>, Query), ("open" = Option<bool>, Query),
        ("status" = Option<String>, Query), ("priority" = Option<String>, Query), ("theme" = Option<String>, Query),
        ("touchpoint" = Option<String>, Query), ("complaints" = Option<bool>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, body = [CaseView])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    caller.require(Role::Viewer)?;
    let pairs = query_pairs(query.as_deref())?;
    let mut filter = CaseFilter {
        open_only: single(&pairs, &["open"]).is_some_and(|v| v == "true"),
        complaints_only: single(&pairs, &["complaints"]).is_some_and(|v| v == "true"),
        theme: single(&pairs, &["theme"]),
        touchpoint: single(&pairs, &["touchpoint"]),
        status: single(&pairs, &["status"])
            .map(|v| CaseStatus::parse(&v))
            .transpose()
            .map_err(cxm_app::AppError::from)?,
        priority: single(&pairs, &["priority"])
            .map(|v| Priority::parse(&v))
            .transpose()
            .map_err(cxm_app::AppError::from)?,
        limit: single(&pairs, &["limit"])
            .map(|v| {
                v.parse::<u32>()
                    .map_err(|_| ApiError::malformed("limit is a count"))
            })
            .transpose()?,
        ..CaseFilter::default()
    };
    if let Some(key) = single(&pairs, &["department"]) {
        filter
            .departments
            .push(state.app.department(&key).await?.id);
    }
    if let Some(user) = single(&pairs, &["assignee"]) {
        filter.assignee = Some(
            user.parse()
                .map_err(|_| ApiError::malformed("assignee is a user id"))?,
        );
    }
    let cases = state.app.cases(&filter).await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|c| {
                CaseView::of(
                    c,
                    Vec::new(),
                    state.app.config().cases.recovery_survey.as_deref(),
                )
            })
            .collect(),
    ))
}

/// One case with its timeline.
#[utoipa::path(get, path = "/api/v1/cases/{uid}", tag = "cases", security(("bearer" = [])),
    params(("uid" = String, Path, description = "case id")),
    responses((status = 200, body = CaseView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(uid): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(Role::Viewer)?;
    let (case, events) = state.app.case(&uid).await?;
    Ok(Json(CaseView::of(
        case,
        events,
        state.app.config().cases.recovery_survey.as_deref(),
    )))
}

/// Acts on a case: `{"action": "assign", "user_id": 3}`, `start`, `note`, `contact`,
/// `resolve` (root cause required), `close`, `reopen`.
#[utoipa::path(post, path = "/api/v1/cases/{uid}/actions", tag = "cases", security(("bearer" = [])),
    params(("uid" = String, Path, description = "case id")), request_body = CaseAction,
    responses((status = 200, body = CaseView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(uid): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(Role::Analyst)?;
    let action: CaseAction = body(&bytes, "a case action")?;
    state
        .app
        .act_on_case(&uid, &format!("token:{}", caller.token_id), action)
        .await?;
    let (case, events) = state.app.case(&uid).await?;
    Ok(Json(CaseView::of(
        case,
        events,
        state.app.config().cases.recovery_survey.as_deref(),
    )))
}

/// Escalates every open case past a due time now (`cxm serve` also does this every minute).
#[utoipa::path(post, path = "/api/v1/cases/escalations", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = [CaseView])))]
pub async fn escalate(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    caller.require(Role::Admin)?;
    let cases = state
        .app
        .escalate_overdue(chrono::Utc::now().timestamp_micros())
        .await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|c| {
                CaseView::of(
                    c,
                    Vec::new(),
                    state.app.config().cases.recovery_survey.as_deref(),
                )
            })
            .collect(),
    ))
}

/// Scorecards of the cases opened from `since` to `until` (default: the last 90 days): all
/// cases first, then each department, touchpoint or theme (`by`).
#[utoipa::path(get, path = "/api/v1/cases/scorecard", tag = "cases", security(("bearer" = [])),
    params(("since" = Option<String>, Query, description = "YYYY-MM-DD"), ("until" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("by" = Option<String>, Query, description = "department (default), touchpoint or theme")),
    responses((status = 200, body = [cxm_app::Scorecard])))]
pub async fn scorecard(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<cxm_app::Scorecard>>, ApiError> {
    caller.require(Role::Viewer)?;
    let pairs = query_pairs(query.as_deref())?;
    let date = |key: &str| -> Result<Option<chrono::NaiveDate>, ApiError> {
        single(&pairs, &[key])
            .map(|v| {
                chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map_err(|_| ApiError::malformed(format!("{key} {v:?} is not YYYY-MM-DD")))
            })
            .transpose()
    };
    let until = date("until")?.unwrap_or_else(|| state.app.config().zone().today());
    let since = date("since")?.unwrap_or(until - chrono::Duration::days(89));
    let by = single(&pairs, &["by"])
        .map(|v| cxm_app::ScorecardBy::parse(&v))
        .transpose()?
        .unwrap_or_default();
    Ok(Json(state.app.scorecards_by(since, until, by, None).await?))
}
