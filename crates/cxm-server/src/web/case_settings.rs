//! The case settings page (admins): the departments (name, manager, members), the ordered
//! routing rules, each edited in place or removed, a form for a new one, and the SLA policy of
//! every priority.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cxm_app::{AppError, Role, RoutingRule};
use cxm_domain::{Priority, RoutingConditions};

use crate::AppState;
use crate::web::cases::priority_label;
use crate::web::i18n::Lang;
use crate::web::session::SignedInUser;
use crate::web::{checked_form, error_text, form_field, form_status, message, render, switch_url};

/// A rule as its form shows it.
struct RuleForm {
    id: i64,
    position: i64,
    name: String,
    themes: String,
    touchpoints: String,
    surveys: String,
    dimensions: String,
    min_score: String,
    max_score: String,
    department: String,
    assignee: String,
    assignment: String,
    priority: String,
}

struct DepartmentForm {
    key: String,
    name: String,
    manager: String,
    members: String,
}

struct SlaRow {
    priority: String,
    label: &'static str,
    first: i64,
    resolution: i64,
}

#[derive(Template)]
#[template(path = "case_settings.html")]
struct SettingsPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    rules: Vec<RuleForm>,
    blank: RuleForm,
    departments: Vec<(String, String)>,
    users: Vec<(String, String)>,
    priorities: Vec<(String, &'static str)>,
    slas: Vec<SlaRow>,
    department_forms: Vec<DepartmentForm>,
    error: Option<String>,
}

fn joined(values: &[String]) -> String {
    values.join(", ")
}

