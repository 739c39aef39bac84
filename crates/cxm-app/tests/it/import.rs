//! Imports of other tools' exports: every fixture of `cxm-formats/tests/fixtures` (written
//! from the layouts of formats.md by `make_fixtures.py`) lands with the NPS and CSAT its ten
//! respondents give; imports are idempotent, atomic by default, match stored surveys, and
//! exported files import back into a fresh database with identical metrics.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cxm_app::{AppError, ExportFormat, ImportOptions, ImportReport};
use cxm_domain::SurveyKey;
use cxm_formats::FileSource;

use crate::{TestApp, check_close, test_app};

fn fixture(name: &str) -> FileSource {
    FileSource::Path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../cxm-formats/tests/fixtures")
            .join(name),
    )
}

fn into(survey: &str) -> ImportOptions {
    ImportOptions {
        survey: Some(SurveyKey::parse(survey).unwrap()),
        ..ImportOptions::default()
    }
}

async fn import(app: &TestApp, file: &str, survey: &str) -> ImportReport {
    app.app
        .import(fixture(file), into(survey))
        .await
        .unwrap_or_else(|e| panic!("importing {file}: {e}"))
}

/// The value of `metric` over all of `survey`'s responses.
async fn metric(app: &TestApp, survey: &str, metric: &str) -> Option<f64> {
    let result = app
        .metrics(serde_json::json!({ "metrics": [metric], "surveys": [survey] }))
        .await;
    result.rows.first().and_then(|r| r.value)
}

#[tokio::test]
async fn every_export_format_imports_with_the_nps_and_csat_of_its_respondents() {
    let app = test_app().await;
    // file, format detected, NPS, CSAT top-two-box % (None where the layout has no CSAT)
    let cases: [(&str, &str, f64, Option<f64>); 10] = [
        ("qualtrics.csv", "qualtrics", 20.0, Some(60.0)),
        ("qualtrics_legacy.csv", "qualtrics", 20.0, None),
        ("surveymonkey_expanded.csv", "surveymonkey", 20.0, None),
        (
            "surveymonkey_condensed.xlsx",
            "surveymonkey",
            20.0,
            Some(60.0),
        ),
        ("wjx_gbk.csv", "wjx", 20.0, Some(60.0)),
        ("wjx_code.xls", "wjx", 20.0, Some(60.0)),
        ("delighted.csv", "delighted", 20.0, None),
        ("formbricks.csv", "formbricks", 20.0, Some(60.0)),
        ("limesurvey.csv", "limesurvey", 20.0, Some(60.0)),
        ("generic_zh.csv", "generic", 20.0, Some(60.0)),
    ];
    for (index, (file, format, nps, csat)) in cases.into_iter().enumerate() {
        let survey = format!("import-{index}");
        let report = import(&app, file, &survey).await;
        assert_eq!(report.plan.format.as_str(), format, "{file}");
        assert!(report.plan.creates_survey, "{file}");
        assert_eq!(report.rejected, 0, "{file}: {:?}", report.problems);
        let expected_rows = if file == "limesurvey.csv" { 11 } else { 10 };
        assert_eq!(report.imported.inserted, expected_rows, "{file}");
        let got = metric(&app, &survey, "nps")
            .await
            .unwrap_or_else(|| panic!("{file}: no NPS"));
        check_close(&format!("{file} NPS"), got, nps, 1e-9);
        match csat {
            Some(csat) => {
                let got = metric(&app, &survey, "csat")
                    .await
                    .unwrap_or_else(|| panic!("{file}: no CSAT"));
                check_close(&format!("{file} CSAT"), got, csat, 1e-9);
            }
            None => {
                let stored = app.app.survey(&survey).await.unwrap().survey;
                assert!(
                    !stored.questions.iter().any(|q| matches!(
                        q.kind,
                        cxm_domain::QuestionKind::Rating { role: Some(_), .. }
                    )),
                    "{file}: unexpected CSAT question"
                );
            }
        }
    }
}

