//! Browser tests: a real server on a loopback port driven by headless Chromium over WebDriver
//! (Debian's `chromium` and `chromium-driver`, which `.ci/run` installs). Without chromedriver
//! the tests say they were skipped; `.ci/run` sets `CXM_REQUIRE_BROWSER=1` so that there they
//! must run, and checks the report line they write.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cxm_app::{App, Config, Role};
use cxm_domain::TimeZone;
use cxm_store::ScratchDatabase;
use fantoccini::{Client, ClientBuilder, Locator};

pub(crate) const PASSWORD: &str = "a long test password";

/// Chromedriver and a browser session, closed when dropped.
pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and a headless Chromium window of `width`×`height`, or `None` (after
/// saying so) when chromedriver is not installed.
pub(crate) async fn browser(width: u32, height: u32) -> Option<Browser> {
    let driver_path =
        std::env::var("CXM_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    if !std::path::Path::new(&driver_path).exists() {
        assert!(
            std::env::var("CXM_REQUIRE_BROWSER").is_err(),
            "CXM_REQUIRE_BROWSER is set but {driver_path} is missing (apt install chromium chromium-driver)"
        );
        eprintln!(
            "browser tests skipped: {driver_path} not found (apt install chromium chromium-driver)"
        );
        return None;
    }
    let port = free_port();
    let driver = Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let profile = std::env::temp_dir().join(format!("cxm-chromium-{port}"));
    let args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({ "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some(Browser { client, driver }),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not accept a session on {url}");
}

/// A server with a live survey, some responses, a user and an API token.
pub(crate) struct Site {
    pub(crate) base: String,
    pub(crate) app: App,
    token: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _database: ScratchDatabase,
}

pub(crate) async fn site() -> Site {
    let postgres = std::env::var("CXM_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let database = ScratchDatabase::new(postgres.as_deref()).await.unwrap();
    let config = Config {
        time_zone: Some(TimeZone::parse("Asia/Shanghai").unwrap()),
        ..Config::with_database(database.url())
    };
    let app = App::open(config).await.unwrap();
    let survey = App::parse_survey_toml(
        r#"
        key = "shop"
        status = "live"
        name = { zh = "门店体验", en = "Store visit" }
        [[questions]]
        key = "nps"
        kind = "nps"
        required = true
        text = { zh = "您向朋友推荐我们的可能性有多大？", en = "How likely are you to recommend us?" }
        [[questions]]
        key = "comment"
        kind = "text"
        text = { zh = "您还有什么建议？", en = "Anything else?" }
        "#,
    )
    .unwrap();
    app.create_survey(&survey).await.unwrap();
    let today = app.config().zone().today();
    let responses: Vec<cxm_domain::ResponseInput> = [10, 9, 3, 7, 8, 0, 10]
        .iter()
        .enumerate()
        .map(|(i, score)| {
            serde_json::from_value(serde_json::json!({
                "survey": "shop", "id": format!("r{i}"),
                "submitted_at": format!("{today}T09:0{i}:00+08:00"),
                "answers": { "nps": score, "comment": if i == 2 { "<script>window.pwned = 1</script> 太慢了" } else { "很好" } }
            }))
            .unwrap()
        })
        .collect();
    let rows: Vec<u64> = (1..=responses.len() as u64).collect();
    app.ingest(&responses, &rows).await.unwrap();
    app.add_user("ana", PASSWORD, Role::Analyst, "en")
        .await
        .unwrap();
    let token = app
        .create_token("browser test", Role::Viewer)
        .await
        .unwrap()
        .secret;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    tokio::spawn(async move {
        let _ = cxm_server::serve(listener, served, async {
            let _ = stop.await;
        })
        .await;
    });
    Site {
        base,
        app,
        token,
        _shutdown: shutdown,
        _database: database,
    }
}

/// The NPS the HTTP API returns, with the viewer token, for the dashboard's default filter
/// (the last 90 days to today).
async fn api_nps(site: &Site) -> f64 {
    use http_body_util::BodyExt;
    let until = site.app.config().zone().today();
    let since = until - chrono::Duration::days(cxm_app::DEFAULT_DAYS - 1);
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<axum::body::Bytes>>();
    let request = axum::http::Request::builder()
        .uri(format!(
            "{}/api/v1/metrics?metrics=nps&since={since}&until={until}",
            site.base
        ))
        .header("authorization", format!("Bearer {}", site.token))
        .body(http_body_util::Full::default())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    json["rows"][0]["value"].as_f64().unwrap()
}

/// Clicks the element `locator` finds.
pub(crate) async fn click(c: &Client, locator: Locator<'_>) {
    c.find(locator).await.unwrap().click().await.unwrap();
}

/// The text of the element `locator` finds.
pub(crate) async fn text_of(c: &Client, locator: Locator<'_>) -> String {
    c.find(locator).await.unwrap().text().await.unwrap()
}

/// The text of the element `locator` finds once the page has it.
pub(crate) async fn wait_text(c: &Client, locator: Locator<'_>) -> String {
    c.wait()
        .for_element(locator)
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Runs `script` in the page, ignoring what it returns.
pub(crate) async fn run_script(c: &Client, script: &str) {
    c.execute(script, vec![]).await.unwrap();
}

/// Types `keys` into the element `locator` finds.
pub(crate) async fn type_into(c: &Client, locator: Locator<'_>, keys: &str) {
    c.find(locator)
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// Fills in and sends the sign-in form the browser is on.
pub(crate) async fn sign_in(c: &Client) {
    type_into(c, Locator::Id("name"), "ana").await;
    type_into(c, Locator::Id("password"), PASSWORD).await;
    click(c, Locator::Id("sign-in")).await;
}

pub(crate) fn report(line: &str) {
    if let Ok(path) = std::env::var("CXM_TEST_REPORT") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        writeln!(file, "{line}").unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_and_the_dashboard_shows_the_apis_nps_with_comments_as_text() {
    let Some(browser) = browser(1280, 900).await else {
        return;
    };
    let site = site().await;
    let c = &browser.client;
    c.goto(&format!("{}/dashboard", site.base)).await.unwrap();
    // Signed out: sent to the sign-in page.
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    sign_in(c).await;
    let tile = c.wait().for_element(Locator::Id("tile-nps")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/dashboard");
    let shown: f64 = tile
        .attr("data-value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let expected = api_nps(&site).await;
    assert!(
        (shown - expected).abs() < 1e-6,
        "tile {shown} vs API {expected}"
    );
    let text = tile.text().await.unwrap();
    assert!(text.contains(&format!("{expected:.1}")), "{text}");

    // The comment with <script> is shown as text and never runs.
    let comments = text_of(c, Locator::Id("comments")).await;
    assert!(
        comments.contains("<script>window.pwned = 1</script>"),
        "{comments}"
    );
    let pwned = c
        .execute("return typeof window.pwned;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, serde_json::json!("undefined"));

    // A breakdown row filters the page to its group; the filter is in the URL.
    click(c, Locator::Css("#breakdown tbody a")).await;
    let filters = wait_text(c, Locator::Id("filters")).await;
    assert!(filters.contains("channel = api"), "{filters}");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .query()
            .unwrap_or("")
            .contains("filter.channel=api")
    );
    let filtered: f64 = c
        .find(Locator::Id("tile-nps"))
        .await
        .unwrap()
        .attr("data-value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (filtered - expected).abs() < 1e-6,
        "every test response came through the API"
    );

    // The explorer lists the responses; a response opens with its comment analysed.
    c.goto(&format!("{}/responses", site.base)).await.unwrap();
    let rows = c
        .find_all(Locator::Css("#responses tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 7);
    let table = text_of(c, Locator::Id("responses")).await;
    assert!(
        table.contains("<script>window.pwned = 1</script>"),
        "{table}"
    );
    click(c, Locator::Css("#responses tbody tr a")).await;
    let answers = wait_text(c, Locator::Id("answers")).await;
    assert!(
        answers.contains("How likely are you to recommend us?"),
        "{answers}"
    );
    c.goto(&format!("{}/dashboard", site.base)).await.unwrap();

    // The language switch is remembered for the user.
    click(c, Locator::Id("language-switch")).await;
    c.wait().for_element(Locator::Id("tile-nps")).await.unwrap();
    let heading = text_of(c, Locator::Css("h1")).await;
    assert_eq!(heading, "概览");
    c.goto(&format!("{}/dashboard", site.base)).await.unwrap();
    assert_eq!(text_of(c, Locator::Css("h1")).await, "概览");

    // A form posted without its CSRF token is refused: sign-out with the token removed.
    run_script(
        c,
        "document.querySelector('form[action=\"/logout\"] input[name=csrf]').remove();",
    )
    .await;
    click(c, Locator::Id("sign-out")).await;
    let body = wait_text(c, Locator::Id("message")).await;
    assert!(
        body.contains("表单已过期") || body.contains("expired"),
        "{body}"
    );
    c.goto(&format!("{}/dashboard", site.base)).await.unwrap();
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/dashboard",
        "still signed in"
    );
    browser.client.clone().close().await.unwrap();
    report("browser tests ran: dashboard");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_the_public_form_on_a_phone_and_the_response_counts() {
    let Some(browser) = browser(390, 844).await else {
        return;
    };
    let site = site().await;
    let c = &browser.client;
    let before = site.app.store().response_count(Some("shop")).await.unwrap();
    c.goto(&format!("{}/s/shop?lang=zh", site.base))
        .await
        .unwrap();
    assert_eq!(text_of(c, Locator::Css("h1")).await, "门店体验");
    // Sending without the required NPS names the question.
    click(c, Locator::Id("submit")).await;
    let alert = wait_text(c, Locator::Css("[role=alert]")).await;
    assert!(alert.contains("推荐"), "{alert}");
    // The score buttons are keyboard-reachable radio inputs under their labels.
    click(c, Locator::Css("#q-nps input[value=\"9\"]")).await;
    type_into(c, Locator::Css("textarea[name=comment]"), "店员很热情").await;
    click(c, Locator::Id("submit")).await;
    let message = wait_text(c, Locator::Id("message")).await;
    assert!(message.contains("感谢"), "{message}");
    let after = site.app.store().response_count(Some("shop")).await.unwrap();
    assert_eq!(after, before + 1);
    let nps = api_nps(&site).await;
    // Eight responses now: promoters 10, 9, 10, 9 · detractors 3, 0.
    assert!((nps - 25.0).abs() < 1e-9, "{nps}");

    // The form page posted with its CSRF token removed is refused and counts nothing.
    c.goto(&format!("{}/s/shop?lang=en", site.base))
        .await
        .unwrap();
    click(c, Locator::Css("#q-nps input[value=\"0\"]")).await;
    run_script(c, "document.querySelector('input[name=csrf]').remove();").await;
    click(c, Locator::Id("submit")).await;
    let body = wait_text(c, Locator::Id("message")).await;
    assert!(body.contains("expired"), "{body}");
    assert_eq!(
        site.app.store().response_count(Some("shop")).await.unwrap(),
        after
    );
    browser.client.clone().close().await.unwrap();
    report("browser tests ran: form");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_builds_previews_publishes_and_shares_a_survey() {
    let Some(browser) = browser(1280, 900).await else {
        return;
    };
    let site = site().await;
    let c = &browser.client;
    c.goto(&format!("{}/login?next=/surveys/new", site.base))
        .await
        .unwrap();
    sign_in(c).await;
    c.wait().for_element(Locator::Id("builder")).await.unwrap();
    let fill = |name: &'static str, value: &'static str| async move {
        type_into(c, Locator::Css(&format!("[name=\"{name}\"]")), value).await;
    };
    fill("key", "pickup").await;
    fill("name_zh", "自提体验").await;
    fill("name_en", "Pick-up").await;
    fill("q0.key", "nps").await;
    fill("q0.text_en", "Would you recommend pick-up?").await;
    fill("q1.key", "why").await;
    run_script(
        c,
        "document.querySelector('[name=\"q1.kind\"]').value = 'single_choice';",
    )
    .await;
    fill("q1.text_en", "What mattered most?").await;
    fill("q1.options", "speed: 速度 | Speed\nstaff: 店员 | Staff").await;
    click(c, Locator::Id("save-survey")).await;
    let link = wait_text(c, Locator::Id("public-link")).await;
    assert!(link.ends_with("/s/pickup"), "{link}");
    let qr = c.find(Locator::Css("svg")).await.unwrap();
    assert!(
        qr.html(false).await.unwrap().contains("path")
            || qr.html(false).await.unwrap().contains("rect")
    );
    // A draft is previewed, not collected.
    c.goto(&format!("{}/surveys/pickup/preview", site.base))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("preview-note"))
        .await
        .unwrap();
    assert!(
        !c.find(Locator::Id("submit"))
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap()
    );
    c.goto(&format!("{}/s/pickup?lang=en", site.base))
        .await
        .unwrap();
    let closed = wait_text(c, Locator::Id("message")).await;
    assert!(closed.contains("not collecting"), "{closed}");
    // Published, it collects.
    c.goto(&format!("{}/surveys/pickup/share", site.base))
        .await
        .unwrap();
    click(c, Locator::Id("publish")).await;
    for _ in 0..100 {
        if site.app.survey("pickup").await.unwrap().survey.status == cxm_domain::SurveyStatus::Live
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        c.wait()
            .for_element(Locator::Id("public-link"))
            .await
            .is_ok()
    );
    c.goto(&format!("{}/s/pickup?lang=en", site.base))
        .await
        .unwrap();
    let status = site.app.survey("pickup").await.unwrap().survey.status;
    assert_eq!(
        status,
        cxm_domain::SurveyStatus::Live,
        "{}",
        c.source().await.unwrap()
    );
    click(c, Locator::Css("#q-nps input[value=\"10\"]")).await;
    click(c, Locator::Css("input[name=why][value=staff]")).await;
    click(c, Locator::Id("submit")).await;
    c.wait().for_element(Locator::Id("message")).await.unwrap();
    let page = site
        .app
        .responses(&cxm_app::ResponseListInput {
            survey: Some("pickup".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .0;
    assert_eq!(page.responses.len(), 1);
    assert_eq!(page.responses[0].answers["why"], serde_json::json!("staff"));
    browser.client.clone().close().await.unwrap();
    report("browser tests ran: builder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_uploads_a_gbk_export_checks_its_dry_run_and_imports_it() {
    let Some(browser) = browser(1280, 900).await else {
        return;
    };
    let site = site().await;
    let c = &browser.client;
    c.goto(&format!("{}/login?next=/surveys", site.base))
        .await
        .unwrap();
    sign_in(c).await;
    c.wait()
        .for_element(Locator::Id("import-export"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("import-file"))
        .await
        .unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cxm-formats/tests/fixtures/wjx_gbk.csv")
        .canonicalize()
        .unwrap();
    type_into(c, Locator::Id("import-file"), fixture.to_str().unwrap()).await;
    type_into(c, Locator::Css("[name=\"survey\"]"), "wjx-history").await;
    click(c, Locator::Id("import-preview-button")).await;
    let preview = wait_text(c, Locator::Id("import-preview")).await;
    assert!(
        preview.contains("wjx · CSV · gb18030 · 10 rows") && preview.contains("q1 (nps)"),
        "{preview}"
    );
    assert!(
        site.app.survey("wjx-history").await.is_err(),
        "the dry run wrote nothing"
    );
    click(c, Locator::Id("import-now")).await;
    let done = wait_text(c, Locator::Id("import-done")).await;
    assert!(done.contains("10 new responses"), "{done}");
    assert_eq!(site.app.survey("wjx-history").await.unwrap().responses, 10);
    browser.client.clone().close().await.unwrap();
    report("browser tests ran: import");
}
