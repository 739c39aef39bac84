//! The OpenAPI document, generated from the handlers' annotations and the types they exchange.

use std::sync::OnceLock;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "cxm API", description = "Customer experience management: surveys, responses and metrics with their uncertainty."),
    paths(
        crate::api::health,
        crate::api::surveys::list,
        crate::api::surveys::create,
        crate::api::surveys::show,
        crate::api::surveys::update,
        crate::api::surveys::delete,
        crate::api::responses::ingest,
        crate::api::responses::list,
        crate::api::metrics::query_string,
        crate::api::metrics::query_body,
        crate::api::text::analyze,
        crate::api::imports::import,
        crate::api::imports::export,
        crate::api::imports::wjx_push,
        crate::api::imports::webhook,
        crate::api::cases::open,
        crate::api::cases::import,
        crate::api::cases::list,
        crate::api::cases::show,
        crate::api::cases::act,
        crate::api::cases::escalate,
        crate::api::cases::scorecard,
        crate::api::case_settings::create_department,
        crate::api::case_settings::list_departments,
        crate::api::case_settings::update_department,
        crate::api::case_settings::create_rule,
        crate::api::case_settings::list_rules,
        crate::api::case_settings::update_rule,
        crate::api::case_settings::delete_rule,
        crate::api::case_settings::set_sla,
        crate::api::case_settings::list_sla,
        crate::api::case_settings::set_volumes,
        crate::api::case_settings::import_volumes,
        crate::api::case_settings::set_contacts,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, cxm_app::Problem, cxm_app::IngestReport)),
    modifiers(&BearerAuth),
    tags((name = "surveys"), (name = "responses"), (name = "metrics"), (name = "text"), (name = "imports"), (name = "cases"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The OpenAPI 3.1 document as JSON text, built once.
pub fn openapi_json() -> String {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            ApiDoc::openapi()
                .to_pretty_json()
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        })
        .clone()
}
