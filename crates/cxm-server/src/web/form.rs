//! Public survey forms at `/s/{key}`: mobile-first, in the visitor's language (Accept-Language,
//! with a switch), usable with the keyboard and without JavaScript; NPS as eleven buttons with
//! end labels. Posting needs the form's CSRF token (double-submit cookie); a filled honeypot
//! field is thanked and dropped; each IP may post a survey a limited number of times per ten
//! minutes; an invitation token (`?t=`) answers once.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{ConnectInfo, Path, RawForm, RawQuery, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cxm_app::{AppError, FormFields};
use cxm_domain::{QuestionKind, Survey};

use crate::AppState;
use crate::web::i18n::Lang;
use crate::web::session::{CSRF_COOKIE, cookie, new_token, same_token, set_cookie, url_escape};
use crate::web::{message, query_value, render, switch_url};

/// Posts one IP may make to one survey per window.
pub const POSTS_PER_WINDOW: usize = 20;
/// The rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(600);

/// Recent posts per (IP, survey).
#[derive(Debug, Default)]
pub struct RateLimiter {
    posts: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Records a post; `false` when the IP is over its limit for the survey.
    pub fn allow(&self, ip: &str, survey: &str) -> bool {
        let Ok(mut posts) = self.posts.lock() else {
            return true;
        };
        let now = Instant::now();
        if posts.len() > 100_000 {
            posts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let times = posts.entry((ip.to_owned(), survey.to_owned())).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= POSTS_PER_WINDOW {
            return false;
        }
        times.push_back(now);
        true
    }
}

enum Widget {
    Scale(Vec<String>, String, String),
    Choice(Vec<(String, String)>, bool),
    Matrix(Vec<(String, String)>, Vec<String>),
    Text,
}

struct QuestionView {
    key: String,
    text: String,
    required: bool,
    widget: Widget,
    chosen: Vec<String>,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    lang: Lang,
    switch_url: String,
    title: String,
    action: String,
    csrf: String,
    questions: Vec<QuestionView>,
    problems: Vec<String>,
    preview: bool,
}

fn questions(survey: &Survey, lang: Lang, fields: &FormFields) -> Vec<QuestionView> {
    let text = |t: &cxm_domain::LocalizedText, fallback: &str| {
        let shown = t.in_language(lang.code());
        if shown.is_empty() {
            fallback.to_owned()
        } else {
            shown.to_owned()
        }
    };
    survey
        .questions
        .iter()
        .filter(|q| q.kind != QuestionKind::Hidden)
        .map(|q| {
            let key = q.key.to_string();
            let widget = match &q.kind {
                QuestionKind::Nps { labels } => Widget::Scale(
                    (0..=10).map(|i| i.to_string()).collect(),
                    text(&labels.min, lang.t("form.not_likely")),
                    text(&labels.max, lang.t("form.very_likely")),
                ),
                QuestionKind::Rating {
                    min, max, labels, ..
                } => Widget::Scale(
                    (*min..=*max).map(|i| i.to_string()).collect(),
                    text(&labels.min, ""),
                    text(&labels.max, ""),
                ),
                QuestionKind::SingleChoice { options } | QuestionKind::MultiChoice { options } => {
                    Widget::Choice(
                        options
                            .iter()
                            .map(|o| (o.key.to_string(), text(&o.text, o.key.as_str())))
                            .collect(),
                        matches!(q.kind, QuestionKind::MultiChoice { .. }),
                    )
                }
                QuestionKind::Matrix { rows, min, max } => Widget::Matrix(
                    rows.iter()
                        .map(|r| (r.key.to_string(), text(&r.text, r.key.as_str())))
                        .collect(),
                    (*min..=*max).map(|i| i.to_string()).collect(),
                ),
                QuestionKind::Text | QuestionKind::Hidden => Widget::Text,
            };
            QuestionView {
                chosen: fields
                    .iter()
                    .filter(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
                    .collect(),
                key,
                text: text(&q.text, q.key.as_str()),
                required: q.required,
                widget,
            }
        })
        .collect()
}

/// The form.
pub async fn page(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::choose(
        query_value(query.as_deref(), "lang").as_deref(),
        None,
        &headers,
    );
    let path = format!("/s/{}", url_escape(&key));
    let survey = match state.app.live_survey(&key).await {
        Ok(survey) => survey,
        Err(AppError::NotFound(_)) => {
            return message(
                lang,
                &path,
                StatusCode::NOT_FOUND,
                "404",
                lang.t("error.not_found"),
            );
        }
        Err(AppError::Conflict(_)) => {
            return message(lang, &path, StatusCode::GONE, &key, lang.t("form.closed"));
        }
        Err(other) => return crate::ApiError::from(other).into_response(),
    };
    let csrf = cookie(&headers, CSRF_COOKIE)
        .filter(|t| t.len() == 32)
        .unwrap_or_else(new_token);
    let mut action = format!("{path}?lang={}", lang.code());
    if let Some(token) = query_value(query.as_deref(), "t") {
        action.push_str(&format!("&t={}", url_escape(&token)));
    }
    let page = FormPage {
        lang,
        switch_url: switch_url(&path, query.as_deref(), lang),
        title: survey.name.in_language(lang.code()).to_owned(),
        action,
        csrf: csrf.clone(),
        questions: questions(&survey, lang, &Vec::new()),
        problems: Vec::new(),
        preview: false,
    };
    let mut response = render(&page, StatusCode::OK);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, CSRF_COOKIE, &csrf, 86_400),
    );
    response
}