#[tokio::test]
async fn details_of_the_layouts_survive_the_import() {
    let app = test_app().await;
    import(&app, "wjx_gbk.csv", "wjx").await;
    let survey = app.app.survey("wjx").await.unwrap().survey;
    let reasons = survey.question("q3").expect("q3");
    assert!(
        matches!(&reasons.kind, cxm_domain::QuestionKind::MultiChoice { options } if options.len() == 3),
        "{reasons:?}"
    );
    // 问卷星's −3 (skipped) is no answer: nine respondents gave reasons.
    let share = app
        .metrics(serde_json::json!({ "metrics": ["share:q3"], "surveys": ["wjx"] }))
        .await;
    assert_eq!(share.rows[0].n, 9, "{share:?}");
    // Dimensions group metrics.
    let by_store = app
        .metrics(
            serde_json::json!({ "metrics": ["nps"], "surveys": ["wjx"], "group_by": ["store"] }),
        )
        .await;
    assert_eq!(by_store.rows.len(), 3);

    // LimeSurvey: a response without submitdate is partial.
    import(&app, "limesurvey.csv", "lime").await;
    let complete = app
        .metrics(
            serde_json::json!({ "metrics": ["count"], "surveys": ["lime"], "complete_only": true }),
        )
        .await;
    assert_eq!(complete.rows[0].value, Some(10.0));

    // IP addresses are dropped unless asked for.
    let report = import(&app, "qualtrics.csv", "qx").await;
    assert!(report.plan.survey.question("ip").is_none());
    let kept = app
        .app
        .import(
            fixture("qualtrics.csv"),
            ImportOptions {
                keep_ip: true,
                ..into("qx-ip")
            },
        )
        .await
        .unwrap();
    assert!(kept.plan.survey.question("ip").is_some());
}

#[tokio::test]
async fn importing_the_same_file_again_updates_and_never_duplicates() {
    let app = test_app().await;
    let first = import(&app, "qualtrics.csv", "q").await;
    assert_eq!((first.imported.inserted, first.imported.updated), (10, 0));
    let again = import(&app, "qualtrics.csv", "q").await;
    assert!(
        !again.plan.creates_survey,
        "the second import matches the stored survey"
    );
    assert_eq!((again.imported.inserted, again.imported.updated), (0, 10));
    // A file without response ids is keyed by row content: still no duplicates.
    import(&app, "generic_zh.csv", "g").await;
    let again = import(&app, "generic_zh.csv", "g").await;
    assert_eq!((again.imported.inserted, again.imported.updated), (0, 10));
    check_close(
        "NPS after re-imports",
        metric(&app, "q", "nps").await.unwrap(),
        20.0,
        1e-9,
    );
    check_close("responses", app.response_count().await, 20.0, 0.0);
}

#[tokio::test]
async fn identical_rows_of_a_file_without_ids_stay_separate_responses() {
    let app = test_app().await;
    let file = |rows: &str| FileSource::Bytes {
        name: "paper.csv".into(),
        bytes: format!("submitted_at,推荐意愿\n{rows}").into_bytes().into(),
    };
    // Two respondents gave 9 on the same day: two responses, not one.
    let rows = "2026-03-01,9\n2026-03-01,9\n2026-03-01,3\n";
    let first = app.app.import(file(rows), into("paper")).await.unwrap();
    assert_eq!(
        (
            first.imported.inserted,
            first.imported.updated,
            first.imported.repeated()
        ),
        (3, 0, 0)
    );
    check_close(
        "NPS",
        metric(&app, "paper", "nps").await.unwrap(),
        100.0 / 3.0,
        1e-9,
    );
    // The same file again updates each row.
    let again = app.app.import(file(rows), into("paper")).await.unwrap();
    assert_eq!((again.imported.inserted, again.imported.updated), (0, 3));
    // A later export with a third 9 adds that one.
    let later = app
        .app
        .import(file(&format!("{rows}2026-03-01,9\n")), into("paper"))
        .await
        .unwrap();
    assert_eq!((later.imported.inserted, later.imported.updated), (1, 3));
    check_close("responses", app.response_count().await, 4.0, 0.0);
}

/// A copy of a fixture with one cell replaced.
fn damaged(file: &str, find: &str, replace: &str) -> FileSource {
    let FileSource::Path(path) = fixture(file) else {
        unreachable!()
    };
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(find), "{find} not in {file}");
    FileSource::Bytes {
        name: file.to_owned(),
        bytes: text.replacen(find, replace, 1).into_bytes().into(),
    }
}

