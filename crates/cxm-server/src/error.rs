//! The one error type of the HTTP layer and its JSON form,
//! `{"error": {"code", "message", "field", "problems"}}`. 4xx carry a message for the user;
//! 5xx a neutral message while the cause is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cxm_app::{AppError, Problem};
use serde::Serialize;

/// An error answered to an API client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    problems: Vec<Problem>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid`, `malformed`, `not_found`, `conflict`,
    /// `unauthorized`, `forbidden`, `too_large`, `internal`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The offending field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem found, each with its row (batch position) and field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl ApiError {
    /// A 4xx error with a user-facing message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    /// The same error about `field`.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// A request body that is not the JSON expected.
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed", message)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(problems) => {
                let message = if problems.len() == 1 {
                    problems[0].to_string()
                } else {
                    format!("{} problems; nothing was stored", problems.len())
                };
                let field = (problems.len() == 1 && !problems[0].field.is_empty())
                    .then(|| problems[0].field.clone());
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "invalid",
                    message,
                    field,
                    problems,
                }
            }
            AppError::Malformed(message) => ApiError::malformed(message),
            AppError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            AppError::Conflict(message) | AppError::Stale(message) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            AppError::Forbidden(message) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            AppError::Store(cause) => {
                tracing::error!(error = %cause, source = ?std::error::Error::source(&cause), "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server could not complete the request; the cause is in its log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
                problems: self.problems,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
