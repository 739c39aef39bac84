//! The overview page: filters in the URL (survey, dates, breakdown, sort), tiles with interval,
//! n and changes with their significance, the monthly trend with its band, the breakdown table
//! with low-base flags, the promoter/passive/detractor bar and the latest comments.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cxm_app::{Estimate, MetricRow, OverviewInput};

use crate::AppState;
use crate::web::chart::{self, Point};
use crate::web::i18n::Lang;
use crate::web::session::SignedInUser;
use crate::web::{filter_tags, query_filters, query_value, render, switch_url};

struct TileView {
    metric: String,
    title: &'static str,
    raw: String,
    value: String,
    ci: String,
    n: u64,
    low_base: bool,
    deltas: Vec<DeltaView>,
}

struct DeltaView {
    label: &'static str,
    delta: String,
    direction: &'static str,
    significant: bool,
}

struct RowView {
    filter_url: String,
    group: String,
    value: String,
    ci: String,
    n: u64,
    low_base: bool,
}

struct CommentRow {
    submitted_at: String,
    text: String,
    sentiment: &'static str,
    sentiment_label: &'static str,
    themes: Vec<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    surveys: Vec<(String, String, bool)>,
    since: String,
    until: String,
    breakdowns: Vec<(String, String)>,
    by: String,
    by_label: String,
    tiles: Vec<TileView>,
    mix: Option<String>,
    mix_legend: String,
    trend: String,
    metric_title: &'static str,
    breakdown: Vec<RowView>,
    sort_group_url: String,
    sort_value_url: String,
    sort_n_url: String,
    comments: Vec<CommentRow>,
    active_filters: Vec<(String, String)>,
    /// The explorer with the page's survey, dates and filters.
    responses_url: String,
    active_filters_hidden: Vec<(String, String)>,
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

fn interval(row: &MetricRow) -> String {
    match (row.ci_lower, row.ci_upper) {
        (Some(lower), Some(upper)) => format!("[{lower:.1}, {upper:.1}]"),
        _ => "–".to_owned(),
    }
}

fn title(lang: Lang, metric: &str) -> &'static str {
    match metric {
        "csat" => lang.t("dashboard.csat"),
        "ces" => lang.t("dashboard.ces"),
        _ => lang.t("dashboard.nps"),
    }
}

