//! The case pages: the inbox (mine, my departments', all; filters in the URL; overdue first)
//! and one case with its facts, timeline and the actions its status allows. Everyone sees the
//! cases of their departments and the ones assigned to them; admins see every case.

use askama::Template;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cxm_app::{AppError, CaseAccess, CaseAction, CaseEvent, CaseFilter, StoredCase, User};
use cxm_domain::{CaseStatus, Priority};

use crate::AppState;
use crate::web::i18n::Lang;
use crate::web::session::SignedInUser;
use crate::web::{
    checked_form, error_text, form_field, form_status, message, query_value, render, switch_url,
};

/// Cases a list shows at most.
const LIST_LIMIT: u32 = 500;

struct CaseRow {
    uid: String,
    overdue: bool,
    priority: String,
    priority_label: &'static str,
    status_label: &'static str,
    summary: String,
    themes: Vec<String>,
    department: String,
    assignee: String,
    due: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct InboxPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    views: Vec<(&'static str, &'static str, bool)>,
    view: String,
    statuses: Vec<(String, &'static str, bool)>,
    priorities: Vec<(String, &'static str, bool)>,
    departments: Vec<(String, String, bool)>,
    themes: Vec<(String, String, bool)>,
    touchpoint: String,
    rows: Vec<CaseRow>,
    truncated: bool,
    is_admin: bool,
    /// Whether the person may import complaint history (analysts and admins).
    can_import: bool,
}

struct TimelineRow {
    at: String,
    actor: String,
    kind: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    uid: String,
    summary: String,
    overdue: bool,
    facts: Vec<(&'static str, String)>,
    themes: Vec<String>,
    timeline: Vec<TimelineRow>,
    users: Vec<(i64, String, bool)>,
    root_causes: Vec<(String, String)>,
    can_start: bool,
    can_resolve: bool,
    can_close: bool,
    can_reopen: bool,
    is_open: bool,
    follow_up: Option<String>,
    error: Option<String>,
}

pub(crate) fn status_label(lang: Lang, status: CaseStatus) -> &'static str {
    lang.t(&format!("case.status.{}", status.as_str()))
}

pub(crate) fn priority_label(lang: Lang, priority: Priority) -> &'static str {
    lang.t(&format!("case.priority.{}", priority.as_str()))
}

/// Theme ids → (Chinese, English) names, as [`cxm_app::App::theme_names`] gives them.
pub(crate) type ThemeNames = std::collections::BTreeMap<String, (String, String)>;

/// A theme by its name in the page's language (an id the taxonomy lacks as written).
pub(crate) fn theme_label(names: &ThemeNames, lang: Lang, id: &str) -> String {
    match (names.get(id), lang) {
        (Some((zh, _)), Lang::Zh) => zh.clone(),
        (Some((_, en)), Lang::En) => en.clone(),
        (None, _) => id.to_owned(),
    }
}

fn name_of(users: &[User], id: Option<i64>) -> String {
    id.and_then(|id| users.iter().find(|u| u.id == id))
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

fn time_text(state: &AppState, micros: i64) -> String {
    state
        .app
        .config()
        .zone()
        .local_time(chrono::DateTime::from_timestamp_micros(micros).unwrap_or_default())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub(super) async fn access_of(
    state: &AppState,
    user: &SignedInUser,
) -> Result<CaseAccess, Box<Response>> {
    state
        .app
        .case_access(&user.session.user)
        .await
        .map_err(|e| Box::new(crate::ApiError::from(e).into_response()))
}

/// The inbox: `view` (mine, department, all), `status` (open by default; `any`), `priority`,
/// `department` (key), `theme`, `touchpoint`.
pub async fn inbox(
    State(state): State<AppState>,
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let access = match access_of(&state, &user).await {
        Ok(access) => access,
        Err(response) => return *response,
    };
    let get = |key: &str| query_value(query.as_deref(), key).filter(|v| !v.is_empty());
    let view = get("view").unwrap_or_else(|| "mine".to_owned());
    let status = get("status").unwrap_or_else(|| "open".to_owned());
    let mut filter = CaseFilter {
        open_only: status == "open",
        status: CaseStatus::parse(&status).ok(),
        priority: get("priority").and_then(|p| Priority::parse(&p).ok()),
        theme: get("theme"),
        touchpoint: get("touchpoint"),
        limit: Some(LIST_LIMIT + 1),
        ..CaseFilter::default()
    };
    let (departments, users) = match (state.app.departments().await, state.app.users().await) {
        (Ok(d), Ok(u)) => (d, u),
        (Err(e), _) | (_, Err(e)) => return crate::ApiError::from(e).into_response(),
    };
    let chosen_department = get("department");
    let mut nothing = false;
    match view.as_str() {
        "department" => {
            let mine: Vec<i64> = departments
                .iter()
                .filter(|d| access.all || access.departments.contains(&d.id))
                .filter(|d| chosen_department.as_ref().is_none_or(|k| *k == d.key))
                .map(|d| d.id)
                .collect();
            nothing = mine.is_empty();
            filter.departments = mine;
        }
        "all" => {
            if let Some(key) = &chosen_department {
                let ids: Vec<i64> = departments
                    .iter()
                    .filter(|d| d.key == *key)
                    .map(|d| d.id)
                    .collect();
                nothing = ids.is_empty();
                filter.departments = ids;
            }
        }
        _ => filter.assignee = Some(user.session.user.id),
    }
    let mut cases = if nothing {
        Vec::new()
    } else {
        match state.app.cases(&access.narrow(filter)).await {
            Ok(cases) => cases,
            Err(error) => return crate::ApiError::from(error).into_response(),
        }
    };
    let truncated = cases.len() > LIST_LIMIT as usize;
    cases.truncate(LIST_LIMIT as usize);
    let now = chrono::Utc::now().timestamp_micros();
    let theme_names = state.app.theme_names();
    let rows = cases
        .iter()
        .map(|case| CaseRow {
            uid: case.uid.clone(),
            overdue: case.overdue_at(now),
            priority: case.priority.as_str().to_owned(),
            priority_label: priority_label(lang, case.priority),
            status_label: status_label(lang, case.status),
            summary: case.summary.chars().take(120).collect(),
            themes: case
                .themes
                .iter()
                .map(|t| theme_label(&theme_names, lang, t))
                .collect(),
            department: case
                .department_id
                .and_then(|id| departments.iter().find(|d| d.id == id))
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            assignee: name_of(&users, case.assignee_user_id),
            due: time_text(&state, case.resolution_due),
        })
        .collect();
    let mut views = vec![
        ("mine", lang.t("cases.view.mine"), view == "mine"),
        (
            "department",
            lang.t("cases.view.department"),
            view == "department",
        ),
    ];
    if access.all {
        views.push(("all", lang.t("cases.view.all"), view == "all"));
    }
    let statuses = std::iter::once(("open".to_owned(), lang.t("cases.open"), status == "open"))
        .chain(std::iter::once((
            "any".to_owned(),
            lang.t("cases.any_status"),
            status == "any",
        )))
        .chain(CaseStatus::ALL.iter().map(|s| {
            (
                s.as_str().to_owned(),
                status_label(lang, *s),
                status == s.as_str(),
            )
        }))
        .collect();
    let chosen_priority = get("priority").unwrap_or_default();
    let priorities = Priority::ALL
        .iter()
        .map(|p| {
            (
                p.as_str().to_owned(),
                priority_label(lang, *p),
                chosen_priority == p.as_str(),
            )
        })
        .collect();
    let page = InboxPage {
        lang,
        switch_url: switch_url("/cases", query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        views,
        view,
        statuses,
        priorities,
        departments: departments
            .iter()
            .filter(|d| access.all || access.departments.contains(&d.id))
            .map(|d| {
                (
                    d.key.clone(),
                    d.name.clone(),
                    chosen_department.as_deref() == Some(d.key.as_str()),
                )
            })
            .collect(),
        themes: theme_names
            .into_iter()
            .map(|(id, (zh, en))| {
                let chosen = get("theme").as_deref() == Some(id.as_str());
                (id, if lang == Lang::Zh { zh } else { en }, chosen)
            })
            .collect(),
        touchpoint: get("touchpoint").unwrap_or_default(),
        rows,
        truncated,
        is_admin: access.all,
        can_import: user.session.user.role >= cxm_app::Role::Analyst,
    };
    render(&page, StatusCode::OK)
}

/// A timeline entry's details as `key: value` text.
fn detail_text(detail: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(detail)
    else {
        return String::new();
    };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

async fn case_page(
    state: &AppState,
    user: &SignedInUser,
    lang: Lang,
    case: StoredCase,
    events: Vec<CaseEvent>,
    error: Option<String>,
) -> Response {
    let (departments, users) = match (state.app.departments().await, state.app.users().await) {
        (Ok(d), Ok(u)) => (d, u),
        (Err(e), _) | (_, Err(e)) => return crate::ApiError::from(e).into_response(),
    };
    let department = case
        .department_id
        .and_then(|id| departments.iter().find(|d| d.id == id));
    let due = |micros: i64| time_text(state, micros);
    let facts = vec![
        (
            lang.t("case.status"),
            status_label(lang, case.status).to_owned(),
        ),
        (
            lang.t("case.priority"),
            priority_label(lang, case.priority).to_owned(),
        ),
        (
            lang.t("case.department"),
            department.map(|d| d.name.clone()).unwrap_or_default(),
        ),
        (
            lang.t("case.assignee"),
            name_of(&users, case.assignee_user_id),
        ),
        (lang.t("case.source"), case.source.clone()),
        (
            lang.t("case.customer"),
            case.customer.clone().unwrap_or_default(),
        ),
        (
            lang.t("case.score"),
            case.score.map(|s| s.to_string()).unwrap_or_default(),
        ),
        (
            lang.t("case.touchpoint"),
            case.touchpoint.clone().unwrap_or_default(),
        ),
        (
            lang.t("case.dimensions"),
            case.dimensions
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (lang.t("case.opened"), due(case.created_at)),
        (
            lang.t("case.first_response_due"),
            due(case.first_response_due),
        ),
        (lang.t("case.resolution_due"), due(case.resolution_due)),
        (
            lang.t("case.root_cause"),
            case.root_cause
                .as_deref()
                .map(|c| root_cause_label(lang, c))
                .unwrap_or_default(),
        ),
        (
            lang.t("case.resolution"),
            case.resolution.clone().unwrap_or_default(),
        ),
        (
            lang.t("case.contacted"),
            case.contact_method.clone().unwrap_or_default(),
        ),
    ];
    // People of the case's department first, then everyone else.
    let members: Vec<i64> = department.map(|d| d.members.clone()).unwrap_or_default();
    let mut people: Vec<&User> = users.iter().collect();
    people.sort_by_key(|u| (!members.contains(&u.id), u.name.clone()));
    let page = CasePage {
        lang,
        switch_url: switch_url(&format!("/cases/{}", case.uid), None, lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        uid: case.uid.clone(),
        summary: case.summary.clone(),
        overdue: case.overdue_at(chrono::Utc::now().timestamp_micros()),
        facts,
        themes: {
            let names = state.app.theme_names();
            case.themes
                .iter()
                .map(|t| theme_label(&names, lang, t))
                .collect()
        },
        timeline: events
            .iter()
            .map(|e| TimelineRow {
                at: due(e.at),
                actor: e.actor.clone(),
                kind: lang.t(&format!("case.event.{}", e.kind)),
                detail: detail_text(&e.detail),
            })
            .collect(),
        users: people
            .iter()
            .map(|u| (u.id, u.name.clone(), case.assignee_user_id == Some(u.id)))
            .collect(),
        root_causes: state
            .app
            .config()
            .cases
            .root_causes
            .iter()
            .map(|c| (c.clone(), root_cause_label(lang, c)))
            .collect(),
        can_start: case.status.can_become(CaseStatus::InProgress) && case.status.is_open(),
        can_resolve: case.status.can_become(CaseStatus::Resolved),
        can_close: case.status.can_become(CaseStatus::Closed),
        can_reopen: !case.status.is_open(),
        is_open: case.status.is_open(),
        follow_up: cxm_app::follow_up_path(
            state.app.config().cases.recovery_survey.as_deref(),
            &case,
        ),
        error: error.clone(),
    };
    render(&page, form_status(error.as_ref()))
}

/// A root cause in the page's language (configured causes without a translation as written).
pub(crate) fn root_cause_label(lang: Lang, cause: &str) -> String {
    lang.try_t(&format!("root_cause.{cause}"))
        .map_or_else(|| cause.to_owned(), str::to_owned)
}

fn not_found(lang: Lang) -> Response {
    message(
        lang,
        "/cases",
        StatusCode::NOT_FOUND,
        "404",
        lang.t("error.not_found"),
    )
}

/// One case.
pub async fn show(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let access = match access_of(&state, &user).await {
        Ok(access) => access,
        Err(response) => return *response,
    };
    match state.app.case_within(&access, &uid).await {
        Ok((case, events)) => case_page(&state, &user, lang, case, events, None).await,
        Err(AppError::NotFound(_)) => not_found(lang),
        Err(other) => crate::ApiError::from(other).into_response(),
    }
}

/// The action a case form asks for.
fn action_of(fields: &[(String, String)]) -> Result<CaseAction, String> {
    let field = |key: &str| form_field(fields, key);
    Ok(match field("action").as_str() {
        "assign" => CaseAction::Assign {
            user_id: field("user_id")
                .parse()
                .map_err(|_| "user_id: choose a person".to_owned())?,
        },
        "start" => CaseAction::Start,
        "note" => CaseAction::Note {
            text: field("text"),
        },
        "contact" => CaseAction::Contact {
            method: field("method"),
        },
        "resolve" => CaseAction::Resolve {
            root_cause: field("root_cause"),
            resolution: field("resolution"),
        },
        "close" => CaseAction::Close,
        "reopen" => CaseAction::Reopen {
            reason: field("reason"),
        },
        other => return Err(format!("action: {other:?} is not a case action")),
    })
}

/// Does what a case form asks, as the signed-in user, then shows the case again.
pub async fn act(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(uid): Path<String>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let lang = user.lang(None, &headers);
    let fields = match checked_form(lang, &user, &body, &format!("/cases/{uid}")) {
        Ok(fields) => fields,
        Err(refused) => return *refused,
    };
    let access = match access_of(&state, &user).await {
        Ok(access) => access,
        Err(response) => return *response,
    };
    if let Err(error) = state.app.case_within(&access, &uid).await {
        return match error {
            AppError::NotFound(_) => not_found(lang),
            other => crate::ApiError::from(other).into_response(),
        };
    }
    let outcome = match action_of(&fields) {
        Ok(action) => state
            .app
            .act_on_case(&uid, &user.session.user.name, action)
            .await
            .map_err(error_text),
        Err(text) => Err(text),
    };
    match outcome {
        Ok(_) => Redirect::to(&format!("/cases/{uid}")).into_response(),
        Err(text) => match state.app.case_within(&access, &uid).await {
            Ok((case, events)) => case_page(&state, &user, lang, case, events, Some(text)).await,
            Err(error) => crate::ApiError::from(error).into_response(),
        },
    }
}
