//! The survey builder: the list of surveys, a form that creates or edits one (a row per
//! question, with zh and en texts, kinds, scales and options; no JavaScript needed), a preview
//! that renders the public form without sending, and sharing: the public link, publishing, and
//! the link's QR code as PNG and SVG.

use askama::Template;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cxm_app::{AppError, Role};
use cxm_domain::{
    ChoiceOption, LocalizedText, MetricRole, Question, QuestionKey, QuestionKind, ScaleLabels,
    Survey, SurveyKey, SurveyStatus,
};

use crate::AppState;
use crate::web::i18n::Lang;
use crate::web::session::{SignedInUser, same_token};
use crate::web::{message, qr, render, switch_url};

/// Empty question rows offered below the existing ones.
const BLANK_ROWS: usize = 3;

struct SurveyRow {
    key: String,
    name: String,
    status: &'static str,
    responses: u64,
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    can_edit: bool,
    surveys: Vec<SurveyRow>,
}

#[derive(Debug, Clone, Default)]
struct QuestionRow {
    key: String,
    kind: String,
    text_zh: String,
    text_en: String,
    required: bool,
    options: String,
    min: String,
    max: String,
}

#[derive(Template)]
#[template(path = "builder.html")]
struct BuilderPage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    action: String,
    editing: bool,
    /// The `updated_at` of the survey as opened, sent back so that a save over someone
    /// else's later change is refused.
    version: String,
    key: String,
    name_zh: String,
    name_en: String,
    statuses: Vec<(&'static str, &'static str, bool)>,
    kinds: Vec<(&'static str, &'static str)>,
    questions: Vec<QuestionRow>,
    problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "share.html")]
struct SharePage {
    lang: Lang,
    switch_url: String,
    user_name: String,
    csrf: String,
    can_edit: bool,
    key: String,
    name: String,
    link: String,
    live: bool,
    qr: String,
}

const KINDS: [&str; 9] = [
    "nps",
    "csat",
    "ces",
    "rating",
    "single_choice",
    "multi_choice",
    "text",
    "matrix",
    "hidden",
];

fn can_edit(user: &SignedInUser) -> bool {
    user.session.user.role >= Role::Analyst
}

/// The refusal of a form without its session's CSRF token, or from a user who may not edit
/// surveys.
fn refusal(lang: Lang, user: &SignedInUser, fields: &[(String, String)]) -> Option<Response> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if !same_token(csrf, &user.session.csrf) {
        return Some(message(
            lang,
            "/surveys",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("csrf.refused"),
        ));
    }
    if !can_edit(user) {
        return Some(message(
            lang,
            "/surveys",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("builder.forbidden"),
        ));
    }
    None
}

fn error_page(lang: Lang, error: AppError) -> Response {
    match error {
        AppError::NotFound(_) => message(
            lang,
            "/surveys",
            StatusCode::NOT_FOUND,
            "404",
            lang.t("error.not_found"),
        ),
        other => crate::ApiError::from(other).into_response(),
    }
}

