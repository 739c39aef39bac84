//! Integration tests of the HTTP server: the router called without a socket, on a fresh
//! database (SQLite, or PostgreSQL when `CXM_TEST_DATABASE_URL` names a server).

mod api;
mod browser;
mod case_browser;
mod case_pages;
mod forms;
mod import_pages;
mod imports;
mod pages;
mod story;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cxm_app::{App, Config, Role};
use cxm_domain::TimeZone;
use cxm_store::ScratchDatabase;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A server on a fresh database with an admin and a viewer token.
pub struct TestServer {
    router: axum::Router,
    /// Bearer secret of an admin token.
    pub admin: String,
    /// Bearer secret of a viewer token.
    pub viewer: String,
    /// Whether the database is PostgreSQL.
    pub on_postgres: bool,
    _database: ScratchDatabase,
}

/// A status and a JSON body.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// The body as JSON (`null` when empty).
    pub json: serde_json::Value,
}

impl TestServer {
    /// A server on the backend the environment selects.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// A server whose configuration `configure` adjusts first.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> TestServer {
        let postgres = std::env::var("CXM_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty());
        let database = ScratchDatabase::new(postgres.as_deref())
            .await
            .expect("creating a scratch database");
        let mut config = Config {
            time_zone: Some(TimeZone::parse("Asia/Shanghai").unwrap()),
            ..Config::with_database(database.url())
        };
        configure(&mut config);
        let app = App::open(config).await.expect("opening the app");
        let admin = app
            .create_token("test admin", Role::Admin)
            .await
            .unwrap()
            .secret;
        let viewer = app
            .create_token("test viewer", Role::Viewer)
            .await
            .unwrap()
            .secret;
        TestServer {
            router: cxm_server::router(cxm_server::AppState::new(app)),
            admin,
            viewer,
            on_postgres: database.is_postgres(),
            _database: database,
        }
    }

    /// Sends a request with `token` (if any) and a JSON or raw body.
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{uri}: the body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply { status, json }
    }

    /// Sends a request as built, returning the status, the headers and the raw body.
    pub async fn raw(
        &self,
        request: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// GET as the admin.
    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Method::GET, uri, Some(&self.admin), None).await
    }

    /// POST JSON as the admin.
    pub async fn post(&self, uri: &str, body: &serde_json::Value) -> Reply {
        self.send(
            Method::POST,
            uri,
            Some(&self.admin),
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }
}

impl Reply {
    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: StatusCode) -> serde_json::Value {
        assert_eq!(self.status, status, "body: {:#}", self.json);
        self.json
    }

    /// Asserts an error reply: its status, `error.code` and, when given, `error.field`.
    pub fn expect_error(
        self,
        status: StatusCode,
        code: &str,
        field: Option<&str>,
    ) -> serde_json::Value {
        let json = self.expect(status);
        let error = &json["error"];
        assert_eq!(error["code"], code, "{json:#}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{json:#}"
        );
        if let Some(field) = field {
            assert_eq!(error["field"], field, "{json:#}");
        }
        json
    }
}

/// The survey used by these tests, as the API takes it.
pub fn store_survey() -> serde_json::Value {
    serde_json::json!({
        "key": "store-visit",
        "status": "live",
        "name": { "zh": "门店体验", "en": "Store visit" },
        "questions": [
            { "key": "nps", "kind": "nps", "required": true },
            { "key": "csat", "kind": "rating", "min": 1, "max": 5, "role": "csat" },
            { "key": "reason", "kind": "single_choice", "options": [{ "key": "staff" }, { "key": "price" }] },
            { "key": "comment", "kind": "text" }
        ]
    })
}

/// A response of `store-visit`.
pub fn visit(id: &str, submitted_at: &str, region: &str, nps: i64, csat: i64) -> serde_json::Value {
    serde_json::json!({
        "survey": "store-visit",
        "id": id,
        "submitted_at": submitted_at,
        "channel": "store",
        "touchpoint": "结账",
        "dimensions": { "region": region },
        "answers": { "nps": nps, "csat": csat, "comment": "店员很热情 <script>alert(1)</script>" }
    })
}