/// `region=华北|华东; store=S001` from a rule's dimension conditions.
fn dimensions_text(dimensions: &BTreeMap<String, Vec<String>>) -> String {
    dimensions
        .iter()
        .map(|(k, v)| format!("{k}={}", v.join("|")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rule a form describes, or what is wrong with it (field: reason).
fn rule_of(
    id: i64,
    fields: &[(String, String)],
    departments: &[cxm_app::Department],
    users: &[cxm_app::User],
) -> Result<RoutingRule, String> {
    let field = |key: &str| form_field(fields, key);
    let score = |key: &str| -> Result<Option<i64>, String> {
        let text = field(key);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| format!("{key}: {text:?} is not a whole number"))
    };
    let mut dimensions = BTreeMap::new();
    for part in field("dimensions").split([';', '；']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let (key, values) = part
            .split_once('=')
            .ok_or_else(|| format!("dimensions: {part:?} is not key=value|value"))?;
        let values: Vec<String> = values
            .split('|')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        dimensions.insert(key.trim().to_owned(), values);
    }
    let department_key = field("department");
    let department_id = if department_key.is_empty() {
        None
    } else {
        Some(
            departments
                .iter()
                .find(|d| d.key == department_key)
                .ok_or_else(|| format!("department: {department_key:?} is not a department"))?
                .id,
        )
    };
    let assignee = field("assignee");
    let assignee_user_id = if assignee.is_empty() {
        None
    } else {
        Some(
            users
                .iter()
                .find(|u| u.name == assignee)
                .ok_or_else(|| format!("assignee: {assignee:?} is not a user"))?
                .id,
        )
    };
    let priority = field("priority");
    let position = field("position");
    Ok(RoutingRule {
        id,
        position: position
            .parse()
            .map_err(|_| format!("position: {position:?} is not a whole number"))?,
        name: field("name"),
        conditions: RoutingConditions {
            themes: list(&field("themes")),
            touchpoints: list(&field("touchpoints")),
            surveys: list(&field("surveys")),
            dimensions,
            max_score: score("max_score")?,
            min_score: score("min_score")?,
        },
        department_id,
        assignee_user_id,
        assignment: field("assignment"),
        priority: if priority.is_empty() {
            None
        } else {
            Some(Priority::parse(&priority).map_err(|e| format!("priority: {}", e.message))?)
        },
    })
}

fn forbidden(lang: Lang) -> Response {
    message(
        lang,
        "/cases",
        StatusCode::FORBIDDEN,
        "403",
        lang.t("cases.admins_only"),
    )
}

async fn settings_page(
    state: &AppState,
    user: &SignedInUser,
    lang: Lang,
    error: Option<String>,
) -> Response {
    let loaded = async {
        Ok::<_, AppError>((
            state.app.rules().await?,
            state.app.departments().await?,
            state.app.users().await?,
            state.app.slas().await?,
        ))
    }
    .await;
    let (rules, departments, users, slas) = match loaded {
        Ok(found) => found,
        Err(error) => return crate::ApiError::from(error).into_response(),
    };
    let department_key = |id: Option<i64>| {
        id.and_then(|id| departments.iter().find(|d| d.id == id))
            .map(|d| d.key.clone())
            .unwrap_or_default()
    };
    let user_name = |id: Option<i64>| {
        id.and_then(|id| users.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let next_position = rules.iter().map(|r| r.position).max().unwrap_or(0) + 10;
    let page = SettingsPage {
        lang,
        switch_url: switch_url("/cases/settings", None, lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        rules: rules
            .iter()
            .map(|r| RuleForm {
                id: r.id,
                position: r.position,
                name: r.name.clone(),
                themes: joined(&r.conditions.themes),
                touchpoints: joined(&r.conditions.touchpoints),
                surveys: joined(&r.conditions.surveys),
                dimensions: dimensions_text(&r.conditions.dimensions),
                min_score: r
                    .conditions
                    .min_score
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                max_score: r
                    .conditions
                    .max_score
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                department: department_key(r.department_id),
                assignee: user_name(r.assignee_user_id),
                assignment: r.assignment.clone(),
                priority: r
                    .priority
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
        blank: RuleForm {
            id: 0,
            position: next_position,
            name: String::new(),
            themes: String::new(),
            touchpoints: String::new(),
            surveys: String::new(),
            dimensions: String::new(),
            min_score: String::new(),
            max_score: String::new(),
            department: String::new(),
            assignee: String::new(),
            assignment: "round_robin".to_owned(),
            priority: String::new(),
        },
        departments: departments
            .iter()
            .map(|d| (d.key.clone(), d.name.clone()))
            .collect(),
        users: users
            .iter()
            .map(|u| (u.name.clone(), u.name.clone()))
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|p| (p.as_str().to_owned(), priority_label(lang, *p)))
            .collect(),
        department_forms: departments
            .iter()
            .map(|d| DepartmentForm {
                key: d.key.clone(),
                name: d.name.clone(),
                manager: user_name(d.manager_user_id),
                members: d
                    .members
                    .iter()
                    .map(|id| user_name(Some(*id)))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        slas: slas
            .into_iter()
            .map(|(priority, first, resolution)| SlaRow {
                priority: priority.as_str().to_owned(),
                label: priority_label(lang, priority),
                first,
                resolution,
            })
            .collect(),
        error: error.clone(),
    };
    render(&page, form_status(error.as_ref()))
}

fn is_admin(user: &SignedInUser) -> bool {
    user.session.user.role == Role::Admin
}

/// The settings page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    if !is_admin(&user) {
        return forbidden(lang);
    }
    settings_page(&state, &user, lang, None).await
}

/// What an admin's settings form does.
enum Change {
    Create,
    Update(i64),
    Delete(i64),
    Sla,
    Department(String),
    NewDepartment,
}

async fn apply(
    state: &AppState,
    change: Change,
    fields: &[(String, String)],
) -> Result<(), String> {
    let describe = error_text;
    let lookups =
        async { Ok::<_, AppError>((state.app.departments().await?, state.app.users().await?)) };
    match change {
        Change::Create | Change::Update(_) => {
            let (departments, users) = lookups.await.map_err(describe)?;
            let id = match change {
                Change::Update(id) => id,
                _ => 0,
            };
            let rule = rule_of(id, fields, &departments, &users)?;
            if id == 0 {
                state.app.create_rule(rule).await.map(|_| ())
            } else {
                state.app.update_rule(rule).await
            }
            .map_err(describe)
        }
        Change::Delete(id) => state.app.delete_rule(id).await.map_err(describe),
        Change::NewDepartment => {
            let field = |name: &str| form_field(fields, name);
            if field("name").is_empty() {
                return Err("name: must not be empty".to_owned());
            }
            state
                .app
                .create_department(&field("key"), &field("name"), None, &[])
                .await
                .map(|_| ())
                .map_err(describe)
        }
        Change::Department(key) => {
            let (_, users) = lookups.await.map_err(describe)?;
            let field = |name: &str| form_field(fields, name);
            let user_id = |name: &str, what: &str| -> Result<i64, String> {
                users
                    .iter()
                    .find(|u| u.name == name)
                    .map(|u| u.id)
                    .ok_or_else(|| format!("{what}: {name:?} is not a user"))
            };
            let manager = match field("manager").as_str() {
                "" => None,
                name => Some(user_id(name, "manager")?),
            };
            let members = list(&field("members"))
                .iter()
                .map(|name| user_id(name, "members"))
                .collect::<Result<Vec<i64>, String>>()?;
            state
                .app
                .update_department(&key, &field("name"), manager, &members)
                .await
                .map(|_| ())
                .map_err(describe)
        }
        Change::Sla => {
            for priority in Priority::ALL {
                let minutes = |what: &str| -> Result<i64, String> {
                    let key = format!("{}_{what}", priority.as_str());
                    let text = form_field(fields, &key);
                    text.parse()
                        .map_err(|_| format!("{key}: {text:?} is not a number of minutes"))
                };
                state
                    .app
                    .set_sla(priority, minutes("first")?, minutes("resolution")?)
                    .await
                    .map_err(describe)?;
            }
            Ok(())
        }
    }
}

async fn submit(
    state: AppState,
    user: SignedInUser,
    headers: HeaderMap,
    body: &[u8],
    change: Change,
) -> Response {
    let lang = user.lang(None, &headers);
    let fields = match checked_form(lang, &user, body, "/cases/settings") {
        Ok(fields) => fields,
        Err(refused) => return *refused,
    };
    if !is_admin(&user) {
        return forbidden(lang);
    }
    match apply(&state, change, &fields).await {
        Ok(()) => Redirect::to("/cases/settings").into_response(),
        Err(text) => settings_page(&state, &user, lang, Some(text)).await,
    }
}

/// Adds a rule.
pub async fn create_rule(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    submit(state, user, headers, &body, Change::Create).await
}

/// Saves a rule in place.
pub async fn update_rule(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    submit(state, user, headers, &body, Change::Update(id)).await
}

/// Removes a rule.
pub async fn delete_rule(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    submit(state, user, headers, &body, Change::Delete(id)).await
}

/// Saves the SLA of every priority.
pub async fn set_sla(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    submit(state, user, headers, &body, Change::Sla).await
}

/// Saves a department's name, manager and members.
pub async fn update_department(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(key): Path<String>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    submit(state, user, headers, &body, Change::Department(key)).await
}

/// Adds a department (its people are set on its own form afterwards).
pub async fn create_department(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    submit(state, user, headers, &body, Change::NewDepartment).await
}
