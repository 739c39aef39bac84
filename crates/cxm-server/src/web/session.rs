//! Sessions of the web app: the `cxm_session` cookie (HttpOnly, SameSite=Lax, Secure behind
//! TLS), the extractor that sends signed-out visitors to the sign-in page, and CSRF checks:
//! a signed-in form carries its session's token; forms without a session (sign-in, public
//! surveys) carry the token of a `cxm_csrf` cookie set with the page (double submit).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use cxm_app::Session;

use crate::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "cxm_session";
/// Name of the anonymous CSRF cookie.
pub const CSRF_COOKIE: &str = "cxm_csrf";

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// Whether the request came over TLS (directly or through a proxy that says so).
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, Secure behind TLS.
pub fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age_seconds: i64,
) -> HeaderValue {
    let secure = if over_tls(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in user of a page request; signed-out visitors are sent to `/login`.
#[derive(Debug, Clone)]
pub struct SignedInUser {
    /// The session.
    pub session: Session,
    /// The cookie secret (to end the session).
    pub secret: String,
}

impl SignedInUser {
    /// The page language: `?lang=`, else the user's choice, else the browser's.
    pub fn lang(&self, query: Option<&str>, headers: &HeaderMap) -> crate::web::i18n::Lang {
        crate::web::i18n::Lang::choose(
            crate::web::query_value(query, "lang").as_deref(),
            Some(&self.session.user.language),
            headers,
        )
    }
}

impl FromRequestParts<AppState> for SignedInUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map_or("/dashboard", |p| p.as_str());
            let next: String = url_escape(next);
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state.app.session(&secret).await {
            Ok(Some(session)) => Ok(SignedInUser { session, secret }),
            Ok(None) => Err(to_login()),
            Err(error) => Err(crate::ApiError::from(error).into_response()),
        }
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Compares tokens without stopping at the first difference.
pub fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty()
        && a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A fresh random token for the anonymous CSRF cookie.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the token is empty and every form is refused: safe, and visible.
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
