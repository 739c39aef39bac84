//! The metric engine end to end: responses stored, accumulated in SQL and estimated in Rust
//! give the reference values of established packages, and agree with a direct count.

use std::collections::BTreeMap;

use cxm_app::{AppError, Estimate, MetricQueryInput};
use cxm_domain::ResponseInput;

use crate::{check_close, response, synthetic, test_app};

/// Responses with the given NPS scores, all on one day.
fn nps_responses(scores: &[i64], day: &str) -> Vec<ResponseInput> {
    scores
        .iter()
        .enumerate()
        .map(|(i, score)| {
            response(
                &format!("{day}-{i}"),
                &format!("{day}T10:00:00+08:00"),
                serde_json::json!({ "nps": score }),
            )
        })
        .collect()
}

#[tokio::test]
async fn nps_of_five_three_two_matches_the_reference_adjusted_wald_interval() {
    // shared/golden/nps_intervals.json, case "small n=10" (reference/nps_reference.py after
    // Rocks' R package NPS): NPS 0.3, se 0.24698…, adjusted-Wald 95% [-0.19051, 0.65204].
    let app = test_app().await;
    app.ingest(&nps_responses(
        &[9, 10, 9, 10, 10, 7, 8, 7, 0, 6],
        "2025-03-05",
    ))
    .await;
    let result = app.metrics(serde_json::json!({ "metrics": ["nps"] })).await;
    let row = &result.rows[0];
    assert_eq!(row.n, 10);
    check_close("nps", row.value.unwrap(), 30.0, 1e-9);
    check_close("lower", row.ci_lower.unwrap(), -19.050615376363667, 1e-9);
    check_close("upper", row.ci_upper.unwrap(), 65.20446153020982, 1e-9);
    let Estimate::Nps {
        promoters,
        passives,
        detractors,
        se,
        ..
    } = &row.estimate
    else {
        panic!("not an NPS estimate: {:?}", row.estimate)
    };
    assert_eq!((*promoters, *passives, *detractors), (5, 3, 2));
    check_close("se", *se, 24.69817807045694, 1e-9);
    assert!(
        row.low_base,
        "10 respondents are below the default minimum of 30"
    );
}

#[tokio::test]
async fn csat_top_box_of_38_in_50_matches_the_statsmodels_wilson_interval() {
    // shared/golden/proportions_means.json, proportion_confint case "38/50", wilson at 0.05:
    // [0.6258731624205707, 0.8570260860300827] (statsmodels 0.15).
    let app = test_app().await;
    let responses: Vec<ResponseInput> = (0..50)
        .map(|i| {
            let csat = if i < 38 { 4 + i % 2 } else { 1 + i % 3 };
            response(
                &format!("c{i}"),
                "2025-03-05T10:00:00+08:00",
                serde_json::json!({ "nps": 8, "csat": csat }),
            )
        })
        .collect();
    app.ingest(&responses).await;
    let result = app
        .metrics(serde_json::json!({ "metrics": ["csat"] }))
        .await;
    let row = &result.rows[0];
    assert_eq!(row.n, 50);
    check_close("top box", row.value.unwrap(), 76.0, 1e-9);
    check_close("lower", row.ci_lower.unwrap(), 62.58731624205707, 1e-8);
    check_close("upper", row.ci_upper.unwrap(), 85.70260860300827, 1e-8);
}