/// The page URL with `key` set to `value`.
fn with_param(query: Option<&str>, key: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != key);
    pairs.push((key.to_owned(), value.to_owned()));
    format!(
        "/dashboard?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// The overview page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let asked = query_value(query.as_deref(), "lang");
    let lang = Lang::choose(
        asked.as_deref(),
        Some(&user.session.user.language),
        &headers,
    );
    if asked.is_some() && lang.code() != user.session.user.language {
        // The switch is remembered as the user's choice.
        if let Err(error) = state
            .app
            .set_language(user.session.user.id, lang.code())
            .await
        {
            return crate::ApiError::from(error).into_response();
        }
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let filters = query_filters(&pairs);
    let input = OverviewInput {
        survey: query_value(query.as_deref(), "survey"),
        since: query_value(query.as_deref(), "since"),
        until: query_value(query.as_deref(), "until"),
        by: query_value(query.as_deref(), "by"),
        filters,
    };
    let overview = match state.app.overview(&input).await {
        Ok(overview) => overview,
        Err(error) => return crate::ApiError::from(error).into_response(),
    };
    let tiles: Vec<TileView> = overview
        .tiles
        .iter()
        .map(|row| TileView {
            metric: row.metric.clone(),
            title: title(lang, &row.metric),
            raw: row.value.map_or_else(String::new, |v| format!("{v:.6}")),
            value: number(row.value),
            ci: interval(row),
            n: row.n,
            low_base: row.low_base,
            deltas: row
                .comparisons
                .iter()
                .map(|c| DeltaView {
                    label: if c.against == "yoy" {
                        lang.t("dashboard.vs_year")
                    } else {
                        lang.t("dashboard.vs_previous")
                    },
                    delta: c
                        .delta
                        .map_or_else(|| "–".to_owned(), |d| format!("{d:+.1}")),
                    direction: match c.delta {
                        Some(d) if d > 0.0 => "up",
                        Some(d) if d < 0.0 => "down",
                        _ => "",
                    },
                    significant: c.significant,
                })
                .collect(),
        })
        .collect();
    let mix = overview.tiles.iter().find_map(|row| match &row.estimate {
        Estimate::Nps {
            promoter_pct,
            passive_pct,
            detractor_pct,
            ..
        } => Some((*promoter_pct, *passive_pct, *detractor_pct)),
        _ => None,
    });
    let mix_legend = mix.map_or_else(String::new, |(p, m, d)| {
        format!(
            "{} {p:.1}% · {} {m:.1}% · {} {d:.1}%",
            lang.t("dashboard.promoters"),
            lang.t("dashboard.passives"),
            lang.t("dashboard.detractors")
        )
    });
    let mix = mix.map(|(p, m, d)| {
        chart::stacked(&[
            (p, "#16a34a", lang.t("dashboard.promoters")),
            (m, "#9ca3af", lang.t("dashboard.passives")),
            (d, "#dc2626", lang.t("dashboard.detractors")),
        ])
    });
    let metric = overview
        .tiles
        .first()
        .map_or("nps", |r| r.metric.as_str())
        .to_owned();
    let points: Vec<Point> = overview
        .trend
        .iter()
        .map(|r| Point {
            label: r.period.clone().unwrap_or_default(),
            value: r.value,
            lower: r.ci_lower,
            upper: r.ci_upper,
        })
        .collect();
    let (y_min, y_max) = if metric == "nps" {
        (-100.0, 100.0)
    } else {
        (0.0, 100.0)
    };
    let trend = if points.is_empty() {
        String::new()
    } else {
        chart::band(&points, y_min, y_max, lang.t("dashboard.trend"))
    };
    let mut rows: Vec<&MetricRow> = overview.breakdown.iter().collect();
    match query_value(query.as_deref(), "sort").as_deref() {
        Some("value") => rows.sort_by(|a, b| {
            b.value
                .partial_cmp(&a.value)
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        Some("n") => rows.sort_by_key(|r| std::cmp::Reverse(r.n)),
        _ => rows.sort_by(|a, b| a.groups.get(&overview.by).cmp(&b.groups.get(&overview.by))),
    }
    let breakdown = rows
        .into_iter()
        .map(|row| RowView {
            filter_url: row.groups.get(&overview.by).cloned().flatten().map_or_else(
                String::new,
                |group| {
                    let mut kept: Vec<(String, String)> =
                        pairs.iter().filter(|(k, _)| k != "sort").cloned().collect();
                    kept.push((format!("filter.{}", overview.by), group));
                    format!(
                        "/dashboard?{}",
                        serde_urlencoded::to_string(&kept).unwrap_or_default()
                    )
                },
            ),
            group: row
                .groups
                .get(&overview.by)
                .cloned()
                .flatten()
                .unwrap_or_else(|| "–".to_owned()),
            value: number(row.value),
            ci: interval(row),
            n: row.n,
            low_base: row.low_base,
        })
        .collect();
    let comments = overview
        .comments
        .iter()
        .map(|c| CommentRow {
            submitted_at: c.submitted_at.clone(),
            text: c.text.clone(),
            sentiment: c.sentiment,
            sentiment_label: lang.t(&format!("sentiment.{}", c.sentiment)),
            themes: c.themes.clone(),
        })
        .collect();
    let page = DashboardPage {
        lang,
        switch_url: switch_url("/dashboard", query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        surveys: overview
            .surveys
            .iter()
            .map(|(key, name)| {
                (
                    key.clone(),
                    name.clone(),
                    overview.survey.as_deref() == Some(key.as_str()),
                )
            })
            .collect(),
        since: overview.since.clone(),
        until: overview.until.clone(),
        breakdowns: overview.breakdowns.clone(),
        by: overview.by.clone(),
        by_label: overview
            .breakdowns
            .iter()
            .find(|(name, _)| *name == overview.by)
            .map_or_else(|| overview.by.clone(), |(_, label)| label.clone()),
        tiles,
        mix,
        mix_legend,
        trend,
        metric_title: title(lang, &metric),
        breakdown,
        sort_group_url: with_param(query.as_deref(), "sort", "group"),
        sort_value_url: with_param(query.as_deref(), "sort", "value"),
        sort_n_url: with_param(query.as_deref(), "sort", "n"),
        comments,
        active_filters_hidden: pairs
            .iter()
            .filter(|(k, _)| k.starts_with("filter."))
            .cloned()
            .collect(),
        active_filters: filter_tags(
            "/dashboard",
            &pairs,
            &overview.filters,
            &overview.breakdowns,
        ),
        responses_url: {
            // The responses behind the page: its survey, dates and filters.
            let mut kept: Vec<(String, String)> = overview
                .survey
                .iter()
                .map(|s| ("survey".to_owned(), s.clone()))
                .collect();
            kept.push(("since".to_owned(), overview.since.clone()));
            kept.push(("until".to_owned(), overview.until.clone()));
            kept.extend(
                pairs
                    .iter()
                    .filter(|(k, _)| k.starts_with("filter."))
                    .cloned(),
            );
            format!(
                "/responses?{}",
                serde_urlencoded::to_string(&kept).unwrap_or_default()
            )
        },
    };
    render(&page, StatusCode::OK)
}