#[tokio::test]
async fn a_bad_row_fails_the_whole_import_with_its_row_and_column_unless_skipped() {
    let app = test_app().await;
    // Row 7 of the Delighted file gets a score of 12.
    let source = damaged(
        "delighted.csv",
        "Person 5,person5@example.com,6,",
        "Person 5,person5@example.com,12,",
    );
    let error = app.app.import(source.clone(), into("d")).await.unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    assert!(
        problems
            .iter()
            .any(|p| p.row == Some(7) && p.field == "Score" && p.message.contains("12")),
        "{problems:#?}"
    );
    assert!(
        app.app.survey("d").await.is_err(),
        "the survey made for a failed import is gone"
    );
    check_close("responses", app.response_count().await, 0.0, 0.0);

    // The dry run reports the same problem and writes nothing.
    let dry = app
        .app
        .import(
            source.clone(),
            ImportOptions {
                dry_run: true,
                ..into("d")
            },
        )
        .await
        .unwrap();
    assert_eq!((dry.imported.received, dry.rejected), (9, 1));
    assert_eq!(dry.problems[0].row, 7);
    assert!(app.app.survey("d").await.is_err());

    // With skip_invalid the nine good rows land and the reject sink gets the tenth.
    let sink: Arc<Mutex<Box<dyn std::io::Write + Send>>> =
        Arc::new(Mutex::new(Box::new(Vec::<u8>::new())));
    let report = app
        .app
        .import(
            source,
            ImportOptions {
                skip_invalid: true,
                rejects: Some(sink),
                ..into("d")
            },
        )
        .await
        .unwrap();
    assert_eq!((report.imported.inserted, report.rejected), (9, 1));
    check_close("responses", app.response_count().await, 9.0, 0.0);
}

#[tokio::test]
async fn an_undated_file_lands_on_the_day_it_is_given_with_its_missing_codes_left_out() {
    let app = test_app().await;
    // No time column; 0 means "not applicable" on the 1–5 scale.
    let source = FileSource::Bytes {
        name: "cabin.csv".into(),
        bytes: b"ID,Gender,Seat Comfort\n1,Male,0\n2,Female,4\n3,Male,5\n4,Female,3\n5,Male,2\n\
            6,Female,1\n7,Male,4\n8,Female,5\n9,Male,0\n10,Female,3\n"
            .to_vec()
            .into(),
    };
    let error = app
        .app
        .import(source.clone(), into("cabin"))
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("--submitted-at")),
        "{problems:#?}"
    );
    let mapping =
        cxm_formats::Mapping::parse("[columns]\n\"Seat Comfort\" = { missing = [\"0\"] }")
            .unwrap()
            .with_submitted_at("2024-06-30")
            .unwrap();
    let report = app
        .app
        .import(
            source,
            ImportOptions {
                mapping: Some(mapping),
                ..into("cabin")
            },
        )
        .await
        .unwrap();
    assert_eq!(report.imported.inserted, 10);
    let on_the_day = app
        .metrics(serde_json::json!({ "metrics": ["count", "mean:seat_comfort"], "surveys": ["cabin"], "since": "2024-06-30", "until": "2024-06-30" }))
        .await;
    let values: Vec<(u64, Option<f64>)> = on_the_day.rows.iter().map(|r| (r.n, r.value)).collect();
    // Eight ratings (4+5+3+2+1+4+5+3 = 27) once the two 0s are no answer.
    assert_eq!(values[0], (10, Some(10.0)), "{values:?}");
    assert_eq!(values[1].0, 8, "{values:?}");
    check_close("mean seat comfort", values[1].1.unwrap(), 27.0 / 8.0, 1e-12);

    // A time cxm refuses is reported at its own column, with the time as read.
    let placeholder = FileSource::Bytes {
        name: "cabin.csv".into(),
        bytes: b"ID,date,Seat Comfort\n11,1970-01-01,4\n12,2024-07-01,3\n"
            .to_vec()
            .into(),
    };
    let dry = app
        .app
        .import(
            placeholder,
            ImportOptions {
                dry_run: true,
                ..into("cabin")
            },
        )
        .await
        .unwrap();
    let problem = &dry.problems[0];
    assert_eq!(
        (problem.row, problem.column.as_str()),
        (2, "date"),
        "{problem:?}"
    );
    assert!(problem.value.starts_with("1970-01-01"), "{problem:?}");
}

#[tokio::test]
async fn a_file_is_matched_to_the_stored_survey_and_mismatches_are_reported() {
    let app = test_app().await;
    import(&app, "qualtrics.csv", "q").await;
    // The legacy file asks other questions: matched by key, its text question qid2 fits, but
    // its NPS column is keyed qid1 too, so it lands in the same survey.
    let report = app
        .app
        .import(
            fixture("qualtrics_legacy.csv"),
            ImportOptions {
                dry_run: true,
                ..into("q")
            },
        )
        .await
        .unwrap();
    assert!(!report.plan.creates_survey);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // The SurveyMonkey file asks the NPS question in the same words (matched by text), but
    // its other questions are not in the survey: each is reported and nothing is written.
    let error = app
        .app
        .import(fixture("surveymonkey_expanded.csv"), into("q"))
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = error else {
        panic!("{error:?}")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "Which features do you use?",
            "Other (please specify)",
            "Any other comments?"
        ],
        "{problems:#?}"
    );
    assert!(
        problems[0].message.contains("survey q has no question q2"),
        "{problems:#?}"
    );
    check_close("responses", app.response_count().await, 10.0, 0.0);
}

