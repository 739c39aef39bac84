//! Ingest: every kind of bad input is refused with its row and field and leaves nothing
//! behind; good input is stored once however often it is sent.

use cxm_app::{AppError, IngestFormat, Problem};
use cxm_domain::SurveyKey;

use crate::{TestApp, test_app};

const GOOD_LINE: &str = r#"{"survey": "feedback", "id": "g1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 10}}"#;

fn problems(result: Result<cxm_app::IngestReport, AppError>) -> Vec<Problem> {
    match result {
        Err(AppError::Invalid(problems)) => problems,
        other => panic!("expected the input to be refused, got {other:?}"),
    }
}

/// Asserts one problem at `row` whose field is `field` and whose message contains `word`.
fn check_problem(problems: &[Problem], row: u64, field: &str, word: &str, case: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.row == Some(row) && p.field == field && p.message.contains(word)),
        "{case}: expected a problem at row {row}, field {field:?}, mentioning {word:?}; got {problems:#?}"
    );
}

async fn assert_nothing_stored(app: &TestApp, case: &str) {
    assert_eq!(
        app.response_count().await,
        0.0,
        "{case}: something was stored"
    );
}

#[tokio::test]
async fn bad_json_lines_are_refused_with_row_and_field_and_nothing_is_stored() {
    let app = test_app().await;
    let cases = include_str!("fixtures/bad_lines.tsv");
    let mut checked = 0;
    for line in cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut columns = line.splitn(3, '\t');
        let (field, word, bad) = (
            columns.next().unwrap(),
            columns.next().unwrap(),
            columns.next().unwrap(),
        );
        let text = format!("{GOOD_LINE}\n{bad}\n");
        let found = problems(app.ingest_lines(&text).await);
        check_problem(&found, 2, field, word, bad);
        assert!(
            found.iter().all(|p| p.row == Some(2)),
            "{bad}: the good line was blamed: {found:#?}"
        );
        assert_nothing_stored(&app, bad).await;
        checked += 1;
    }
    assert!(checked >= 15, "the case table was not read");
}

#[tokio::test]
async fn every_bad_row_of_a_file_is_reported_at_once() {
    let app = test_app().await;
    let text = format!(
        "{GOOD_LINE}\n{}\n\n{}\n",
        r#"{"survey": "feedback", "id": "x", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 12}}"#,
        r#"{"survey": "feedback", "id": "y", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"csat": 6, "nps": 3}}"#
    );
    let found = problems(app.ingest_lines(&text).await);
    check_problem(&found, 2, "answers.nps", "outside", "nps 12");
    check_problem(&found, 4, "answers.csat", "outside", "csat 6");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_nothing_stored(&app, "two bad rows").await;
}

#[tokio::test]
async fn file_rows_without_an_id_are_refused() {
    let app = test_app().await;
    let text = r#"{"survey": "feedback", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9}}"#;
    let found = problems(app.ingest_lines(text).await);
    check_problem(&found, 1, "id", "response id", "no id");
}

/// `(CSV text, row, field, word)`: long-format files with one problem each.
const BAD_CSV: &[(&str, u64, &str, &str)] = &[
    (
        "response_id,submitted_at,value\nr1,2025-03-01T09:00:00+08:00,9\n",
        1,
        "question",
        "no \"question\" column",
    ),
    (
        "response_id,submitted_at,question,value\nr1,2025-03-01T09:00:00+08:00,nps,9,extra\n",
        2,
        "",
        "unreadable",
    ),
    (
        "response_id,submitted_at,question,value\nr1,2025-03-01T09:00:00+08:00,nps,11\n",
        2,
        "answers.nps",
        "outside the scale",
    ),
    (
        "response_id,submitted_at,question,value,channel\nr1,2025-03-01T09:00:00+08:00,nps,9,fax\n",
        2,
        "channel",
        "unknown channel",
    ),
    (
        "response_id,submitted_at,question,value,region\nr1,2025-03-01T09:00:00+08:00,nps,9,North\nr1,2025-03-01T09:00:00+08:00,csat,4,South\n",
        3,
        "response_id",
        "disagree",
    ),
    (
        "response_id,submitted_at,question,value\nr1,2025-13-01T09:00:00+08:00,nps,9\n",
        2,
        "submitted_at",
        "RFC 3339",
    ),
    (
        "response_id,submitted_at,question,value,bad key\nr1,2025-03-01T09:00:00+08:00,nps,9,x\n",
        1,
        "bad key",
        "dimension",
    ),
    (
        "response_id,submitted_at,question,value\n,2025-03-01T09:00:00+08:00,nps,9\n",
        2,
        "response_id",
        "empty",
    ),
];

