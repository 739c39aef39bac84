//! REST handlers under `/api/v1`: each extracts, authorises, calls one use case and renders.

pub mod case_settings;
pub mod cases;
pub mod imports;
pub mod metrics;
pub mod responses;
pub mod surveys;
pub mod text;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::ApiError;

/// Liveness.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, description = "the server is up")))]
pub async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// The OpenAPI document of this API.
pub async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::openapi_json(),
    )
}

/// Unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see /api/v1/openapi.json",
    )
}

/// `key=value` pairs of a query string, with comma lists split.
pub(crate) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::malformed(format!("the query string cannot be read: {e}")))?;
    Ok(pairs)
}

/// Every value of the keys named, comma lists split, blanks dropped.
pub(crate) fn values(pairs: &[(String, String)], keys: &[&str]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// The last value of the keys named.
pub(crate) fn single(pairs: &[(String, String)], keys: &[&str]) -> Option<String> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| keys.contains(&k.as_str()))
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `prefix.KEY=value` pairs grouped by KEY.
pub(crate) fn prefixed(
    pairs: &[(String, String)],
    prefixes: &[&str],
) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in pairs {
        let Some(name) = prefixes
            .iter()
            .find_map(|p| key.strip_prefix(p).and_then(|k| k.strip_prefix('.')))
        else {
            continue;
        };
        let items = value
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        match out.iter_mut().find(|(k, _)| k == name) {
            Some((_, list)) => list.extend(items),
            None => out.push((name.to_owned(), items.collect())),
        }
    }
    out
}