#[tokio::test]
async fn ces_month_over_month_matches_the_scipy_welch_test() {
    // shared/golden/proportions_means.json, welch_ttest case "CES 1-7, generated
    // (numpy default_rng(20240611)), n=42 vs n=57" (scipy 1.17 ttest_ind, equal_var=False).
    const A: [i64; 42] = [
        4, 7, 5, 6, 4, 3, 6, 5, 7, 6, 4, 5, 6, 6, 4, 6, 5, 6, 5, 3, 7, 6, 3, 7, 7, 4, 7, 4, 6, 2,
        4, 4, 7, 3, 4, 5, 7, 5, 2, 5, 5, 2,
    ];
    const B: [i64; 57] = [
        4, 5, 4, 4, 6, 5, 5, 6, 5, 4, 4, 4, 1, 1, 5, 5, 4, 4, 7, 7, 3, 6, 2, 6, 5, 4, 6, 5, 6, 6,
        3, 5, 3, 5, 4, 4, 6, 4, 7, 3, 4, 2, 1, 5, 5, 4, 3, 1, 2, 5, 3, 3, 6, 5, 4, 5, 5,
    ];
    let app = test_app().await;
    let mut responses = Vec::new();
    for (i, ces) in A.iter().enumerate() {
        responses.push(response(
            &format!("a{i}"),
            "2025-03-10T10:00:00+08:00",
            serde_json::json!({ "nps": 9, "ces": ces }),
        ));
    }
    for (i, ces) in B.iter().enumerate() {
        responses.push(response(
            &format!("b{i}"),
            "2025-02-10T10:00:00+08:00",
            serde_json::json!({ "nps": 9, "ces": ces }),
        ));
    }
    app.ingest(&responses).await;
    let result = app
        .metrics(serde_json::json!({ "metrics": ["ces"], "grain": "month", "compare": ["previous"], "since": "2025-03-01", "until": "2025-03-31" }))
        .await;
    assert_eq!(
        result.rows.len(),
        1,
        "only March is in range: {:#?}",
        result.rows
    );
    let row = &result.rows[0];
    assert_eq!((row.period.as_deref(), row.n), (Some("2025-03"), 42));
    check_close("mean", row.value.unwrap(), 4.976190476190476, 1e-12);
    let comparison = &row.comparisons[0];
    assert_eq!(
        (comparison.period.as_deref(), comparison.n),
        (Some("2025-02"), 57)
    );
    check_close(
        "delta",
        comparison.delta.unwrap(),
        4.976190476190476 - 4.315789473684211,
        1e-12,
    );
    let ci = comparison.delta_ci.unwrap();
    check_close("ci lower", ci[0], 0.050558967557379986, 1e-9);
    check_close("ci upper", ci[1], 1.2702430374551512, 1e-9);
    check_close("p", comparison.p_value.unwrap(), 0.034129080139981886, 1e-9);
}

#[tokio::test]
async fn skipped_questions_are_outside_the_denominator_and_partials_count() {
    let app = test_app().await;
    let text = r#"{"survey": "feedback", "id": "1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 10, "csat": 5}}
{"survey": "feedback", "id": "2", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 0, "csat": null, "reason": ""}}
{"survey": "feedback", "id": "3", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"csat": 1}}
{"survey": "feedback", "id": "4", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"csat": 4, "reason": "price"}}"#;
    app.ingest_lines(text).await.unwrap();
    let all = app
        .metrics(serde_json::json!({ "metrics": ["nps", "csat", "share:reason", "count"] }))
        .await;
    let expected = [
        ("nps", 2, 0.0),
        ("csat", 3, 200.0 / 3.0),
        ("share:reason", 1, 100.0),
        ("count", 4, 4.0),
    ];
    assert_eq!(all.rows.len(), expected.len());
    for (row, (metric, n, value)) in all.rows.iter().zip(expected) {
        assert_eq!((row.metric.as_str(), row.n), (metric, n));
        check_close(metric, row.value.unwrap(), value, 1e-9);
    }
    // Responses 3 and 4 lack the required NPS: they are partial and drop out of complete_only.
    let complete = app
        .metrics(serde_json::json!({ "metrics": ["csat", "count"], "complete_only": true }))
        .await;
    let summary: Vec<_> = complete
        .rows
        .iter()
        .map(|r| (r.metric.as_str(), r.n))
        .collect();
    assert_eq!(summary, vec![("csat", 1), ("count", 2)]);
}

#[tokio::test]
async fn days_and_months_begin_in_the_configured_time_zone() {
    let app = test_app().await;
    // 17:30 UTC on 31 January is 01:30 on 1 February in Shanghai.
    let responses = vec![
        response(
            "late",
            "2025-01-31T17:30:00Z",
            serde_json::json!({ "nps": 10 }),
        ),
        response(
            "early",
            "2025-01-31T15:30:00Z",
            serde_json::json!({ "nps": 0 }),
        ),
    ];
    app.ingest(&responses).await;
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "grain": "month" }))
        .await;
    let rows: Vec<_> = result
        .rows
        .iter()
        .map(|r| (r.period.clone().unwrap(), r.value))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("2025-01".to_owned(), Some(-100.0)),
            ("2025-02".to_owned(), Some(100.0))
        ]
    );
    let week = app
        .metrics(serde_json::json!({ "metrics": ["count"], "grain": "week" }))
        .await;
    let weeks: Vec<_> = week
        .rows
        .iter()
        .map(|r| r.period.clone().unwrap())
        .collect();
    assert_eq!(weeks, vec!["2025-W05"]);
}

