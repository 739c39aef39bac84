//! Cases over HTTP: complaints in, lists (overdue first), one case with its timeline, actions
//! on a case; departments, routing rules and SLA policies (admins); the escalation sweep.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use cxm_app::{CaseAction, CaseFilter, CaseView, ComplaintInput, Role, RoutingRule};
use cxm_domain::{Priority, RoutingConditions};
use serde::Deserialize;

use crate::api::{query_pairs, single};
use crate::auth::Caller;
use crate::{ApiError, AppState};

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
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

/// Cases, overdue first: `department` (key), `assignee` (user id), `open=true`.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
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

/// A new department.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// Key, e.g. `logistics`.
    pub key: String,
    /// Name.
    pub name: String,
    /// The manager's user id.
    #[serde(default)]
    pub manager_user_id: Option<i64>,
    /// Members' user ids.
    #[serde(default)]
    pub members: Vec<i64>,
}

/// Adds a department.
#[utoipa::path(post, path = "/api/v1/departments", tag = "cases", security(("bearer" = [])), request_body = DepartmentInput,
    responses((status = 201, description = "created"), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    Caller(caller): Caller,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    caller.require(Role::Admin)?;
    let input: DepartmentInput = body(&bytes, "a department")?;
    let department = state
        .app
        .create_department(
            &input.key,
            &input.name,
            input.manager_user_id,
            &input.members,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            serde_json::json!({ "id": department.id, "key": department.key, "members": department.members }),
        ),
    ))
}

/// A new routing rule.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// Order: lower first.
    pub position: i64,
    /// Name.
    pub name: String,
    /// When it applies.
    #[serde(default)]
    pub conditions: RoutingConditions,
    /// Department key.
    #[serde(default)]
    pub department: Option<String>,
    /// A fixed assignee.
    #[serde(default)]
    pub assignee_user_id: Option<i64>,
    /// `round_robin` (default) or `least_loaded`.
    #[serde(default)]
    pub assignment: Option<String>,
    /// A priority to set.
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// Adds a routing rule.
#[utoipa::path(post, path = "/api/v1/routing-rules", tag = "cases", security(("bearer" = [])), request_body = RuleInput,
    responses((status = 201, description = "created"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_rule(
    State(state): State<AppState>,
    Caller(caller): Caller,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    caller.require(Role::Admin)?;
    let input: RuleInput = body(&bytes, "a routing rule")?;
    let department_id = match &input.department {
        None => None,
        Some(key) => Some(state.app.department(key).await?.id),
    };
    let id = state
        .app
        .create_rule(RoutingRule {
            id: 0,
            position: input.position,
            name: input.name,
            conditions: input.conditions,
            department_id,
            assignee_user_id: input.assignee_user_id,
            assignment: input.assignment.unwrap_or_else(|| "round_robin".to_owned()),
            priority: input.priority,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// An SLA policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaInput {
    /// Minutes to the first response.
    pub first_response_minutes: i64,
    /// Minutes to resolution.
    pub resolution_minutes: i64,
}

/// Sets the SLA of a priority.
#[utoipa::path(put, path = "/api/v1/sla/{priority}", tag = "cases", security(("bearer" = [])),
    params(("priority" = String, Path, description = "low, normal, high or urgent")), request_body = SlaInput,
    responses((status = 204, description = "set"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_sla(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(priority): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    let priority = Priority::parse(&priority).map_err(cxm_app::AppError::from)?;
    let input: SlaInput = body(&bytes, "an SLA policy")?;
    state
        .app
        .set_sla(
            priority,
            input.first_response_minutes,
            input.resolution_minutes,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
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

/// Department scorecards of the cases opened from `since` to `until` (default: the last 90
/// days): all cases first, then each department.
#[utoipa::path(get, path = "/api/v1/cases/scorecard", tag = "cases", security(("bearer" = [])),
    params(("since" = Option<String>, Query, description = "YYYY-MM-DD"), ("until" = Option<String>, Query, description = "YYYY-MM-DD")),
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
    Ok(Json(state.app.scorecards(since, until).await?))
}

/// The routing rules, in the order they are tried.
#[utoipa::path(get, path = "/api/v1/routing-rules", tag = "cases", security(("bearer" = [])),
    responses((status = 200, description = "the rules")))]
pub async fn list_rules(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Viewer)?;
    let rules: Vec<serde_json::Value> = state
        .app
        .rules()
        .await?
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id, "position": r.position, "name": r.name, "conditions": r.conditions,
                "department_id": r.department_id, "assignee_user_id": r.assignee_user_id,
                "assignment": r.assignment, "priority": r.priority,
            })
        })
        .collect();
    Ok(Json(serde_json::Value::Array(rules)))
}

/// Removes a routing rule (add it again at another position to reorder).
#[utoipa::path(delete, path = "/api/v1/routing-rules/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "rule id")),
    responses((status = 204, description = "removed"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_rule(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    state.app.delete_rule(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