/// A submitted form.
pub async fn submit(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    extensions: Extensions,
    RawForm(body): RawForm,
) -> Response {
    let lang = Lang::choose(
        query_value(query.as_deref(), "lang").as_deref(),
        None,
        &headers,
    );
    let path = format!("/s/{}", url_escape(&key));
    let fields: FormFields = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if !same_token(
        field("csrf"),
        &cookie(&headers, CSRF_COOKIE).unwrap_or_default(),
    ) {
        return message(
            lang,
            &path,
            StatusCode::FORBIDDEN,
            "403",
            lang.t("csrf.refused"),
        );
    }
    let thanks = || {
        message(
            lang,
            &path,
            StatusCode::OK,
            lang.t("form.thanks_title"),
            lang.t("form.thanks"),
        )
    };
    if !field("website").is_empty() {
        // A bot filled the hidden field: thank it and keep nothing.
        return thanks();
    }
    let ip = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned())
        .or_else(|| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })
        .unwrap_or_default();
    if !state.limiter.allow(&ip, &key) {
        return message(
            lang,
            &path,
            StatusCode::TOO_MANY_REQUESTS,
            "429",
            lang.t("form.too_many"),
        );
    }
    let token = query_value(query.as_deref(), "t");
    match state
        .app
        .submit_form(&key, &fields, token.as_deref(), lang.code())
        .await
    {
        Ok(()) => thanks(),
        Err(AppError::Invalid(problems)) => {
            let Ok(survey) = state.app.live_survey(&key).await else {
                return message(lang, &path, StatusCode::GONE, &key, lang.t("form.closed"));
            };
            let text_of = |field: &str| {
                let key = field.strip_prefix("answers.").unwrap_or(field);
                survey.question(key).map_or_else(
                    || key.to_owned(),
                    |q| q.text.in_language(lang.code()).to_owned(),
                )
            };
            let page = FormPage {
                lang,
                switch_url: switch_url(&path, query.as_deref(), lang),
                title: survey.name.in_language(lang.code()).to_owned(),
                action: format!("{path}?{}", query.as_deref().unwrap_or("")),
                csrf: field("csrf").to_owned(),
                preview: false,
                questions: questions(&survey, lang, &fields),
                problems: problems
                    .iter()
                    .map(|p| {
                        let said = if p.message == "is required" {
                            lang.t("form.required")
                        } else {
                            p.message.as_str()
                        };
                        format!("{}: {said}", text_of(&p.field))
                    })
                    .collect(),
            };
            render(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Conflict(reason)) if reason.contains("invitation") => message(
            lang,
            &path,
            StatusCode::CONFLICT,
            &key,
            lang.t("form.used_token"),
        ),
        Err(AppError::Conflict(_)) | Err(AppError::NotFound(_)) => {
            message(lang, &path, StatusCode::GONE, &key, lang.t("form.closed"))
        }
        Err(other) => crate::ApiError::from(other).into_response(),
    }
}

/// The form as respondents will see it, for any status, without sending.
pub async fn preview(
    State(state): State<AppState>,
    user: crate::web::session::SignedInUser,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::choose(
        query_value(query.as_deref(), "lang").as_deref(),
        Some(&user.session.user.language),
        &headers,
    );
    let path = format!("/surveys/{}/preview", url_escape(&key));
    let survey = match state.app.survey(&key).await {
        Ok(summary) => summary.survey,
        Err(AppError::NotFound(_)) => {
            return message(
                lang,
                &path,
                StatusCode::NOT_FOUND,
                "404",
                lang.t("error.not_found"),
            );
        }
        Err(other) => return crate::ApiError::from(other).into_response(),
    };
    let page = FormPage {
        lang,
        switch_url: switch_url(&path, query.as_deref(), lang),
        title: survey.name.in_language(lang.code()).to_owned(),
        action: String::new(),
        csrf: String::new(),
        questions: questions(&survey, lang, &Vec::new()),
        problems: Vec::new(),
        preview: true,
    };
    render(&page, StatusCode::OK)
}