/// Per (region, month): NPS counts `[promoters, passives, detractors]`, CSAT `(top, n)` and CES
/// `(sum, n)`, counted directly from the inputs.
#[derive(Default, Debug)]
struct Direct {
    nps: [u64; 3],
    csat: (u64, u64),
    ces: (i64, u64),
}

fn direct_counts(responses: &[ResponseInput]) -> BTreeMap<(String, String), Direct> {
    let mut out: BTreeMap<(String, String), Direct> = BTreeMap::new();
    for r in responses {
        let local = chrono::DateTime::parse_from_rfc3339(&r.submitted_at)
            .unwrap()
            .with_timezone(&chrono_tz::Asia::Shanghai);
        let month = local.format("%Y-%m").to_string();
        let region = r.dimensions["region"].clone();
        let entry = out.entry((region, month)).or_default();
        if let Some(score) = r.answers.get("nps").and_then(|v| v.as_i64()) {
            entry.nps[if score >= 9 {
                0
            } else if score >= 7 {
                1
            } else {
                2
            }] += 1;
        }
        if let Some(csat) = r.answers.get("csat").and_then(|v| v.as_i64()) {
            entry.csat.0 += u64::from(csat >= 4);
            entry.csat.1 += 1;
        }
        if let Some(ces) = r.answers.get("ces").and_then(|v| v.as_i64()) {
            entry.ces.0 += ces;
            entry.ces.1 += 1;
        }
    }
    out
}

#[tokio::test]
async fn metrics_by_region_and_month_equal_a_direct_count_of_the_responses() {
    let app = test_app().await;
    let responses = synthetic(3_000, 11);
    app.ingest(&responses).await;
    let expected = direct_counts(&responses);
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps", "csat", "ces"], "group_by": ["region"], "grain": "month", "compare": ["yoy", "previous"] }))
        .await;
    let mut seen = 0;
    let mut values: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for row in &result.rows {
        let key = (
            row.groups["region"].clone().unwrap(),
            row.period.clone().unwrap(),
        );
        let direct = &expected[&key];
        let (n, value) = match row.metric.as_str() {
            "nps" => {
                let n = direct.nps.iter().sum::<u64>();
                (
                    n,
                    (direct.nps[0] as f64 - direct.nps[2] as f64) / n as f64 * 100.0,
                )
            }
            "csat" => (
                direct.csat.1,
                direct.csat.0 as f64 / direct.csat.1 as f64 * 100.0,
            ),
            _ => (direct.ces.1, direct.ces.0 as f64 / direct.ces.1 as f64),
        };
        assert_eq!(row.n, n, "{} {key:?}", row.metric);
        check_close(
            &format!("{} {key:?}", row.metric),
            row.value.unwrap(),
            value,
            1e-9,
        );
        assert_eq!(row.low_base, n < 30);
        let (lower, upper) = (row.ci_lower.unwrap(), row.ci_upper.unwrap());
        assert!(lower < upper, "{} {key:?}: empty interval", row.metric);
        values.insert((row.metric.clone(), key.0, key.1), row.value.unwrap());
        seen += 1;
    }
    assert_eq!(
        seen,
        expected.len() * 3,
        "every region and month, for each metric"
    );
    // Comparisons read the same values a year and a month earlier.
    let mut compared = 0;
    for row in &result.rows {
        let region = row.groups["region"].clone().unwrap();
        for comparison in &row.comparisons {
            let Some(other) = values.get(&(
                row.metric.clone(),
                region.clone(),
                comparison.period.clone().unwrap(),
            )) else {
                assert_eq!(comparison.n, 0);
                continue;
            };
            check_close("comparison value", comparison.value.unwrap(), *other, 1e-9);
            check_close(
                "delta",
                comparison.delta.unwrap(),
                row.value.unwrap() - other,
                1e-9,
            );
            let p = comparison.p_value.unwrap();
            let adjusted = comparison.p_adjusted.unwrap();
            assert!(
                (0.0..=1.0).contains(&p) && adjusted >= p - 1e-15,
                "p {p}, adjusted {adjusted}"
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "comparisons were computed: {compared}");
}

#[tokio::test]
async fn a_region_that_declines_is_flagged_significant_against_last_year() {
    let app = test_app().await;
    let mut responses = Vec::new();
    for (year, region, score) in [
        (2024, "north", 10),
        (2025, "north", 0),
        (2024, "south", 9),
        (2025, "south", 10),
    ] {
        for i in 0..60 {
            let mut r = response(
                &format!("{year}{region}{i}"),
                &format!("{year}-05-{:02}T10:00:00+08:00", 1 + i % 28),
                serde_json::json!({ "nps": if i % 4 == 0 { 7 } else { score } }),
            );
            r.dimensions.insert("region".to_owned(), region.to_owned());
            responses.push(r);
        }
    }
    app.ingest(&responses).await;
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "group_by": ["region"], "since": "2025-05-01", "until": "2025-05-31", "compare": ["yoy"] }))
        .await;
    let by_region: BTreeMap<String, (f64, bool)> = result
        .rows
        .iter()
        .map(|r| {
            (
                r.groups["region"].clone().unwrap(),
                (
                    r.comparisons[0].delta.unwrap(),
                    r.comparisons[0].significant,
                ),
            )
        })
        .collect();
    assert_eq!(by_region["north"], (-150.0, true));
    assert!(
        !by_region["south"].1,
        "a 0-point change is not significant: {by_region:?}"
    );
    assert_eq!(result.rows[0].comparisons[0].since, "2024-05-01");
}

