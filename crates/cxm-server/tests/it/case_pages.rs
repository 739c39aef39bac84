//! The case loop through its pages, on whichever database the suite runs on: an admin writes
//! and edits a routing rule and the SLAs on the settings page, a detractor opens a case that the
//! rule routes, the SLA breach escalates it, the assignee works it from the case page (a
//! resolution without a root cause is refused), the customer answers the follow-up survey, and
//! the department manager's scorecard shows all of it; people of other departments never see
//! the case. The survey builder, on the same pages, refuses a save made on a version a
//! colleague has changed since, the import page shows an upload's dry run before importing
//! it, and the dashboard breaks a survey down by the answer to one of its choice questions.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cxm_app::{App, CasesConfig, Config, Role};
use cxm_domain::TimeZone;
use cxm_store::ScratchDatabase;
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "a long test password";
const FORM_TOKEN: &str = "0123456789abcdef0123456789abcdef";

struct Pages {
    router: axum::Router,
    app: App,
    _database: ScratchDatabase,
}

/// A signed-in person: the session cookie and the CSRF token of their forms.
struct Person {
    cookie: String,
    csrf: String,
}

struct Page {
    status: StatusCode,
    location: String,
    html: String,
}

impl Pages {
    async fn open() -> Pages {
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

    async fn person(&self, name: &str, role: Role) -> (i64, Person) {
        self.person_in(name, role, "en").await
    }

    /// A signed-in person whose pages are in `lang`.
    async fn person_in(&self, name: &str, role: Role, lang: &str) -> (i64, Person) {
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

    async fn send(&self, request: Request<Body>) -> Page {
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

    async fn get(&self, who: &Person, uri: &str) -> Page {
        let request = Request::builder()
            .uri(uri)
            .header("cookie", &who.cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// Posts a form as `who`, with their CSRF token added.
    async fn post(&self, who: &Person, uri: &str, fields: &[(&str, &str)]) -> Page {
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
    async fn upload(
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
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_export_is_checked_on_the_import_page_then_imported_once() {
    let pages = Pages::open().await;
    let (_, analyst) = pages.person("wang", Role::Analyst).await;
    let surveys = pages.get(&analyst, "/surveys").await;
    assert!(
        surveys.html.contains("href=\"/imports\""),
        "{}",
        surveys.html
    );
    let form = pages.get(&analyst, "/imports").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("multipart/form-data"));

    let export = "response_id,submitted_at,推荐意愿,评论\n\
                  r1,2026-03-01 10:00,9,很好\n\
                  r2,2026-03-02 11:00,3,太慢\n\
                  r3,2026-03-03 12:00,10,\n";
    let preview = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "visits"), ("format", "auto")],
            ("visits.csv", export.as_bytes()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.html);
    for shown in ["generic", "推荐意愿", "import-now", "3 rows"] {
        assert!(preview.html.contains(shown), "{shown}: {}", preview.html);
    }
    assert!(
        pages.app.survey("visits").await.is_err(),
        "a dry run creates nothing"
    );
    let token = hidden(&preview.html, "token");
    let done = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("3 new responses"), "{}", done.html);
    assert_eq!(pages.app.survey("visits").await.unwrap().responses, 3);
    // The upload is imported once: the same confirmation again is refused.
    let again = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.html.contains("expired"), "{}", again.html);

    // A file with a bad row: its problem with row and column, and no import button.
    let bad = "response_id,submitted_at,推荐意愿\nr9,yesterday,8\n";
    let checked = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "visits")],
            ("more.csv", bad.as_bytes()),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(checked.html.contains("import-problems"), "{}", checked.html);
    assert!(checked.html.contains("yesterday") && checked.html.contains("submitted_at"));
    assert!(!checked.html.contains("import-now"), "{}", checked.html);
    // On a Chinese page, the columns and the problem read in Chinese.
    let (_, zhang) = pages.person_in("zhang", Role::Analyst, "zh").await;
    let checked_zh = pages
        .upload(
            &zhang,
            "/imports",
            &[("survey", "visits")],
            ("more.csv", bad.as_bytes()),
        )
        .await;
    assert!(
        checked_zh.html.contains("无法识别的时间") && checked_zh.html.contains("提交时间"),
        "{}",
        checked_zh.html
    );

    // A file with good and bad rows: the good ones only, on request, and the rejects to
    // download.
    let mixed = "response_id,submitted_at,推荐意愿\nr4,2026-03-04 10:00,8\nr5,someday,2\nr6,2026-03-06 10:00,10\n";
    let checked = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "visits")],
            ("mixed.csv", mixed.as_bytes()),
        )
        .await;
    assert!(
        checked
            .html
            .contains("Import the 2 valid rows, leave out the 1 bad ones"),
        "{}",
        checked.html
    );
    let token = hidden(&checked.html, "token");
    let done = pages
        .post(
            &analyst,
            "/imports/confirm",
            &[("token", token.as_str()), ("skip_invalid", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(
        done.html.contains("2 new responses")
            && done.html.contains("1 rows with problems were left out"),
        "{}",
        done.html
    );
    assert_eq!(pages.app.survey("visits").await.unwrap().responses, 5);
    let at = done.html.find("/imports/rejects/").expect("a rejects link");
    let link = done.html[at..].split('"').next().unwrap().to_owned();
    let rejects = pages.get(&analyst, &link).await;
    assert_eq!(rejects.status, StatusCode::OK);
    assert!(
        rejects
            .html
            .starts_with("row,column,value,reason\n3,submitted_at,someday,"),
        "{}",
        rejects.html
    );
    let (_, other) = pages.person("li", Role::Analyst).await;
    assert_eq!(
        pages.get(&other, &link).await.status,
        StatusCode::NOT_FOUND,
        "only for the importer"
    );

    // A file without times: refused in the dry run, imported with a time for all its rows.
    let undated = "response_id,推荐意愿\nu1,9\nu2,6\n";
    let checked = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "paper")],
            ("paper.csv", undated.as_bytes()),
        )
        .await;
    assert!(
        checked.html.contains("import-problems") && checked.html.contains("submitted_at"),
        "{}",
        checked.html
    );
    let dated = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "paper"), ("submitted_at", "2024-06-30")],
            ("paper.csv", undated.as_bytes()),
        )
        .await;
    assert!(dated.html.contains("import-now"), "{}", dated.html);
    let token = hidden(&dated.html, "token");
    let done = pages
        .post(&analyst, "/imports/confirm", &[("token", token.as_str())])
        .await;
    assert!(done.html.contains("2 new responses"), "{}", done.html);
    let bad_time = pages
        .upload(
            &analyst,
            "/imports",
            &[("survey", "paper"), ("submitted_at", "midsummer")],
            ("paper.csv", undated.as_bytes()),
        )
        .await;
    assert_eq!(bad_time.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_time.html.contains("submitted_at"), "{}", bad_time.html);

    // Complaint history, from the same page: stored once, a bad file refused whole.
    let inbox = pages.get(&analyst, "/cases").await;
    assert!(inbox.html.contains("/imports#complaints"), "{}", inbox.html);
    let history = "工单号,投诉时间,投诉内容,处理状态\n\
                   T-1,2026-03-02,快递三天都没到,已结案\n\
                   T-2,2026-03-05,客服态度差,处理中\n";
    let stored = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[("summary", "")],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.html);
    assert!(
        stored
            .html
            .contains("2 complaint cases stored (1 open, 1 closed history); 0 were"),
        "{}",
        stored.html
    );
    let again = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert!(
        again.html.contains("0 complaint cases stored")
            && again.html.contains("2 were imported before")
    );
    let bad = pages
        .upload(
            &analyst,
            "/imports/complaints",
            &[("summary", "问题")],
            ("投诉.csv", history.as_bytes()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("问题"), "{}", bad.html);
    assert_eq!(
        pages
            .app
            .cases(&cxm_app::CaseFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );

    // Viewers may not import; a form without the session's token is refused.
    let (_, viewer) = pages.person("zhao", Role::Viewer).await;
    assert_eq!(
        pages.get(&viewer, "/imports").await.status,
        StatusCode::FORBIDDEN
    );
    let forged = Person {
        cookie: analyst.cookie.clone(),
        csrf: FORM_TOKEN.to_owned(),
    };
    let refused = pages
        .upload(&forged, "/imports", &[], ("visits.csv", export.as_bytes()))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

fn rule_fields<'a>(name: &'a str, priority: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("position", "10"),
        ("name", name),
        ("themes", ""),
        ("touchpoints", ""),
        ("surveys", "shop"),
        ("dimensions", "region=华东|华北"),
        ("min_score", ""),
        ("max_score", "6"),
        ("department", "service"),
        ("assignee", ""),
        ("assignment", "least_loaded"),
        ("priority", priority),
    ]
}

