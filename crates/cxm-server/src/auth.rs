//! Bearer-token authentication: the extractor every API handler takes.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use cxm_app::Authenticated;

use crate::{ApiError, AppState};

/// The caller, authenticated by `Authorization: Bearer cxm_…`.
#[derive(Debug, Clone)]
pub struct Caller(pub Authenticated);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "send an API token as Authorization: Bearer cxm_…; `cxm token create` makes one")
            })?;
        let secret = header.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the Authorization header must be Bearer <token>",
            )
        })?;
        let authenticated = state
            .app
            .authenticate(secret)
            .await
            .map_err(|error| match error {
                cxm_app::AppError::Forbidden(_) => ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "unknown or revoked API token",
                ),
                other => ApiError::from(other),
            })?;
        Ok(Caller(authenticated))
    }
}
