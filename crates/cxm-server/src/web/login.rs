//! Signing in and out: the sign-in form (CSRF by double-submit cookie, as there is no session
//! yet), the session cookie on success, and sign-out, which needs the session's CSRF token.

use askama::Template;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::web::i18n::Lang;
use crate::web::session::{
    CSRF_COOKIE, SESSION_COOKIE, SignedInUser, cookie, new_token, same_token, set_cookie,
};
use crate::web::{message, query_value, render, switch_url};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    switch_url: String,
    error: Option<&'static str>,
    csrf: String,
    next: String,
}

/// Where to go after signing in: a local path only.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/dashboard".to_owned())
}

/// The sign-in page.
pub async fn page(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let lang = Lang::choose(
        query_value(query.as_deref(), "lang").as_deref(),
        None,
        &headers,
    );
    let csrf = cookie(&headers, CSRF_COOKIE)
        .filter(|t| t.len() == 32)
        .unwrap_or_else(new_token);
    let page = LoginPage {
        lang,
        switch_url: switch_url("/login", query.as_deref(), lang),
        error: None,
        csrf: csrf.clone(),
        next: safe_next(query_value(query.as_deref(), "next")),
    };
    let mut response = render(&page, StatusCode::OK);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, CSRF_COOKIE, &csrf, 3600),
    );
    response
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// Signs in.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::choose(None, None, &headers);
    let expected = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if !same_token(&form.csrf, &expected) {
        return message(
            lang,
            "/login",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("csrf.refused"),
        );
    }
    match state.app.sign_in(&form.name, &form.password).await {
        Ok(signed_in) => {
            let mut response = Redirect::to(&safe_next(form.next)).into_response();
            let seconds = cxm_app::SESSION_DAYS * 86_400;
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&headers, SESSION_COOKIE, &signed_in.secret, seconds),
            );
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    &headers,
                    "cxm_lang",
                    &signed_in.session.user.language,
                    seconds,
                ),
            );
            response
        }
        Err(cxm_app::AppError::Forbidden(_)) => {
            let page = LoginPage {
                lang,
                switch_url: switch_url("/login", None, lang),
                error: Some(lang.t("login.failed")),
                csrf: expected,
                next: safe_next(form.next),
            };
            render(&page, StatusCode::UNAUTHORIZED)
        }
        Err(other) => crate::ApiError::from(other).into_response(),
    }
}

/// The sign-out form's fields.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Signs out.
pub async fn logout(
    State(state): State<AppState>,
    user: SignedInUser,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let lang = Lang::choose(None, Some(&user.session.user.language), &headers);
    if !same_token(&form.csrf, &user.session.csrf) {
        return message(
            lang,
            "/dashboard",
            StatusCode::FORBIDDEN,
            "403",
            lang.t("csrf.refused"),
        );
    }
    if let Err(error) = state.app.sign_out(&user.secret).await {
        return crate::ApiError::from(error).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, "", 0),
    );
    response
}
