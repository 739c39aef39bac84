//! The case scorecard page: for the period and grouping in the URL (department, touchpoint,
//! theme), cases opened, open and overdue, complaints and the complaint rate, first-response
//! and resolution times (median, p90), SLA compliance, reopen and recovery rates with their
//! intervals. Admins and analysts see every department; a manager sees their own.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cxm_app::{AppError, Durations, Rate, ScorecardBy};

use crate::AppState;
use crate::web::i18n::Lang;
use crate::web::session::SignedInUser;
use crate::web::{error_text, message, query_value, render, switch_url};

struct CardRow {
    group: String,
    all: bool,
    opened: u64,
    open: u64,
    overdue: u64,
    complaints: u64,
    complaint_rate: String,
    first_response: String,
    resolution: String,
    sla: String,
    reopen: String,
    recovery: String,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct ScorecardPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    since: String,
    until: String,
    by: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<CardRow>,
    /// Complaints were counted but no month of the period has a volume to rate them against.
    no_volumes: bool,
}

/// `median / p90` in hours.
fn hours(durations: Option<Durations>) -> String {
    durations.map_or_else(
        || "–".to_owned(),
        |d| format!("{:.1} / {:.1} h", d.median / 60.0, d.p90 / 60.0),
    )
}

/// `pct% [low, high] (n)`.
fn share(rate: Option<Rate>) -> String {
    rate.map_or_else(
        || "–".to_owned(),
        |r| format!("{:.0}% [{:.0}, {:.0}] n={}", r.pct, r.ci[0], r.ci[1], r.n),
    )
}

/// The scorecard page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let access = match super::cases::access_of(&state, &user).await {
        Ok(access) => access,
        Err(response) => return *response,
    };
    let departments = access.scorecard_departments();
    if departments.as_ref().is_some_and(Vec::is_empty) {
        return message(
            lang,
            "/cases",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("scorecard.forbidden"),
        );
    }
    let get = |key: &str| query_value(query.as_deref(), key).filter(|v| !v.is_empty());
    let date =
        |key: &str| get(key).and_then(|v| chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok());
    let until = date("until").unwrap_or_else(|| state.app.config().zone().today());
    let since = date("since").unwrap_or(until - chrono::Duration::days(89));
    let by = get("by")
        .and_then(|b| ScorecardBy::parse(&b).ok())
        .unwrap_or_default();
    let cards = match state
        .app
        .scorecards_by(since, until, by, departments.as_deref())
        .await
    {
        Ok(cards) => cards,
        Err(error @ AppError::Invalid(_)) => {
            let text = error_text(error);
            return message(
                lang,
                "/cases/scorecard",
                StatusCode::UNPROCESSABLE_ENTITY,
                "422",
                &text,
            );
        }
        Err(other) => return crate::ApiError::from(other).into_response(),
    };
    let theme_names = state.app.theme_names();
    let no_volumes =
        cards.iter().any(|c| c.complaints > 0) && cards.iter().all(|c| c.complaint_rate.is_none());
    let rows = cards
        .into_iter()
        .map(|card| CardRow {
            all: card.group.is_none(),
            group: match (&card.department_name, &card.group) {
                (Some(name), _) => name.clone(),
                (None, Some(group)) if group.is_empty() => lang.t("scorecard.none").to_owned(),
                (None, Some(group)) if by == ScorecardBy::Theme => {
                    crate::web::cases::theme_label(&theme_names, lang, group)
                }
                (None, Some(group)) => group.clone(),
                (None, None) => lang.t("scorecard.all").to_owned(),
            },
            opened: card.opened,
            open: card.open,
            overdue: card.overdue,
            complaints: card.complaints,
            complaint_rate: card.complaint_rate.map_or_else(
                || "–".to_owned(),
                |r| {
                    format!(
                        "{:.2}‰ [{:.2}, {:.2}] / {} {}",
                        r.per_thousand,
                        r.ci[0],
                        r.ci[1],
                        r.volume,
                        lang.t(&format!("scorecard.per.{}", r.per))
                    )
                },
            ),
            first_response: hours(card.first_response_minutes),
            resolution: hours(card.resolution_minutes),
            sla: share(card.sla_compliance),
            reopen: share(card.reopen_rate),
            recovery: share(card.recovery_rate),
        })
        .collect();
    let chosen = by.as_str();
    let page = ScorecardPage {
        lang,
        switch_url: switch_url("/cases/scorecard", query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        since: since.to_string(),
        until: until.to_string(),
        by: ["department", "touchpoint", "theme"]
            .into_iter()
            .map(|b| (b, lang.t(&format!("scorecard.by.{b}")), b == chosen))
            .collect(),
        rows,
        no_volumes,
    };
    render(&page, StatusCode::OK)
}