#[tokio::test]
async fn filters_select_channels_touchpoints_dimensions_and_customers() {
    let app = test_app().await;
    let responses = synthetic(600, 5);
    app.ingest(&responses).await;
    let count = |filter: serde_json::Value| {
        let mut query = serde_json::json!({ "metrics": ["count"] });
        query
            .as_object_mut()
            .unwrap()
            .extend(filter.as_object().unwrap().clone());
        query
    };
    let total = |result: cxm_app::MetricsResult| result.rows.iter().map(|r| r.n).sum::<u64>();
    let expect = |predicate: &dyn Fn(&ResponseInput) -> bool| {
        responses.iter().filter(|r| predicate(r)).count() as u64
    };
    assert_eq!(
        total(
            app.metrics(count(serde_json::json!({ "channels": ["app", "web"] })))
                .await
        ),
        expect(&|r| matches!(r.channel.map(|c| c.as_str()), Some("app" | "web")))
    );
    assert_eq!(
        total(
            app.metrics(count(serde_json::json!({ "touchpoints": ["结账"] })))
                .await
        ),
        expect(&|r| r.touchpoint.as_deref() == Some("结账"))
    );
    assert_eq!(
        total(
            app.metrics(count(
                serde_json::json!({ "dimensions": { "region": ["华北", "西南"] } })
            ))
            .await
        ),
        expect(&|r| ["华北", "西南"].contains(&r.dimensions["region"].as_str()))
    );
    assert_eq!(
        total(
            app.metrics(count(
                serde_json::json!({ "customer": { "tier": ["gold"] } })
            ))
            .await
        ),
        expect(&|r| r
            .customer
            .as_ref()
            .is_some_and(|c| c.attributes["tier"] == "gold"))
    );
    assert_eq!(
        total(
            app.metrics(count(
                serde_json::json!({ "since": "2025-01-01", "until": "2025-03-31" })
            ))
            .await
        ),
        expect(
            &|r| r.submitted_at.as_str() >= "2025-01-01" && r.submitted_at.as_str() < "2025-04-01"
        )
    );
}