#[tokio::test]
async fn exported_files_import_with_identical_metrics_and_keep_their_identity() {
    let source = test_app().await;
    import(&source, "qualtrics.csv", "q").await;
    import(&source, "wjx_gbk.csv", "w").await;
    let survey_q = source.app.survey("q").await.unwrap().survey;
    let survey_w = source.app.survey("w").await.unwrap().survey;
    for (format, language, extension) in [
        (ExportFormat::Csv, "en", "csv"),
        (ExportFormat::Xlsx, "zh", "xlsx"),
    ] {
        let target = test_app().await;
        for survey in [&survey_q, &survey_w] {
            let mut bytes = Vec::new();
            let written = source
                .app
                .export_responses(survey.key.as_str(), format, language, &mut bytes)
                .await
                .unwrap();
            assert_eq!(written, 10);
            target.app.create_survey(survey).await.unwrap();
            let file = FileSource::Bytes {
                name: format!("{}.{extension}", survey.key),
                bytes: bytes.into(),
            };
            let report = target
                .app
                .import(file.clone(), into(survey.key.as_str()))
                .await
                .unwrap();
            assert_eq!(
                report.imported.inserted, 10,
                "{extension}: {:?}",
                report.problems
            );
            // Back into the database it came from (edited in a spreadsheet, say), the file
            // updates its responses instead of adding copies.
            let back = source
                .app
                .import(file.clone(), into(survey.key.as_str()))
                .await
                .unwrap();
            assert_eq!(
                (back.imported.inserted, back.imported.updated),
                (0, 10),
                "{extension}"
            );
            // Into another survey, its rows are copies: the original keeps its responses.
            let mut copy = survey.clone();
            copy.key = SurveyKey::parse(&format!("{}_{extension}", survey.key)).unwrap();
            source.app.create_survey(&copy).await.unwrap();
            let copied = source
                .app
                .import(file, into(copy.key.as_str()))
                .await
                .unwrap();
            assert_eq!(
                (copied.imported.inserted, copied.imported.updated),
                (10, 0),
                "{extension}"
            );
            assert_eq!(
                source
                    .app
                    .survey(survey.key.as_str())
                    .await
                    .unwrap()
                    .responses,
                10
            );
        }
        let query = serde_json::json!({
            "metrics": ["nps", "csat", "share:q3", "count"],
            "surveys": ["q", "w"],
            "group_by": ["survey", "store"],
            "grain": "month",
        });
        let before = serde_json::to_value(source.metrics(query.clone()).await).unwrap();
        let after = serde_json::to_value(target.metrics(query).await).unwrap();
        assert_eq!(
            before, after,
            "{extension}: metrics differ after the round trip"
        );
        // The responses kept their sources and ids: the vendor's file updates them there.
        let again = import(&target, "qualtrics.csv", "q").await;
        assert_eq!(
            (again.imported.inserted, again.imported.updated),
            (0, 10),
            "{extension}"
        );
        assert!(
            again
                .plan
                .columns
                .iter()
                .all(|c| !c.becomes.contains("source")),
            "a vendor file has no source columns"
        );
    }
}

#[tokio::test]
async fn an_import_into_an_in_memory_database_does_not_wait_on_its_own_connection() {
    // An in-memory SQLite database has one connection, which the import's transaction holds.
    let app = cxm_app::App::open(cxm_app::Config::with_database("sqlite::memory:"))
        .await
        .unwrap();
    let report = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        app.import(fixture("qualtrics.csv"), into("q")),
    )
    .await
    .expect("the import finished")
    .unwrap();
    assert_eq!(report.imported.inserted, 10);
}

