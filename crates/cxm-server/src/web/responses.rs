//! The responses explorer: filters and a cursor in the URL, a page of responses with their
//! scores and comments (sentiment and themes), and one response in full. A filter on a
//! touchpoint, a dimension or a choice answer is added from the page's form (`add`,
//! `add_value`), which becomes the `filter.KEY=VALUE` the dashboard links with.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cxm_app::{AppError, ExploredResponse, ResponseListInput};

use crate::AppState;
use crate::web::i18n::Lang;
use crate::web::session::SignedInUser;
use crate::web::{filter_tags, message, query_filters, query_value, render, switch_url};

/// Responses per page.
const PAGE: u32 = 50;

struct CommentCell {
    sentiment: &'static str,
    sentiment_label: &'static str,
    themes: Vec<String>,
    text: String,
}

struct Row {
    uid: String,
    time: String,
    survey: String,
    channel: String,
    scores: String,
    comments: Vec<CommentCell>,
}

#[derive(Template)]
#[template(path = "responses.html")]
struct ListPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    surveys: Vec<(String, String, bool)>,
    since: String,
    until: String,
    channel: String,
    rows: Vec<Row>,
    next_url: Option<String>,
    /// What a filter can be added on: key and label.
    fields: Vec<(String, String)>,
    /// The filters in force, each with the URL without it, and as hidden form fields.
    active_filters: Vec<(String, String)>,
    active_filters_hidden: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "response.html")]
struct OnePage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    facts: Vec<(&'static str, String)>,
    answers: Vec<(String, String)>,
    comments: Vec<CommentCell>,
}

fn comment_cells(lang: Lang, explored: &ExploredResponse) -> Vec<CommentCell> {
    explored
        .comments
        .iter()
        .map(|(_, c)| CommentCell {
            sentiment: c.sentiment,
            sentiment_label: lang.t(&format!("sentiment.{}", c.sentiment)),
            themes: c.themes.clone(),
            text: c.text.clone(),
        })
        .collect()
}