#[tokio::test]
async fn choice_shares_count_respondents_of_the_question() {
    let app = test_app().await;
    let text = r#"{"survey": "feedback", "id": "1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9, "liked": ["staff", "speed"], "reason": "price"}}
{"survey": "feedback", "id": "2", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9, "liked": ["staff"], "reason": "price"}}
{"survey": "feedback", "id": "3", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9, "liked": "app", "reason": "delivery"}}
{"survey": "feedback", "id": "4", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 9}}"#;
    app.ingest_lines(text).await.unwrap();
    let result = app
        .metrics(serde_json::json!({ "metrics": ["share:liked", "share:reason"] }))
        .await;
    let shares: Vec<_> = result
        .rows
        .iter()
        .map(|r| {
            let Estimate::Share(share) = &r.estimate else {
                panic!("{:?}", r.estimate)
            };
            (r.metric.as_str(), share.option.as_str(), share.count, r.n)
        })
        .collect();
    assert_eq!(
        shares,
        vec![
            ("share:liked", "app", 1, 3),
            ("share:liked", "speed", 1, 3),
            ("share:liked", "staff", 2, 3),
            ("share:reason", "delivery", 1, 3),
            ("share:reason", "price", 2, 3),
        ]
    );
}

#[tokio::test]
async fn queries_that_cannot_be_answered_say_why() {
    let app = test_app().await;
    let parse = |input: serde_json::Value| {
        serde_json::from_value::<MetricQueryInput>(input)
            .unwrap()
            .parse(app.app.config())
    };
    fn invalid<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }
    assert_eq!(
        invalid(parse(
            serde_json::json!({ "metrics": ["npz"], "grain": "fortnight", "since": "2025-02-30" })
        )),
        ["metrics", "since", "grain"]
    );
    assert_eq!(
        invalid(parse(
            serde_json::json!({ "metrics": ["nps"], "compare": ["yoy"] })
        )),
        ["compare"]
    );
    assert_eq!(
        invalid(parse(
            serde_json::json!({ "metrics": ["nps"], "since": "2025-03-01", "until": "2025-02-01" })
        )),
        ["since"]
    );
    let unknown = parse(serde_json::json!({ "metrics": ["nps"], "surveys": ["nosuch"] })).unwrap();
    assert!(matches!(
        app.app.metrics(&unknown).await,
        Err(AppError::NotFound(_))
    ));
    let no_item = parse(serde_json::json!({ "metrics": ["mean:nosuch"] })).unwrap();
    assert_eq!(invalid(app.app.metrics(&no_item).await), ["metrics"]);
}

