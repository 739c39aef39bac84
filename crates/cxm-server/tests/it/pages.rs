//! Pages as a signed-in person sees them: a router over a fresh database (SQLite, or
//! PostgreSQL when the suite runs there), people of any role and language, and their GET, form
//! and file-upload requests with the session cookie and CSRF token a browser would send.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cxm_app::{App, CasesConfig, Config, Role};
use cxm_domain::TimeZone;
use cxm_store::ScratchDatabase;
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "a long test password";
/// A CSRF token no session was given.
pub(crate) const FORM_TOKEN: &str = "0123456789abcdef0123456789abcdef";

pub(crate) struct Pages {
    router: axum::Router,
    pub(crate) app: App,
    _database: ScratchDatabase,
}

/// A signed-in person: the session cookie and the CSRF token of their forms.
pub(crate) struct Person {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: String,
    pub(crate) html: String,
}

impl Pages {
    pub(crate) async fn open() -> Pages {
        let postgres = std::env::var("CXM_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let database = ScratchDatabase::new(postgres.as_deref()).await.unwrap();
        let config = Config {
            time_zone: Some(TimeZone::parse("Asia/Shanghai").unwrap()),
            cases: CasesConfig {
                open_nps_at_most: Some(6),
                recovery_survey: Some("follow-up".into()),
                ..CasesConfig::default()
            },
            ..Config::with_database(database.url())
        };
        let app = App::open(config).await.unwrap();
        Pages {
            router: cxm_server::router(cxm_server::AppState::new(app.clone())),
            app,
            _database: database,
        }
    }

    pub(crate) async fn person(&self, name: &str, role: Role) -> (i64, Person) {
        self.person_in(name, role, "en").await
    }

    /// A signed-in person whose pages are in `lang`.
    pub(crate) async fn person_in(&self, name: &str, role: Role, lang: &str) -> (i64, Person) {
        let user = self.app.add_user(name, PASSWORD, role, lang).await.unwrap();
        let signed = self.app.sign_in(name, PASSWORD).await.unwrap();
        (
            user.id,
            Person {
                cookie: format!("cxm_session={}", signed.secret),
                csrf: signed.session.csrf,
            },
        )
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            location,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub(crate) async fn get(&self, who: &Person, uri: &str) -> Page {
        let request = Request::builder()
            .uri(uri)
            .header("cookie", &who.cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// Posts a form as `who`, with their CSRF token added.
    pub(crate) async fn post(&self, who: &Person, uri: &str, fields: &[(&str, &str)]) -> Page {
        let mut pairs: Vec<(&str, &str)> = vec![("csrf", who.csrf.as_str())];
        pairs.extend_from_slice(fields);
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("cookie", &who.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&pairs).unwrap()))
            .unwrap();
        self.send(request).await
    }
}

impl Pages {
    /// Posts a multipart form as `who`, with their CSRF token and one file.
    pub(crate) async fn upload(
        &self,
        who: &Person,
        uri: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Page {
        const BOUNDARY: &str = "cxm-page-boundary";
        let mut body = Vec::new();
        for (name, value) in std::iter::once(&("csrf", who.csrf.as_str())).chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("cookie", &who.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

/// The value of the hidden input `name` on a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// The link that follows `marker` (which ends with `href="`) on a page, unescaped.
pub(crate) fn href_after(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)? + marker.len();
    let href = html[at..].split('"').next()?;
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// Form fields as the pairs [`Pages::post`] takes.
pub(crate) fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
