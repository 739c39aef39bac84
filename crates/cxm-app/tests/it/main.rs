//! Integration tests of cxm-app: ingest and metric queries against a real database.
//!
//! Each test gets a fresh database: an SQLite file by default, or a scratch database on the
//! PostgreSQL server named by `CXM_TEST_DATABASE_URL` (`.ci/run` runs the suite both ways).

mod backends;
mod cases;
mod complaints;
mod import;
mod ingest;
mod metrics;
mod notify;

use cxm_app::{App, Config, MetricQueryInput, MetricsResult, RoutingRule};
use cxm_domain::{ResponseInput, RoutingConditions, TimeZone};
use cxm_store::ScratchDatabase;

/// An application on a fresh database, removed when dropped.
pub struct TestApp {
    /// The application under test.
    pub app: App,
    _database: ScratchDatabase,
}

/// The PostgreSQL server the suite runs against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("CXM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh application on the backend the environment selects, with the `feedback` survey
/// of `fixtures/feedback.toml`, days in Asia/Shanghai.
pub async fn test_app() -> TestApp {
    test_app_on(postgres_url().as_deref()).await
}

/// A fresh application on PostgreSQL (`Some(admin url)`) or SQLite (`None`).
pub async fn test_app_on(postgres: Option<&str>) -> TestApp {
    let database = ScratchDatabase::new(postgres)
        .await
        .expect("creating a scratch database");
    let config = Config {
        time_zone: Some(TimeZone::parse("Asia/Shanghai").unwrap()),
        ..Config::with_database(database.url())
    };
    let app = App::open(config).await.expect("opening the app");
    let survey = App::parse_survey_toml(include_str!("fixtures/feedback.toml")).unwrap();
    app.create_survey(&survey).await.unwrap();
    TestApp {
        app,
        _database: database,
    }
}

impl TestApp {
    /// Ingests JSON lines text, as `cxm ingest` does.
    pub async fn ingest_lines(
        &self,
        text: &str,
    ) -> Result<cxm_app::IngestReport, cxm_app::AppError> {
        self.app
            .ingest_reader(
                text.as_bytes(),
                cxm_app::IngestFormat::JsonLines,
                None,
                None,
            )
            .await
    }

    /// Ingests responses built in code.
    pub async fn ingest(&self, responses: &[ResponseInput]) -> cxm_app::IngestReport {
        let rows: Vec<u64> = (1..=responses.len() as u64).collect();
        self.app.ingest(responses, &rows).await.expect("ingest")
    }

    /// Runs a metric query given as its JSON input.
    pub async fn metrics(&self, input: serde_json::Value) -> MetricsResult {
        let input: MetricQueryInput = serde_json::from_value(input).expect("query input");
        let query = input.parse(self.app.config()).expect("valid query");
        self.app.metrics(&query).await.expect("metrics")
    }

    /// Responses stored, by the count metric.
    pub async fn response_count(&self) -> f64 {
        let result = self
            .metrics(serde_json::json!({ "metrics": ["count"] }))
            .await;
        result.rows.iter().filter_map(|r| r.value).sum()
    }
}

/// A routing rule, not yet stored, that sends cases matching `conditions` to `department_id`
/// with the given assignment (`round_robin` or `least_loaded`), at the default priority.
pub fn rule(
    position: i64,
    name: &str,
    conditions: RoutingConditions,
    department_id: i64,
    assignment: &str,
) -> RoutingRule {
    RoutingRule {
        id: 0,
        position,
        name: name.into(),
        conditions,
        department_id: Some(department_id),
        assignee_user_id: None,
        assignment: assignment.into(),
        priority: None,
    }
}

/// A response of the `feedback` survey.
pub fn response(id: &str, submitted_at: &str, answers: serde_json::Value) -> ResponseInput {
    serde_json::from_value(serde_json::json!({
        "survey": "feedback",
        "id": id,
        "submitted_at": submitted_at,
        "answers": answers,
    }))
    .expect("response input")
}

/// `|actual − expected| ≤ tolerance`, naming the value.
pub fn check_close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected} (± {tolerance})"
    );
}

/// `n` deterministic responses of the `feedback` survey over 2024–2025: four regions,
/// channels, touchpoints and customer tiers, with some questions skipped.
pub fn synthetic(n: usize, seed: u64) -> Vec<ResponseInput> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |below: u64| {
        // xorshift64*: enough for test data, and the same on every platform.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % below
    };
    let regions = ["华东", "华北", "华南", "西南"];
    let channels = ["web", "email", "app", "store"];
    let touchpoints = ["进店体验", "咨询", "结账", "售后"];
    (0..n)
        .map(|i| {
            let region = next(4) as usize;
            let month = next(24);
            let customer = next(200);
            let mut answers = serde_json::Map::new();
            // Region 1 (华北) scores lower, so groups differ.
            let shift = if region == 1 { 3 } else { 0 };
            if next(10) < 9 {
                answers.insert("nps".into(), (next(11).saturating_sub(shift)).into());
            }
            if next(10) < 8 {
                answers.insert("csat".into(), (1 + next(5)).into());
            }
            if next(10) < 7 {
                answers.insert("ces".into(), (1 + next(7)).into());
            }
            if next(2) == 0 {
                answers.insert("reason".into(), ["delivery", "quality", "price"][next(3) as usize].into());
            }
            serde_json::from_value(serde_json::json!({
                "survey": "feedback",
                "id": format!("s{seed}-{i}"),
                "submitted_at": format!(
                    "{}-{:02}-{:02}T{:02}:{:02}:00+08:00",
                    2024 + month / 12,
                    1 + month % 12,
                    1 + next(28),
                    next(24),
                    next(60)
                ),
                "channel": channels[next(4) as usize],
                "touchpoint": touchpoints[next(4) as usize],
                "dimensions": { "region": regions[region] },
                "customer": { "external_id": format!("cust{customer}"), "attributes": { "tier": (["gold", "silver", "standard"][customer as usize % 3]) } },
                "answers": answers,
            }))
            .expect("synthetic response")
        })
        .collect()
}