#[tokio::test]
async fn bad_csv_files_are_refused_with_row_and_column() {
    let app = test_app().await;
    let survey = SurveyKey::parse("feedback").unwrap();
    for &(text, row, field, word) in BAD_CSV {
        let result = app
            .app
            .ingest_reader(text.as_bytes(), IngestFormat::LongCsv, Some(&survey), None)
            .await;
        check_problem(&problems(result), row, field, word, text);
        assert_nothing_stored(&app, text).await;
    }
}

#[tokio::test]
async fn long_csv_rows_merge_into_responses_with_every_question_kind() {
    let app = test_app().await;
    let text = "\u{feff}response_id,submitted_at,question,value,channel,touchpoint,region\n\
        r1,2025-03-01T09:00:00+08:00,nps,9,store,结账,华东\n\
        r1,2025-03-01T09:00:00+08:00,csat,4,store,结账,华东\n\
        r1,2025-03-01T09:00:00+08:00,liked,staff,store,结账,华东\n\
        r1,2025-03-01T09:00:00+08:00,liked,speed,store,结账,华东\n\
        r1,2025-03-01T09:00:00+08:00,service.expect,6,store,结账,华东\n\
        r1,2025-03-01T09:00:00+08:00,comment,\"很好, 谢谢\",store,结账,华东\n\
        r2,2025-03-02T09:00:00+08:00,nps,3,app,,华北\n\
        r2,2025-03-02T09:00:00+08:00,comment,\"第一行\n第二行\t制表 C:\\temp \\N\",app,,华北\n";
    let survey = SurveyKey::parse("feedback").unwrap();
    let report = app
        .app
        .ingest_reader(text.as_bytes(), IngestFormat::LongCsv, Some(&survey), None)
        .await
        .unwrap();
    assert_eq!((report.received, report.inserted), (2, 2));
    let result = app
        .metrics(serde_json::json!({
            "metrics": ["nps", "share:liked", "mean:service.expect"],
            "group_by": ["region"],
        }))
        .await;
    let value = |metric: &str, region: &str| {
        result
            .rows
            .iter()
            .find(|r| r.metric == metric && r.groups["region"].as_deref() == Some(region))
            .map(|r| (r.n, r.value))
    };
    assert_eq!(value("nps", "华东"), Some((1, Some(100.0))));
    assert_eq!(value("nps", "华北"), Some((1, Some(-100.0))));
    assert_eq!(value("mean:service.expect", "华东"), Some((1, Some(6.0))));
    let shares: Vec<_> = result
        .rows
        .iter()
        .filter(|r| r.metric == "share:liked")
        .map(|r| (r.n, r.value))
        .collect();
    assert_eq!(shares, vec![(1, Some(100.0)), (1, Some(100.0))]);
    let page = app
        .app
        .responses(&cxm_app::ResponseListInput {
            survey: Some("feedback".to_owned()),
            ..Default::default()
        })
        .await
        .unwrap()
        .0;
    let r1 = page.responses.iter().find(|r| r.source_id == "r1").unwrap();
    assert_eq!(r1.answers["comment"], serde_json::json!("很好, 谢谢"));
    // Line breaks, tabs and backslashes come back as they were sent.
    let r2 = page.responses.iter().find(|r| r.source_id == "r2").unwrap();
    assert_eq!(
        r2.answers["comment"],
        serde_json::json!("第一行\n第二行\t制表 C:\\temp \\N")
    );
    assert_eq!(r1.answers["liked"], serde_json::json!(["speed", "staff"]));
    assert_eq!(r1.touchpoint.as_deref(), Some("结账"));
    assert_eq!(r1.channel, "store");
}

