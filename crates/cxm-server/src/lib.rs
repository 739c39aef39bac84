//! The HTTP server of cxm: the REST API under `/api/v1` with its OpenAPI document, and the
//! pages. [`router`] is a plain function that tests call without a socket; [`serve`] takes its
//! listener and shutdown signal from the caller.

mod api;
mod auth;
mod error;
mod openapi;
mod upload;
mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use cxm_app::App;

pub use error::ApiError;
pub use openapi::openapi_json;

/// Shared state of every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    app: Arc<App>,
    limiter: Arc<web::form::RateLimiter>,
    uploads: Arc<web::imports::PendingUploads>,
}

impl AppState {
    /// State around an opened application.
    pub fn new(app: App) -> AppState {
        AppState {
            app: Arc::new(app),
            limiter: Arc::default(),
            uploads: Arc::default(),
        }
    }
}

/// Largest request body: a batch of 10,000 responses with comments fits comfortably.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Largest export file an import upload may carry; larger files import with `cxm import`,
/// which streams them.
const MAX_UPLOAD_BYTES: usize = 512 * 1024 * 1024;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::home))
        .route("/login", get(web::login::page).post(web::login::submit))
        .route("/logout", post(web::login::logout))
        .route("/dashboard", get(web::dashboard::page))
        .route("/responses", get(web::responses::list))
        .route("/surveys", get(web::builder::list))
        .route(
            "/imports",
            get(web::imports::page)
                .post(web::imports::preview)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/imports/confirm", post(web::imports::confirm))
        .route("/imports/rejects/{token}", get(web::imports::rejects))
        .route(
            "/imports/complaints",
            post(web::imports::complaints).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/imports/volumes",
            post(web::imports::volumes).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/surveys/new",
            get(web::builder::new_page).post(web::builder::create),
        )
        .route(
            "/surveys/{key}/edit",
            get(web::builder::edit_page).post(web::builder::update),
        )
        .route("/surveys/{key}/preview", get(web::form::preview))
        .route("/surveys/{key}/share", get(web::builder::share))
        .route("/surveys/{key}/publish", post(web::builder::publish))
        .route("/surveys/{key}/qr.png", get(web::builder::qr_png))
        .route("/surveys/{key}/qr.svg", get(web::builder::qr_svg))
        .route("/responses/{uid}", get(web::responses::one))
        .route("/cases", get(web::cases::inbox))
        .route("/cases/scorecard", get(web::scorecard::page))
        .route("/cases/settings", get(web::case_settings::page))
        .route(
            "/cases/settings/rules",
            post(web::case_settings::create_rule),
        )
        .route(
            "/cases/settings/rules/{id}",
            post(web::case_settings::update_rule),
        )
        .route(
            "/cases/settings/rules/{id}/delete",
            post(web::case_settings::delete_rule),
        )
        .route("/cases/settings/sla", post(web::case_settings::set_sla))
        .route(
            "/cases/settings/departments",
            post(web::case_settings::create_department),
        )
        .route(
            "/cases/settings/departments/{key}",
            post(web::case_settings::update_department),
        )
        .route("/cases/{uid}", get(web::cases::show).post(web::cases::act))
        .route("/s/{key}", get(web::form::page).post(web::form::submit))
        .route("/api/v1/health", get(api::health))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route(
            "/api/v1/surveys",
            get(api::surveys::list).post(api::surveys::create),
        )
        .route(
            "/api/v1/surveys/{key}",
            get(api::surveys::show)
                .put(api::surveys::update)
                .delete(api::surveys::delete),
        )
        .route(
            "/api/v1/responses",
            get(api::responses::list).post(api::responses::ingest),
        )
        .route(
            "/api/v1/metrics",
            get(api::metrics::query_string).post(api::metrics::query_body),
        )
        .route("/api/v1/text/analyze", post(api::text::analyze))
        .route(
            "/api/v1/imports",
            post(api::imports::import).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/v1/surveys/{key}/export", get(api::imports::export))
        .route("/api/v1/feeds/wjx/{survey}", post(api::imports::wjx_push))
        .route("/api/v1/feeds/webhook", post(api::imports::webhook))
        .route(
            "/api/v1/cases",
            get(api::cases::list).post(api::cases::open),
        )
        .route(
            "/api/v1/cases/import",
            post(api::cases::import).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/v1/cases/escalations", post(api::cases::escalate))
        .route("/api/v1/cases/scorecard", get(api::cases::scorecard))
        .route("/api/v1/cases/{uid}", get(api::cases::show))
        .route("/api/v1/cases/{uid}/actions", post(api::cases::act))
        .route(
            "/api/v1/departments",
            get(api::case_settings::list_departments).post(api::case_settings::create_department),
        )
        .route(
            "/api/v1/routing-rules",
            get(api::case_settings::list_rules).post(api::case_settings::create_rule),
        )
        .route(
            "/api/v1/routing-rules/{id}",
            axum::routing::delete(api::case_settings::delete_rule)
                .put(api::case_settings::update_rule),
        )
        .route(
            "/api/v1/departments/{key}",
            axum::routing::put(api::case_settings::update_department),
        )
        .route("/api/v1/sla", get(api::case_settings::list_sla))
        .route(
            "/api/v1/sla/{priority}",
            axum::routing::put(api::case_settings::set_sla),
        )
        .route(
            "/api/v1/volumes",
            axum::routing::put(api::case_settings::set_volumes),
        )
        .route(
            "/api/v1/volumes/import",
            post(api::case_settings::import_volumes).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/api/v1/users/{name}/contacts",
            axum::routing::put(api::case_settings::set_contacts),
        )
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes in-flight requests.
///
/// # Errors
/// The listener's IO error.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(AppState::new(app));
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