#[tokio::test]
async fn the_case_loop_runs_through_its_pages() {
    let pages = Pages::open().await;
    let app = &pages.app;
    let (_, root) = pages.person("root", Role::Admin).await;
    let (li_id, li) = pages.person("li", Role::Viewer).await;
    let (zhao_id, zhao) = pages.person("zhao", Role::Viewer).await;
    let (other_id, other) = pages.person("other", Role::Analyst).await;
    app.create_department("service", "客服部", Some(zhao_id), &[li_id])
        .await
        .unwrap();
    app.create_department("logistics", "物流部", None, &[other_id])
        .await
        .unwrap();
    for survey in [
        "key = \"shop\"\nstatus = \"live\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n[[questions]]\nkey = \"comment\"\nkind = \"text\"\n",
        "key = \"follow-up\"\nstatus = \"live\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n",
    ] {
        app.create_survey(&App::parse_survey_toml(survey).unwrap())
            .await
            .unwrap();
    }

    // The settings page: admins only; a bad rule is refused with its field; a rule is added,
    // then edited in place; the SLAs are set.
    assert_eq!(
        pages.get(&li, "/cases/settings").await.status,
        StatusCode::FORBIDDEN
    );
    let mut bad = rule_fields("detractors", "");
    bad[0] = ("position", "first");
    let refused = pages.post(&root, "/cases/settings/rules", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("position"), "{}", refused.html);
    let added = pages
        .post(
            &root,
            "/cases/settings/rules",
            &rule_fields("detractors", ""),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    let rule = app.rules().await.unwrap().remove(0);
    assert_eq!(rule.conditions.dimensions["region"], ["华东", "华北"]);
    let edited = pages
        .post(
            &root,
            &format!("/cases/settings/rules/{}", rule.id),
            &rule_fields("detractors in the east", "high"),
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.html);
    let rules = app.rules().await.unwrap();
    assert_eq!(rules.len(), 1, "edited in place");
    assert_eq!(
        (rules[0].name.as_str(), rules[0].priority),
        ("detractors in the east", Some(cxm_domain::Priority::High))
    );
    let sla: Vec<(&str, &str)> = vec![
        ("urgent_first", "15"),
        ("urgent_resolution", "60"),
        ("high_first", "30"),
        ("high_resolution", "240"),
        ("normal_first", "60"),
        ("normal_resolution", "480"),
        ("low_first", "120"),
        ("low_resolution", "2880"),
    ];
    assert_eq!(
        pages.post(&root, "/cases/settings/sla", &sla).await.status,
        StatusCode::SEE_OTHER
    );
    let settings = pages.get(&root, "/cases/settings").await;
    assert!(settings.html.contains("detractors in the east"));
    assert!(settings.html.contains("name=\"high_first\" value=\"30\""));

    // A detractor in the east opens a case, routed to service and its member, priority high,
    // due in 30 minutes.
    let detractor: cxm_domain::ResponseInput = serde_json::from_value(serde_json::json!({
        "survey": "shop", "id": "r-1", "submitted_at": chrono::Utc::now().to_rfc3339(),
        "dimensions": {"region": "华东"},
        "answers": {"nps": 2, "comment": "店员态度很差 <b>bold</b>"}
    }))
    .unwrap();
    app.ingest(&[detractor], &[1]).await.unwrap();
    let case = app
        .cases(&cxm_app::CaseFilter::default())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(case.assignee_user_id, Some(li_id));
    assert_eq!(case.priority, cxm_domain::Priority::High);
    assert_eq!(case.first_response_due - case.created_at, 30 * 60_000_000);
    let case_url = format!("/cases/{}", case.uid);

    // The assignee finds it in their inbox; another department's people do not, even by link.
    let inbox = pages.get(&li, "/cases").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.html.contains(&case.uid), "{}", inbox.html);
    assert!(
        inbox.html.contains("bold") && !inbox.html.contains("<b>bold</b>"),
        "comments are text"
    );
    for view in ["/cases", "/cases?view=department", "/cases?view=all"] {
        assert!(
            !pages.get(&other, view).await.html.contains(&case.uid),
            "{view}"
        );
    }
    assert_eq!(
        pages.get(&other, &case_url).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        pages
            .post(&other, &case_url, &[("action", "start")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let by_theme = pages
        .get(&li, "/cases?theme=service_attitude&status=any")
        .await;
    assert!(by_theme.html.contains(&case.uid));
    assert!(
        by_theme
            .html
            .contains("value=\"service_attitude\" selected")
    );
    assert!(
        !pages
            .get(&li, "/cases?theme=delivery")
            .await
            .html
            .contains(&case.uid)
    );
    let managers_view = pages.get(&zhao, "/cases?view=department").await;
    assert!(managers_view.html.contains(&case.uid));
    assert!(
        pages
            .get(&root, "/cases?view=all&status=any")
            .await
            .html
            .contains(&case.uid)
    );

    // Nobody responds in time: the sweep escalates it, and the case page says so, first in the list.
    let later = chrono::Utc::now().timestamp_micros() + 3_600_000_000;
    assert_eq!(app.escalate_overdue(later).await.unwrap().len(), 1);
    let page = pages.get(&li, &case_url).await;
    assert!(
        page.html.contains("escalated (SLA breached)"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Urgent"), "priority raised from high");

    // Working the case from its page.
    let without_token = Request::builder()
        .method(Method::POST)
        .uri(&case_url)
        .header("cookie", &li.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("action=start"))
        .unwrap();
    assert_eq!(
        pages.send(without_token).await.status,
        StatusCode::FORBIDDEN
    );
    for fields in [
        vec![("action", "start")],
        vec![("action", "contact"), ("method", "phone")],
        vec![("action", "note"), ("text", "客户接受了补偿方案")],
    ] {
        let done = pages.post(&li, &case_url, &fields).await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{fields:?}: {}",
            done.html
        );
        assert_eq!(done.location, case_url);
    }
    let refused = pages
        .post(
            &li,
            &case_url,
            &[
                ("action", "resolve"),
                ("root_cause", ""),
                ("resolution", "apologised"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("root_cause"), "{}", refused.html);
    for fields in [
        vec![
            ("action", "resolve"),
            ("root_cause", "staff_behaviour"),
            ("resolution", "apologised and retrained the team"),
        ],
        vec![("action", "close")],
    ] {
        let done = pages.post(&li, &case_url, &fields).await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{fields:?}: {}",
            done.html
        );
    }
    let closed = pages.get(&li, &case_url).await;
    let link = format!("/s/follow-up?t=recovery-{}", case.uid);
    assert!(closed.html.contains(&link), "{}", closed.html);
    for shown in [
        "Staff behaviour",
        "phone",
        "客户接受了补偿方案",
        "Closed",
        "Service attitude",
    ] {
        assert!(closed.html.contains(shown), "{shown}: {}", closed.html);
    }

    // The customer answers the follow-up survey through the link: a recovery.
    let answer = Request::builder()
        .method(Method::POST)
        .uri(&link)
        .header("cookie", format!("cxm_csrf={FORM_TOKEN}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={FORM_TOKEN}&nps=9")))
        .unwrap();
    assert_eq!(pages.send(answer).await.status, StatusCode::OK);

    // The manager's scorecard shows their department only, with the recovery; a plain member has none.
    let card = pages.get(&zhao, "/cases/scorecard").await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.html.contains("客服部"));
    assert!(!card.html.contains("物流部"));
    assert!(
        card.html.contains("100% [") && card.html.contains("n=1"),
        "{}",
        card.html
    );
    assert_eq!(
        pages.get(&li, "/cases/scorecard").await.status,
        StatusCode::FORBIDDEN
    );
    let by_touchpoint = pages.get(&root, "/cases/scorecard?by=theme&lang=zh").await;
    assert!(by_touchpoint.html.contains("全部工单"));
}

#[tokio::test]
async fn the_builder_refuses_a_save_over_a_colleagues_newer_change() {
    let pages = Pages::open().await;
    let (_, admin) = pages.person("wang", Role::Admin).await;
    let survey = App::parse_survey_toml(
        "key = \"menu\"\nstatus = \"draft\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n",
    )
    .unwrap();
    pages.app.create_survey(&survey).await.unwrap();
    // Two people open the builder on the same version.
    let edit = pages.get(&admin, "/surveys/menu/edit").await;
    assert_eq!(edit.status, StatusCode::OK);
    let marker = "name=\"version\" value=\"";
    let at = edit
        .html
        .find(marker)
        .expect("the form carries its version")
        + marker.len();
    let version = edit.html[at..].split('"').next().unwrap().to_owned();
    let form = |name: &'static str| {
        vec![
            ("version", version.clone()),
            ("name_zh", String::new()),
            ("name_en", name.to_owned()),
            ("status", "draft".to_owned()),
            ("q0.key", "nps".to_owned()),
            ("q0.kind", "nps".to_owned()),
        ]
    };
    let (one, other) = (form("Menu survey"), form("Lunch survey"));
    let first = pages.post(&admin, "/surveys/menu/edit", &pairs(&one)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.html);
    let second = pages
        .post(&admin, "/surveys/menu/edit", &pairs(&other))
        .await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        second.html.contains("Someone else changed"),
        "{}",
        second.html
    );
    // In the page's own language.
    let (_, colleague) = pages.person_in("li", Role::Admin, "zh").await;
    let third = pages
        .post(&colleague, "/surveys/menu/edit", &pairs(&other))
        .await;
    assert_eq!(third.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(third.html.contains("已有其他人修改"), "{}", third.html);
    let stored = pages.app.survey("menu").await.unwrap();
    assert_eq!(stored.survey.name.en.as_deref(), Some("Menu survey"));
}

#[tokio::test]
async fn the_dashboard_breaks_down_by_a_choice_questions_answer() {
    let pages = Pages::open().await;
    let (_, analyst) = pages.person("wang", Role::Analyst).await;
    let survey = App::parse_survey_toml(
        "key = \"menu\"\nstatus = \"live\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n\
         [[questions]]\nkey = \"dish\"\nkind = \"single_choice\"\ntext = { zh = \"点了哪道菜\" }\n\
         options = [{ key = \"noodles\", text = { zh = \"面条\" } }, { key = \"rice\", text = { zh = \"米饭\" } }]\n",
    )
    .unwrap();
    pages.app.create_survey(&survey).await.unwrap();
    let lines: String = [(9, "noodles"), (10, "noodles"), (2, "rice")]
        .iter()
        .enumerate()
        .map(|(i, (nps, dish))| {
            format!(
                "{{\"survey\": \"menu\", \"id\": \"{i}\", \"submitted_at\": \"2026-03-0{}T10:00:00+08:00\", \"answers\": {{\"nps\": {nps}, \"dish\": \"{dish}\"}}}}\n",
                i + 1
            )
        })
        .collect();
    pages
        .app
        .ingest_reader(
            lines.as_bytes(),
            cxm_app::IngestFormat::JsonLines,
            None,
            None,
        )
        .await
        .unwrap();
    let page = pages
        .get(
            &analyst,
            "/dashboard?survey=menu&since=2026-03-01&until=2026-03-31&by=answer%3Adish",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    // Offered by the question's text, and shown by the options' labels.
    assert!(
        page.html
            .contains("<option value=\"answer:dish\" selected>点了哪道菜</option>"),
        "{}",
        page.html
    );
    let table = &page.html[page
        .html
        .find("id=\"breakdown\"")
        .expect("a breakdown table")..];
    let table = &table[..table.find("</table>").unwrap()];
    for shown in ["面条", "米饭", "100.0", "-100.0"] {
        assert!(table.contains(shown), "{shown}: {table}");
    }
    // Responses are filtered by segments, so answer groups link nowhere.
    assert!(!table.contains("filter."), "{table}");
}

/// Form fields as the pairs [`Pages::post`] takes.
fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