fn sample_file(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(
            &serde_json::json!({
                "survey": "feedback",
                "id": format!("f{i}"),
                "source": "survey-export",
                "submitted_at": format!("2025-{:02}-{:02}T12:00:00+08:00", 1 + i % 12, 1 + i % 28),
                "channel": (["web", "email", "app"][i % 3]),
                "dimensions": { "region": (["华东", "华北", "华南"][i % 3 / 2 + i % 2]) },
                "customer": { "external_id": format!("c{}", i % 40), "attributes": { "tier": (["gold", "silver"][i % 2]) } },
                "answers": { "nps": i % 11, "csat": 1 + i % 5, "reason": (["delivery", "quality", "price"][i % 3]), "liked": ["staff", "app"] }
            })
            .to_string(),
        );
        text.push('\n');
    }
    text
}

#[tokio::test]
async fn ingesting_the_same_file_twice_leaves_every_count_unchanged() {
    let app = test_app().await;
    let file = sample_file(300);
    let query = serde_json::json!({
        "metrics": ["count", "nps", "csat", "share:reason", "share:liked"],
        "group_by": ["region"],
        "grain": "month",
    });
    let first = app.ingest_lines(&file).await.unwrap();
    assert_eq!(
        (first.received, first.inserted, first.updated),
        (300, 300, 0)
    );
    let before = serde_json::to_value(app.metrics(query.clone()).await).unwrap();
    let second = app.ingest_lines(&file).await.unwrap();
    assert_eq!(
        (second.received, second.inserted, second.updated),
        (300, 0, 300)
    );
    let after = serde_json::to_value(app.metrics(query).await).unwrap();
    assert_eq!(before, after);
    assert_eq!(app.response_count().await, 300.0);
}

#[tokio::test]
async fn resending_a_response_replaces_its_answers() {
    let app = test_app().await;
    let first = r#"{"survey": "feedback", "id": "r1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 0, "reason": "price", "liked": ["app", "staff"]}}"#;
    let second = r#"{"survey": "feedback", "id": "r1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 10, "liked": ["speed"]}}"#;
    app.ingest_lines(first).await.unwrap();
    let report = app.ingest_lines(second).await.unwrap();
    assert_eq!((report.inserted, report.updated), (0, 1));
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps", "share:liked", "share:reason", "count"] }))
        .await;
    let rows: Vec<_> = result
        .rows
        .iter()
        .map(|r| (r.metric.as_str(), r.n, r.value))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("nps", 1, Some(100.0)),
            ("share:liked", 1, Some(100.0)),
            ("count", 1, Some(1.0)),
        ]
    );
}

#[tokio::test]
async fn within_a_batch_the_later_copy_of_a_response_wins() {
    let app = test_app().await;
    let text = r#"{"survey": "feedback", "id": "r1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 0}}
{"survey": "feedback", "id": "r1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9}}"#;
    app.ingest_lines(text).await.unwrap();
    let result = app.metrics(serde_json::json!({ "metrics": ["nps"] })).await;
    assert_eq!((result.rows[0].n, result.rows[0].value), (1, Some(100.0)));
}

#[tokio::test]
async fn the_same_id_from_two_sources_is_two_responses() {
    let app = test_app().await;
    let text = r#"{"survey": "feedback", "id": "1", "source": "qualtrics", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 0}}
{"survey": "feedback", "id": "1", "source": "pos", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9}}"#;
    let report = app.ingest_lines(text).await.unwrap();
    assert_eq!(report.inserted, 2);
    assert_eq!(app.response_count().await, 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ingests_each_land_without_a_busy_error() {
    // Form submissions, API calls and feeds arrive at once; on SQLite each ingest must wait
    // for the write lock rather than fail because another committed after it began reading.
    let app = test_app().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24 {
        let app = app.app.clone();
        tasks.spawn(async move {
            let input = crate::response(
                &format!("c{i}"),
                "2025-03-01T09:00:00+08:00",
                serde_json::json!({ "nps": i % 11 }),
            );
            app.ingest(&[input], &[1]).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("every concurrent ingest lands");
    }
    assert_eq!(app.response_count().await, 24.0);
}
