//! Pages, server-rendered from compile-checked askama templates (`templates/`) in zh-CN and en
//! (`messages/`): sign-in, the overview dashboard, the responses explorer, the survey builder and
//! the public survey forms, imports of other tools' exports (upload, dry run, import), the case inbox and case pages, the routing-rule and SLA editors and
//! the case scorecards. Page handlers, like API handlers, only extract, authorise, call one use
//! case and render.

pub mod builder;
pub mod case_settings;
pub mod cases;
pub mod chart;
pub mod dashboard;
pub mod form;
pub mod i18n;
mod import_words;
pub mod imports;
pub mod login;
pub mod qr;
pub mod responses;
pub mod scorecard;
pub mod session;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::web::i18n::Lang;

/// The front door: the dashboard (which sends signed-out visitors to sign in).
pub async fn home() -> axum::response::Redirect {
    axum::response::Redirect::to("/dashboard")
}

/// The status of a page that shows a form: 422 when it carries the error of a refused post.
pub(crate) fn form_status<E>(error: Option<&E>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

/// Renders a page, or a plain 500 when the template fails.
pub(crate) fn render(page: &impl Template, status: StatusCode) -> Response {
    match page.render() {
        // Pages carry sessions and CSRF tokens: never from a cache.
        Ok(html) => (
            status,
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            Html(html),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering a page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: Lang,
    switch_url: String,
    title: String,
    message: String,
}

/// A page that only says something (thanks, refused, closed).
pub(crate) fn message(
    lang: Lang,
    path: &str,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Response {
    let page = MessagePage {
        lang,
        switch_url: switch_url(path, None, lang),
        title: title.to_owned(),
        message: text.to_owned(),
    };
    render(&page, status)
}

/// The fields of a signed-in user's form, or the refusal of a form that does not carry the
/// session's CSRF token (`back` is the page it came from).
pub(crate) fn checked_form(
    lang: Lang,
    user: &crate::web::session::SignedInUser,
    body: &[u8],
    back: &str,
) -> Result<Vec<(String, String)>, Box<Response>> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if !crate::web::session::same_token(csrf, &user.session.csrf) {
        return Err(Box::new(message(
            lang,
            back,
            StatusCode::FORBIDDEN,
            "403",
            lang.t("csrf.refused"),
        )));
    }
    Ok(fields)
}

/// The last value of a form field, trimmed (`""` when absent).
pub(crate) fn form_field(fields: &[(String, String)], key: &str) -> String {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// What a page says of a refused action: every problem with its field, or the reason.
pub(crate) fn error_text(error: cxm_app::AppError) -> String {
    match error {
        cxm_app::AppError::Invalid(problems) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        cxm_app::AppError::Conflict(text) => text,
        other => other.to_string(),
    }
}

/// One value of a query string.
pub(crate) fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    pairs
        .into_iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The `filter.KEY=VALUE` pairs of a page's query (the dashboard's and the explorer's): each
/// key (`channel`, `touchpoint`, a dimension key, `answer:<question>`) with its values.
pub(crate) fn query_filters(pairs: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut filters: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in pairs {
        if let Some(name) = key
            .strip_prefix("filter.")
            .filter(|n| !n.is_empty() && !value.is_empty())
        {
            match filters.iter_mut().find(|(k, _)| k == name) {
                Some((_, values)) => values.push(value.clone()),
                None => filters.push((name.to_owned(), vec![value.clone()])),
            }
        }
    }
    filters
}

/// The filters in force as tags, `field = value ×`, each with the URL of `path` without it.
/// A field is named by its label in `labels` (a choice question by its text), else its key.
pub(crate) fn filter_tags(
    path: &str,
    pairs: &[(String, String)],
    filters: &[(String, Vec<String>)],
    labels: &[(String, String)],
) -> Vec<(String, String)> {
    filters
        .iter()
        .flat_map(|(key, values)| values.iter().map(move |v| (key.clone(), v.clone())))
        .map(|(key, value)| {
            let shown = labels
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(key.as_str(), |(_, label)| label.as_str());
            let kept: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k, v)| !(k == &format!("filter.{key}") && v == &value))
                .cloned()
                .collect();
            (
                format!("{shown} = {value} ×"),
                format!(
                    "{path}?{}",
                    serde_urlencoded::to_string(&kept).unwrap_or_default()
                ),
            )
        })
        .collect()
}

/// The same page in the other language: the query with `lang` replaced.
pub(crate) fn switch_url(path: &str, query: Option<&str>, lang: Lang) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "lang");
    pairs.push(("lang".to_owned(), lang.other().code().to_owned()));
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}