#[tokio::test]
async fn metrics_break_down_and_filter_by_the_answer_to_a_choice_question() {
    let app = test_app().await;
    let text = r#"{"survey": "feedback", "id": "1", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 10, "reason": "price", "liked": ["staff", "speed"]}, "dimensions": {"region": "华东"}}
{"survey": "feedback", "id": "2", "submitted_at": "2025-03-01T09:00:00+08:00", "answers": {"nps": 0, "reason": "price", "liked": ["staff"]}, "dimensions": {"region": "华北"}}
{"survey": "feedback", "id": "3", "submitted_at": "2025-03-02T09:00:00+08:00", "answers": {"nps": 9, "reason": "delivery", "liked": "app"}, "dimensions": {"region": "华东"}}
{"survey": "feedback", "id": "4", "submitted_at": "2025-03-02T09:00:00+08:00", "answers": {"nps": 7}, "dimensions": {"region": "华东"}}"#;
    app.ingest_lines(text).await.unwrap();
    let by = |result: &cxm_app::MetricsResult, name: &str| -> Vec<(Option<String>, u64, f64)> {
        result
            .rows
            .iter()
            .map(|r| (r.groups[name].clone(), r.n, r.value.unwrap_or(f64::NAN)))
            .collect()
    };
    let some = |text: &str| Some(text.to_owned());

    // A single choice: one group per option, and the response that skipped it in none's.
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "group_by": ["answer:reason"] }))
        .await;
    assert_eq!(result.group_by, ["answer:reason"]);
    assert_eq!(
        by(&result, "answer:reason"),
        [
            (None, 1, 0.0),
            (some("delivery"), 1, 100.0),
            (some("price"), 2, 0.0)
        ]
    );
    // A multiple choice: a response counts in the group of every option it chose.
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "group_by": ["answer:liked"] }))
        .await;
    assert_eq!(
        by(&result, "answer:liked"),
        [
            (None, 1, 0.0),
            (some("app"), 1, 100.0),
            (some("speed"), 1, 100.0),
            (some("staff"), 2, 0.0),
        ]
    );
    // Responses counted, and a breakdown by answer beside one by a dimension, filtered.
    let result = app
        .metrics(serde_json::json!({
            "metrics": ["count"],
            "group_by": ["region", "answer:reason"],
            "dimensions": { "region": ["华东"] },
        }))
        .await;
    let counts: Vec<(Option<String>, Option<String>, u64)> = result
        .rows
        .iter()
        .map(|r| {
            (
                r.groups["region"].clone(),
                r.groups["answer:reason"].clone(),
                r.n,
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (some("华东"), None, 1),
            (some("华东"), some("delivery"), 1),
            (some("华东"), some("price"), 1),
        ]
    );

    // Filters by answer: a response that chose any of the options named, once however many
    // of them it chose; options named by key or by label.
    let result = app
        .metrics(
            serde_json::json!({ "metrics": ["count"], "answers": { "liked": ["staff", "speed"] } }),
        )
        .await;
    assert_eq!(result.rows[0].n, 2, "responses 1 and 2, the first once");
    let result = app
        .metrics(serde_json::json!({
            "metrics": ["nps"],
            "answers": { "reason": ["price"] },
            "group_by": ["region"],
        }))
        .await;
    assert_eq!(
        by(&result, "region"),
        [(some("华东"), 1, 100.0), (some("华北"), 1, -100.0)]
    );
    let result = app
        .metrics(serde_json::json!({ "metrics": ["count"], "answers": { "reason": ["no such option"] } }))
        .await;
    assert!(result.rows.iter().all(|r| r.n == 0), "{:?}", result.rows);

    // Groups are the options' labels, so the same label in two surveys is one group.
    let visit = cxm_app::App::parse_survey_toml(
        r#"key = "visit"
status = "live"
[[questions]]
key = "nps"
kind = "nps"
[[questions]]
key = "reason"
kind = "single_choice"
options = [{ key = "cost", text = { en = "price" } }, { key = "wait", text = { zh = "排队太久", en = "Long queue" } }]
"#,
    )
    .unwrap();
    app.app.create_survey(&visit).await.unwrap();
    let text = r#"{"survey": "visit", "id": "v1", "submitted_at": "2025-03-03T09:00:00+08:00", "answers": {"nps": 10, "reason": "cost"}}
{"survey": "visit", "id": "v2", "submitted_at": "2025-03-03T09:00:00+08:00", "answers": {"nps": 3, "reason": "wait"}}"#;
    app.ingest_lines(text).await.unwrap();
    let result = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "group_by": ["answer:reason"] }))
        .await;
    let groups: Vec<(Option<String>, u64)> = result
        .rows
        .iter()
        .map(|r| (r.groups["answer:reason"].clone(), r.n))
        .collect();
    assert_eq!(
        groups,
        [
            (None, 1),
            (some("delivery"), 1),
            (some("price"), 3),
            (some("排队太久"), 1),
        ]
    );

    let labelled = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "answers": { "reason": ["排队太久"] } }))
        .await;
    assert_eq!(
        (labelled.rows[0].n, labelled.rows[0].value),
        (1, Some(-100.0))
    );
    let by_english = app
        .metrics(serde_json::json!({ "metrics": ["nps"], "answers": { "reason": ["Long queue"] } }))
        .await;
    assert_eq!(by_english.rows[0].n, 1);

    // Only choice questions break down; a dimension needs no answer: before its key.
    for (wrong, says) in [
        (
            "answer:nps",
            "nps is not a single or multiple choice question",
        ),
        ("answer:region", "a breakdown by its key alone: region"),
    ] {
        let query = serde_json::from_value::<MetricQueryInput>(
            serde_json::json!({ "metrics": ["nps"], "group_by": [wrong] }),
        )
        .unwrap()
        .parse(app.app.config())
        .unwrap();
        let Err(AppError::Invalid(problems)) = app.app.metrics(&query).await else {
            panic!("{wrong} is refused")
        };
        assert_eq!(problems[0].field, "group_by", "{wrong}");
        assert!(
            problems[0].message.contains(says),
            "{}",
            problems[0].message
        );
    }
    let query = serde_json::from_value::<MetricQueryInput>(
        serde_json::json!({ "metrics": ["nps"], "answers": { "nps": ["9"] } }),
    )
    .unwrap()
    .parse(app.app.config())
    .unwrap();
    let Err(AppError::Invalid(problems)) = app.app.metrics(&query).await else {
        panic!("only choice questions filter")
    };
    assert_eq!(problems[0].field, "answers.nps");
}