/// Every survey.
pub async fn list(
    State(state): State<AppState>,
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let surveys = match state.app.surveys().await {
        Ok(list) => list,
        Err(error) => return error_page(lang, error),
    };
    let page = ListPage {
        lang,
        switch_url: switch_url("/surveys", query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        can_edit: can_edit(&user),
        surveys: surveys
            .iter()
            .map(|s| SurveyRow {
                key: s.survey.key.to_string(),
                name: s.survey.name.in_language(lang.code()).to_owned(),
                status: lang.t(&format!("status.{}", s.survey.status.as_str())),
                responses: s.responses,
            })
            .collect(),
    };
    render(&page, StatusCode::OK)
}

fn rows_of(survey: &Survey) -> Vec<QuestionRow> {
    let options_text = |options: &[ChoiceOption]| {
        options
            .iter()
            .map(|o| {
                format!(
                    "{}: {} | {}",
                    o.key,
                    o.text.zh.as_deref().unwrap_or(""),
                    o.text.en.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    survey
        .questions
        .iter()
        .map(|q| {
            let mut row = QuestionRow {
                key: q.key.to_string(),
                text_zh: q.text.zh.clone().unwrap_or_default(),
                text_en: q.text.en.clone().unwrap_or_default(),
                required: q.required,
                ..QuestionRow::default()
            };
            match &q.kind {
                QuestionKind::Nps { .. } => row.kind = "nps".into(),
                QuestionKind::Rating { min, max, role, .. } => {
                    row.kind = match role {
                        Some(MetricRole::Csat) => "csat",
                        Some(MetricRole::Ces) => "ces",
                        None => "rating",
                    }
                    .into();
                    row.min = min.to_string();
                    row.max = max.to_string();
                }
                QuestionKind::SingleChoice { options } => {
                    row.kind = "single_choice".into();
                    row.options = options_text(options);
                }
                QuestionKind::MultiChoice { options } => {
                    row.kind = "multi_choice".into();
                    row.options = options_text(options);
                }
                QuestionKind::Matrix { rows, min, max } => {
                    row.kind = "matrix".into();
                    row.options = options_text(rows);
                    row.min = min.to_string();
                    row.max = max.to_string();
                }
                QuestionKind::Text => row.kind = "text".into(),
                QuestionKind::Hidden => row.kind = "hidden".into(),
            }
            row
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn builder_page(
    lang: Lang,
    user: &SignedInUser,
    action: String,
    editing: Option<&str>,
    key: String,
    name: &LocalizedText,
    status: SurveyStatus,
    mut questions: Vec<QuestionRow>,
    problems: Vec<String>,
) -> BuilderPage {
    questions.extend((0..BLANK_ROWS).map(|_| QuestionRow {
        kind: "nps".into(),
        ..QuestionRow::default()
    }));
    BuilderPage {
        lang,
        switch_url: switch_url(&action, None, lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        action,
        editing: editing.is_some(),
        version: editing.unwrap_or_default().to_owned(),
        key,
        name_zh: name.zh.clone().unwrap_or_default(),
        name_en: name.en.clone().unwrap_or_default(),
        statuses: [
            SurveyStatus::Draft,
            SurveyStatus::Live,
            SurveyStatus::Closed,
        ]
        .into_iter()
        .map(|s| {
            (
                s.as_str(),
                lang.t(&format!("status.{}", s.as_str())),
                s == status,
            )
        })
        .collect(),
        kinds: KINDS
            .iter()
            .map(|k| (*k, lang.t(&format!("kind.{k}"))))
            .collect(),
        questions,
        problems,
    }
}

/// The form for a new survey.
pub async fn new_page(
    user: SignedInUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    if !can_edit(&user) {
        return message(
            lang,
            "/surveys",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("builder.forbidden"),
        );
    }
    let page = builder_page(
        lang,
        &user,
        "/surveys/new".into(),
        None,
        String::new(),
        &LocalizedText::default(),
        SurveyStatus::Draft,
        Vec::new(),
        Vec::new(),
    );
    render(&page, StatusCode::OK)
}

/// The form for an existing survey.
pub async fn edit_page(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    if !can_edit(&user) {
        return message(
            lang,
            "/surveys",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("builder.forbidden"),
        );
    }
    let (survey, version) = match state.app.survey(&key).await {
        Ok(summary) => (summary.survey, summary.updated_at),
        Err(error) => return error_page(lang, error),
    };
    let page = builder_page(
        lang,
        &user,
        format!("/surveys/{key}/edit"),
        Some(&version),
        key.clone(),
        &survey.name,
        survey.status,
        rows_of(&survey),
        Vec::new(),
    );
    render(&page, StatusCode::OK)
}

/// Text in one or both languages: `中文 | English`, or one text in the language it is in.
fn texts(zh: &str, en: &str) -> LocalizedText {
    let clean = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    LocalizedText {
        zh: clean(zh),
        en: clean(en),
    }
}

/// Options from lines `key: 中文 | English`, `中文 | English` or a single label.
fn parse_options(text: &str) -> Result<Vec<ChoiceOption>, String> {
    let mut options: Vec<ChoiceOption> = Vec::new();
    for (index, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (key, label) = match line.split_once(':') {
            Some((key, rest)) if QuestionKey::parse(key.trim()).is_ok() => {
                (Some(key.trim().to_owned()), rest.trim())
            }
            _ => (None, line),
        };
        let text = match label.split_once('|') {
            Some((zh, en)) => texts(zh, en),
            None if label
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) =>
            {
                texts(label, "")
            }
            None => texts("", label),
        };
        let key = key.unwrap_or_else(|| format!("o{}", index + 1));
        let key = QuestionKey::parse(&key).map_err(|e| e.message)?;
        if options.iter().any(|o| o.key == key) {
            return Err(format!("option {key} appears twice"));
        }
        options.push(ChoiceOption { key, text });
    }
    if options.is_empty() {
        return Err("give at least one option, one per line".to_owned());
    }
    Ok(options)
}

/// The survey a builder form describes.
fn survey_from(fields: &[(String, String)]) -> Result<Survey, Vec<String>> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    let key = SurveyKey::parse(&field("key")).map_err(|e| vec![e.message])?;
    let status = SurveyStatus::parse(&field("status")).unwrap_or_default();
    let mut questions = Vec::new();
    for index in 0.. {
        let prefix = format!("q{index}.");
        if !fields.iter().any(|(k, _)| k.starts_with(&prefix)) {
            break;
        }
        let get = |name: &str| field(&format!("{prefix}{name}"));
        let question_key = get("key");
        if question_key.is_empty() {
            continue;
        }
        let label = format!("{} {question_key}", index + 1);
        let number = |name: &str, default: i64| -> Result<i64, String> {
            let text = get(name);
            if text.is_empty() {
                Ok(default)
            } else {
                text.parse()
                    .map_err(|_| format!("{label}: {name} {text:?} is not a whole number"))
            }
        };
        let kind = (|| -> Result<QuestionKind, String> {
            Ok(match get("kind").as_str() {
                "nps" => QuestionKind::Nps {
                    labels: ScaleLabels::default(),
                },
                "csat" => QuestionKind::Rating {
                    min: number("min", 1)?,
                    max: number("max", 5)?,
                    role: Some(MetricRole::Csat),
                    labels: ScaleLabels::default(),
                },
                "ces" => QuestionKind::Rating {
                    min: number("min", 1)?,
                    max: number("max", 7)?,
                    role: Some(MetricRole::Ces),
                    labels: ScaleLabels::default(),
                },
                "rating" => QuestionKind::Rating {
                    min: number("min", 1)?,
                    max: number("max", 5)?,
                    role: None,
                    labels: ScaleLabels::default(),
                },
                "single_choice" => QuestionKind::SingleChoice {
                    options: parse_options(&get("options")).map_err(|e| format!("{label}: {e}"))?,
                },
                "multi_choice" => QuestionKind::MultiChoice {
                    options: parse_options(&get("options")).map_err(|e| format!("{label}: {e}"))?,
                },
                "matrix" => QuestionKind::Matrix {
                    rows: parse_options(&get("options")).map_err(|e| format!("{label}: {e}"))?,
                    min: number("min", 1)?,
                    max: number("max", 7)?,
                },
                "hidden" => QuestionKind::Hidden,
                _ => QuestionKind::Text,
            })
        })();
        match (QuestionKey::parse(&question_key), kind) {
            (Ok(key), Ok(kind)) => questions.push(Question {
                key,
                kind,
                text: texts(&get("text_zh"), &get("text_en")),
                required: get("required") == "1",
            }),
            (Err(error), _) => problems.push(format!("{label}: {}", error.message)),
            (_, Err(error)) => problems.push(error),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Survey::new(
        key,
        texts(&field("name_zh"), &field("name_en")),
        status,
        questions,
    )
    .map_err(|e| vec![e.to_string()])
}

async fn save(
    state: AppState,
    user: SignedInUser,
    editing: Option<String>,
    headers: HeaderMap,
    body: &[u8],
) -> Response {
    let lang = user.lang(None, &headers);
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    if let Some(refused) = refusal(lang, &user, &fields) {
        return refused;
    }
    let mut fields = fields;
    if let Some(key) = &editing {
        fields.retain(|(k, _)| k != "key");
        fields.push(("key".to_owned(), key.clone()));
    }
    let version = fields
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str());
    let result = match survey_from(&fields) {
        Ok(survey) => {
            let saved = if editing.is_some() {
                state.app.update_survey(&survey, version).await
            } else {
                state.app.create_survey(&survey).await
            };
            match saved {
                Ok(saved) => Ok(saved.survey),
                Err(AppError::Invalid(problems)) => {
                    Err(problems.iter().map(ToString::to_string).collect())
                }
                // A colleague saved a newer version after this form was opened.
                Err(AppError::Stale(_)) => Err(vec![lang.t("builder.stale").to_owned()]),
                Err(other) => Err(vec![other.to_string()]),
            }
        }
        Err(problems) => Err(problems),
    };
    match result {
        Ok(survey) => {
            axum::response::Redirect::to(&format!("/surveys/{}/share", survey.key)).into_response()
        }
        Err(problems) => {
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut rows = Vec::new();
            for index in 0.. {
                let prefix = format!("q{index}.");
                if !fields.iter().any(|(k, _)| k.starts_with(&prefix)) {
                    break;
                }
                let row = |name: &str| get(&format!("{prefix}{name}"));
                if row("key").is_empty() {
                    continue;
                }
                rows.push(QuestionRow {
                    key: row("key"),
                    kind: row("kind"),
                    text_zh: row("text_zh"),
                    text_en: row("text_en"),
                    required: row("required") == "1",
                    options: row("options"),
                    min: row("min"),
                    max: row("max"),
                });
            }
            let action = editing.as_ref().map_or_else(
                || "/surveys/new".to_owned(),
                |k| format!("/surveys/{k}/edit"),
            );
            let name = texts(&get("name_zh"), &get("name_en"));
            let status = SurveyStatus::parse(&get("status")).unwrap_or_default();
            let version = get("version");
            let page = builder_page(
                lang,
                &user,
                action,
                editing.as_ref().map(|_| version.as_str()),
                get("key"),
                &name,
                status,
                rows,
                problems,
            );
            render(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// Creates a survey.
pub async fn create(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    save(state, user, None, headers, &body).await
}

/// Saves an edited survey.
pub async fn update(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(key): Path<String>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    save(state, user, Some(key), headers, &body).await
}

/// The public link of a survey on this server.
fn public_link(headers: &HeaderMap, key: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}/s/{key}")
}

/// The public link, publishing, and the QR code.
pub async fn share(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = user.lang(query.as_deref(), &headers);
    let survey = match state.app.survey(&key).await {
        Ok(summary) => summary.survey,
        Err(error) => return error_page(lang, error),
    };
    let link = public_link(&headers, &key);
    let page = SharePage {
        lang,
        switch_url: switch_url(&format!("/surveys/{key}/share"), query.as_deref(), lang),
        user_name: user.session.user.name.clone(),
        csrf: user.session.csrf.clone(),
        can_edit: can_edit(&user),
        name: survey.name.in_language(lang.code()).to_owned(),
        live: survey.status == SurveyStatus::Live,
        qr: qr::svg(&link).unwrap_or_default(),
        link,
        key,
    };
    render(&page, StatusCode::OK)
}

/// Makes a survey live.
pub async fn publish(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(key): Path<String>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let lang = user.lang(None, &headers);
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    if let Some(refused) = refusal(lang, &user, &fields) {
        return refused;
    }
    let (mut survey, version) = match state.app.survey(&key).await {
        Ok(summary) => (summary.survey, summary.updated_at),
        Err(error) => return error_page(lang, error),
    };
    survey.status = SurveyStatus::Live;
    if let Err(error) = state.app.update_survey(&survey, Some(&version)).await {
        return error_page(lang, error);
    }
    axum::response::Redirect::to(&format!("/surveys/{key}/share")).into_response()
}

/// The QR code of the public link as PNG.
pub async fn qr_png(user: SignedInUser, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let _ = user;
    match qr::png(&public_link(&headers, &key)) {
        Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error).into_response(),
    }
}

/// The QR code of the public link as SVG.
pub async fn qr_svg(user: SignedInUser, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let _ = user;
    match qr::svg(&public_link(&headers, &key)) {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error).into_response(),
    }
}