#[tokio::test]
async fn a_long_import_that_sends_rows_again_keeps_counts_equal_to_the_facts() {
    // 12,000 rows in three batches; the last 2,000 carry ids of the first batch with other
    // scores and regions, so one session replaces rows it wrote itself before the counts it
    // holds are written.
    let app = test_app().await;
    let regions = ["华东", "华北", "华南"];
    let mut text = String::from("response_id,submitted_at,region,推荐意愿,满意度\n");
    for i in 0..12_000usize {
        let id = if i >= 10_000 { i - 10_000 } else { i };
        let region = regions[(i * 7 + i / 10_000) % 3];
        let day = 1 + i % 28;
        text.push_str(&format!(
            "r{id},2025-{:02}-{day:02} 10:00:00,{region},{},{}\n",
            1 + (i / 28) % 12,
            (i * 3 + i / 10_000 * 5) % 11,
            1 + (i + i / 10_000) % 5
        ));
    }
    let source = FileSource::Bytes {
        name: "long.csv".to_owned(),
        bytes: text.into_bytes().into(),
    };
    let report = app.app.import(source, into("long")).await.unwrap();
    assert_eq!(
        (report.imported.inserted, report.imported.updated),
        (10_000, 2_000)
    );
    for metrics in [
        serde_json::json!(["nps", "count"]),
        serde_json::json!(["csat"]),
    ] {
        let counted = app
            .metrics(
                serde_json::json!({ "metrics": metrics, "group_by": ["region"], "grain": "month" }),
            )
            .await;
        let from_facts = app
            .metrics(serde_json::json!({ "metrics": metrics, "group_by": ["region", "channel"], "grain": "month" }))
            .await;
        let rows = |result: &cxm_app::MetricsResult| -> Vec<String> {
            let mut rows: Vec<String> = result
                .rows
                .iter()
                .map(|r| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        r.period,
                        r.groups.get("region"),
                        r.metric,
                        r.n
                    )
                })
                .collect();
            rows.sort();
            rows
        };
        assert_eq!(rows(&counted), rows(&from_facts));
        assert!(!rows(&counted).is_empty());
    }
}

#[tokio::test]
async fn metric_tables_export_as_a_workbook_with_options_and_comparisons() {
    use calamine::Reader;
    let app = test_app().await;
    import(&app, "qualtrics.csv", "q").await;
    let query = serde_json::json!({
        "metrics": ["nps", "share:qid3"],
        "surveys": ["q"],
        "group_by": ["store"],
        "since": "2026-09-06",
        "until": "2026-09-10",
        "compare": ["previous"],
    });
    let input: cxm_app::MetricQueryInput = serde_json::from_value(query.clone()).unwrap();
    let mut bytes = Vec::new();
    app.app.export_metrics(&input, &mut bytes).await.unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["overall", "store"]);
    for (sheet, group_by) in [("overall", None), ("store", Some("store"))] {
        let range = workbook.worksheet_range(sheet).unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect();
        let column = |name: &str| {
            rows[0]
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{sheet}: no column {name}: {:?}", rows[0]))
        };
        let mut asked = query.clone();
        asked["group_by"] = serde_json::json!(group_by.into_iter().collect::<Vec<_>>());
        let expected = app.metrics(asked).await;
        assert_eq!(rows.len(), expected.rows.len() + 1, "{sheet}: {rows:?}");
        for row in &expected.rows {
            let option = match &row.estimate {
                cxm_app::Estimate::Share(share) => share.option.clone(),
                _ => String::new(),
            };
            let group = group_by
                .and_then(|g| row.groups.get(g).cloned().flatten())
                .unwrap_or_default();
            // Each share row names its option, so two options' rows are told apart.
            let found = rows[1..]
                .iter()
                .find(|r| {
                    r[column("metric")] == row.metric
                        && r[column("option")] == option
                        && group_by.is_none_or(|g| r[column(g)] == group)
                })
                .unwrap_or_else(|| panic!("{sheet}: no row {} {option} {group}", row.metric));
            let number = |name: &str| found[column(name)].parse::<f64>().ok();
            assert_eq!(number("n"), Some(row.n as f64));
            let previous = &row.comparisons[0];
            for (name, value) in [
                ("value", row.value),
                ("ci_lower", row.ci_lower),
                ("previous_value", previous.value),
                ("previous_delta", previous.delta),
                ("previous_p_value", previous.p_value),
                ("previous_p_adjusted", previous.p_adjusted),
            ] {
                match (number(name), value) {
                    (Some(got), Some(want)) => check_close(name, got, want, 1e-9),
                    (got, want) => assert_eq!(got, want, "{sheet} {name}"),
                }
            }
            assert_eq!(
                found[column("previous_significant")],
                previous.significant.to_string()
            );
        }
    }
}
