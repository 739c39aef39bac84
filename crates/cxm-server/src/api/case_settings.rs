//! The settings of the case loop over HTTP (admins): departments, ordered routing rules
//! (added, edited in place, removed), SLA policies per priority, the monthly volumes complaint
//! rates are measured against, and how each user is reached personally.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use cxm_app::{Role, RoutingRule, VolumeInput};
use cxm_domain::{Contacts, Priority, RoutingConditions};
use serde::Deserialize;

use crate::api::cases::body;
use crate::auth::Caller;
use crate::upload::Upload;
use crate::{ApiError, AppState};

/// A department as the API shows it.
fn department_json(d: &cxm_app::Department) -> serde_json::Value {
    serde_json::json!({ "id": d.id, "key": d.key, "name": d.name, "manager_user_id": d.manager_user_id, "members": d.members })
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
    Ok((StatusCode::CREATED, Json(department_json(&department))))
}

/// A department's name, manager and members.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentUpdate {
    /// Name.
    pub name: String,
    /// The manager's user id.
    #[serde(default)]
    pub manager_user_id: Option<i64>,
    /// Members' user ids (replacing the current ones).
    #[serde(default)]
    pub members: Vec<i64>,
}

/// Renames a department, sets its manager and replaces its members.
#[utoipa::path(put, path = "/api/v1/departments/{key}", tag = "cases", security(("bearer" = [])),
    params(("key" = String, Path, description = "department key")), request_body = DepartmentUpdate,
    responses((status = 200, description = "the department"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_department(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(key): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Admin)?;
    let input: DepartmentUpdate = body(&bytes, "a department")?;
    let d = state
        .app
        .update_department(&key, &input.name, input.manager_user_id, &input.members)
        .await?;
    Ok(Json(department_json(&d)))
}

/// A routing rule, new or edited.
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
    let id = state
        .app
        .create_rule(rule_of(&state, 0, input).await?)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

async fn rule_of(state: &AppState, id: i64, input: RuleInput) -> Result<RoutingRule, ApiError> {
    let department_id = match &input.department {
        None => None,
        Some(key) => Some(state.app.department(key).await?.id),
    };
    Ok(RoutingRule {
        id,
        position: input.position,
        name: input.name,
        conditions: input.conditions,
        department_id,
        assignee_user_id: input.assignee_user_id,
        assignment: input.assignment.unwrap_or_else(|| "round_robin".to_owned()),
        priority: input.priority,
    })
}

/// Changes a routing rule in place (position, name, conditions, routing).
#[utoipa::path(put, path = "/api/v1/routing-rules/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "rule id")), request_body = RuleInput,
    responses((status = 204, description = "changed"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_rule(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<i64>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    let input: RuleInput = body(&bytes, "a routing rule")?;
    state
        .app
        .update_rule(rule_of(&state, id, input).await?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
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

/// Removes a routing rule.
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

/// The departments with their managers and members.
#[utoipa::path(get, path = "/api/v1/departments", tag = "cases", security(("bearer" = [])),
    responses((status = 200, description = "the departments")))]
pub async fn list_departments(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Viewer)?;
    let list: Vec<serde_json::Value> = state
        .app
        .departments()
        .await?
        .into_iter()
        .map(|d| department_json(&d))
        .collect();
    Ok(Json(serde_json::Value::Array(list)))
}

/// The SLA of every priority (minutes), stored or default.
#[utoipa::path(get, path = "/api/v1/sla", tag = "cases", security(("bearer" = [])),
    responses((status = 200, description = "first-response and resolution minutes per priority")))]
pub async fn list_sla(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Viewer)?;
    let list: Vec<serde_json::Value> = state
        .app
        .slas()
        .await?
        .into_iter()
        .map(|(priority, first, resolution)| serde_json::json!({ "priority": priority, "first_response_minutes": first, "resolution_minutes": resolution }))
        .collect();
    Ok(Json(serde_json::Value::Array(list)))
}

/// Records monthly volumes (orders, customers; overall or per touchpoint) that complaint
/// rates are measured against; all entries or, when one is wrong, none.
#[utoipa::path(put, path = "/api/v1/volumes", tag = "cases", security(("bearer" = [])), request_body = [VolumeInput],
    responses((status = 200, description = "how many were recorded"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_volumes(
    State(state): State<AppState>,
    Caller(caller): Caller,
    bytes: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Admin)?;
    let input: Vec<VolumeInput> = body(&bytes, "a list of volumes")?;
    let recorded = state.app.set_volumes(&input).await?;
    Ok(Json(serde_json::json!({ "recorded": recorded })))
}

/// Records monthly volumes from a file sent as the multipart field `file`: CSV/TSV in UTF-8 or
/// GBK, XLSX or XLS, with a month column (`month`, `月份`), orders and/or customers (`orders`,
/// `订单数`; `customers`, `客户数`) and optionally a touchpoint, as `cxm cases volumes` reads
/// it; all rows or, when one is wrong, none.
#[utoipa::path(post, path = "/api/v1/volumes/import", tag = "cases", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field file"),
    responses((status = 200, description = "how many were recorded"), (status = 400, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_volumes(
    State(state): State<AppState>,
    Caller(caller): Caller,
    mut multipart: Multipart,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Role::Admin)?;
    let upload = Upload::read(&mut multipart)
        .await
        .map_err(crate::api::imports::unreadable_upload)?;
    let file = upload
        .file
        .ok_or_else(|| ApiError::malformed("send the volumes as the multipart field \"file\""))?;
    let recorded = state.app.import_volumes(&file).await?;
    Ok(Json(serde_json::json!({ "recorded": recorded })))
}

/// Sets how a user is reached personally: email, mobile, WeCom, DingTalk, Feishu and Slack ids
/// (for personal email and @-mentions).
#[utoipa::path(put, path = "/api/v1/users/{name}/contacts", tag = "cases", security(("bearer" = [])),
    params(("name" = String, Path, description = "user name")), request_body = Contacts,
    responses((status = 204, description = "set"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_contacts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    let contacts: Contacts = body(&bytes, "contacts")?;
    state.app.set_contacts(&name, contacts).await?;
    Ok(StatusCode::NO_CONTENT)
}