/// A page of responses.
pub async fn list(
    State(state): State<AppState>,
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let get = |key: &str| query_value(query.as_deref(), key).filter(|v| !v.is_empty());
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    if let Some(url) = with_added_filter(&pairs) {
        return Redirect::to(&url).into_response();
    }
    // The dashboard's filters, as its "all responses of this view" link carries them.
    let filters = query_filters(&pairs);
    let mut input = ResponseListInput {
        survey: get("survey"),
        since: get("since"),
        until: get("until"),
        channels: get("channel").into_iter().collect(),
        cursor: get("cursor"),
        limit: Some(PAGE),
        ..ResponseListInput::default()
    };
    for (key, values) in &filters {
        input.add_filter(key, values);
    }
    let (explored, next) = match state.app.explore(&input).await {
        Ok(found) => found,
        Err(AppError::Invalid(problems)) => {
            let text = problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return message(
                lang,
                "/responses",
                StatusCode::UNPROCESSABLE_ENTITY,
                "422",
                &text,
            );
        }
        Err(other) => return crate::ApiError::from(other).into_response(),
    };
    let surveys = match state.app.surveys().await {
        Ok(list) => list,
        Err(error) => return crate::ApiError::from(error).into_response(),
    };
    let labels: Vec<(String, String)> =
        match state.app.response_fields(input.survey.as_deref()).await {
            Ok(fields) => fields
                .into_iter()
                .map(|(key, label)| {
                    let label = match key.as_str() {
                        "channel" => lang.t("responses.channel").to_owned(),
                        "touchpoint" => lang.t("responses.touchpoint").to_owned(),
                        _ => label,
                    };
                    (key, label)
                })
                .collect(),
            Err(error) => return crate::ApiError::from(error).into_response(),
        };
    let zone = state.app.config().zone();
    let rows = explored
        .iter()
        .map(|e| {
            let r = &e.response;
            Row {
                uid: r.uid.clone(),
                time: zone
                    .local_time(r.submitted_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                survey: r.survey.clone(),
                channel: r.channel.clone(),
                scores: r
                    .answers
                    .iter()
                    .filter(|(_, v)| v.is_number())
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(" · "),
                comments: comment_cells(lang, e),
            }
        })
        .collect();
    let next_url = next.map(|cursor| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
        pairs.retain(|(k, _)| k != "cursor");
        pairs.push(("cursor".to_owned(), cursor));
        format!(
            "/responses?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    });
    let page = ListPage {
        lang,
        switch_url: switch_url("/responses", query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        surveys: surveys
            .iter()
            .map(|s| {
                let key = s.survey.key.to_string();
                let selected = input.survey.as_deref() == Some(key.as_str());
                (
                    key,
                    s.survey.name.in_language(lang.code()).to_owned(),
                    selected,
                )
            })
            .collect(),
        since: input.since.clone().unwrap_or_default(),
        until: input.until.clone().unwrap_or_default(),
        channel: get("channel").unwrap_or_default(),
        rows,
        next_url,
        // The channel has a field of its own.
        fields: labels
            .iter()
            .filter(|(key, _)| key != "channel")
            .cloned()
            .collect(),
        active_filters: filter_tags("/responses", &pairs, &filters, &labels),
        active_filters_hidden: pairs
            .iter()
            .filter(|(k, _)| k.starts_with("filter."))
            .cloned()
            .collect(),
    };
    render(&page, StatusCode::OK)
}

/// The explorer's URL with the filter its form adds (`add` = a field, `add_value` = a value)
/// as `filter.FIELD=VALUE`, from the first page; `None` when the query adds nothing.
fn with_added_filter(pairs: &[(String, String)]) -> Option<String> {
    let field = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let (key, value) = (field("add")?, field("add_value").unwrap_or_default());
    let mut kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "add" | "add_value" | "cursor"))
        .cloned()
        .collect();
    let filter = (format!("filter.{key}"), value);
    if !key.is_empty() && !filter.1.is_empty() && !kept.contains(&filter) {
        kept.push(filter);
    }
    Some(format!(
        "/responses?{}",
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    ))
}

/// One response.
pub async fn one(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let explored = match state.app.explore_one(&uid).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => {
            return message(
                lang,
                "/responses",
                StatusCode::NOT_FOUND,
                "404",
                lang.t("error.not_found"),
            );
        }
        Err(other) => return crate::ApiError::from(other).into_response(),
    };
    let survey = state
        .app
        .survey(&explored.response.survey)
        .await
        .ok()
        .map(|s| s.survey);
    let r = &explored.response;
    let zone = state.app.config().zone();
    let facts = vec![
        (
            lang.t("responses.time"),
            zone.local_time(r.submitted_at).to_rfc3339(),
        ),
        (lang.t("responses.survey"), r.survey.clone()),
        (
            lang.t("responses.source"),
            format!("{} / {}", r.source, r.source_id),
        ),
        (lang.t("responses.channel"), r.channel.clone()),
        (
            lang.t("responses.touchpoint"),
            r.touchpoint.clone().unwrap_or_default(),
        ),
        (
            lang.t("responses.language"),
            r.language.clone().unwrap_or_default(),
        ),
        (
            lang.t("responses.customer"),
            r.customer.clone().unwrap_or_default(),
        ),
        (lang.t("responses.complete"), r.complete.to_string()),
        (
            lang.t("responses.dimensions"),
            r.dimensions
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    let answers = r
        .answers
        .iter()
        .map(|(key, value)| {
            let question = key.split('.').next().unwrap_or(key);
            let text = survey
                .as_ref()
                .and_then(|s| s.question(question))
                .map(|q| q.text.in_language(lang.code()).to_owned())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| key.clone());
            let shown = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (
                if key.contains('.') {
                    format!("{text} ({key})")
                } else {
                    text
                },
                shown,
            )
        })
        .collect();
    let page = OnePage {
        lang,
        switch_url: switch_url(&format!("/responses/{uid}"), query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        facts,
        answers,
        comments: comment_cells(lang, &explored),
    };
    render(&page, StatusCode::OK)
}
