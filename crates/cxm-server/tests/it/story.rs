//! The story of a first week with cxm, told through the API on whichever database the suite
//! runs on: a survey is created, two years of responses arrive in batches, the monthly NPS by
//! region shows one region declining against last year, re-sent data changes nothing, and every
//! response can be paged through.

use std::collections::BTreeSet;

use axum::http::StatusCode;

use crate::{TestServer, store_survey, visit};

/// Two years of monthly responses in two regions; the north falls from mostly promoters to
/// mostly detractors in the second year.
fn two_years() -> Vec<serde_json::Value> {
    let mut responses = Vec::new();
    for month in 0..24 {
        let (year, month_of_year) = (2024 + month / 12, 1 + month % 12);
        for i in 0..40 {
            let day = 1 + i % 28;
            let at = format!(
                "{year}-{month_of_year:02}-{day:02}T{:02}:15:00+08:00",
                8 + i % 12
            );
            let north = if year == 2024 {
                [10, 9, 9, 8, 6][i % 5]
            } else {
                [3, 6, 9, 5, 7][i % 5]
            };
            let south = [10, 9, 7, 8, 4][i % 5];
            responses.push(visit(
                &format!("n-{month}-{i}"),
                &at,
                "north",
                north,
                1 + (i % 5) as i64,
            ));
            responses.push(visit(
                &format!("s-{month}-{i}"),
                &at,
                "south",
                south,
                5 - (i % 3) as i64,
            ));
        }
    }
    responses
}

#[tokio::test]
async fn a_survey_its_responses_and_their_metrics_through_the_api() {
    let server = TestServer::start().await;
    let created = server
        .post("/api/v1/surveys", &store_survey())
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(created["survey"]["key"], "store-visit");

    let responses = two_years();
    for batch in responses.chunks(500) {
        let report = server
            .post(
                "/api/v1/responses",
                &serde_json::json!({ "responses": batch }),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(report["inserted"], batch.len());
    }

    let query = "/api/v1/metrics?metrics=nps,csat&group_by=region&grain=month&compare=yoy&since=2025-01-01&until=2025-12-31";
    let metrics = server.get(query).await.expect(StatusCode::OK);
    let rows = metrics["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        2 * 2 * 12,
        "two metrics × two regions × twelve months"
    );
    assert_eq!(metrics["time_zone"], "Asia/Shanghai");
    for row in rows {
        assert_eq!(row["n"], 40, "{row:#}");
        let (value, lower, upper) = (
            row["value"].as_f64().unwrap(),
            row["ci_lower"].as_f64().unwrap(),
            row["ci_upper"].as_f64().unwrap(),
        );
        assert!(lower < value && value < upper, "{row:#}");
        let yoy = &row["comparisons"][0];
        assert_eq!(yoy["against"], "yoy");
        assert_eq!(yoy["n"], 40);
        let delta = yoy["delta"].as_f64().unwrap();
        if row["metric"] == "nps" && row["groups"]["region"] == "north" {
            check_north(row, delta);
        }
        if row["groups"]["region"] == "south" {
            assert_eq!(delta, 0.0, "the south did not change: {row:#}");
            assert_eq!(yoy["significant"], false);
        }
    }

    // Re-sending a batch changes nothing.
    let again = server
        .post(
            "/api/v1/responses",
            &serde_json::json!({ "responses": &responses[..500] }),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        (again["inserted"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(500))
    );
    assert_eq!(server.get(query).await.expect(StatusCode::OK), metrics);

    // Every response once, newest first, in pages.
    let mut seen = BTreeSet::new();
    let mut last_time = String::from("9999");
    let mut uri = "/api/v1/responses?survey=store-visit&limit=700".to_owned();
    let mut pages = 0;
    loop {
        let page = server.get(&uri).await.expect(StatusCode::OK);
        pages += 1;
        for response in page["responses"].as_array().unwrap() {
            let time = response["submitted_at"].as_str().unwrap().to_owned();
            assert!(
                time <= last_time,
                "not newest first: {time} after {last_time}"
            );
            last_time = time;
            assert!(
                seen.insert(response["source_id"].as_str().unwrap().to_owned()),
                "{response:#}"
            );
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                uri = format!("/api/v1/responses?survey=store-visit&limit=700&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (responses.len(), 3));

    let surveys = server.get("/api/v1/surveys").await.expect(StatusCode::OK);
    assert_eq!(surveys[0]["responses"], responses.len());

    if let Some(report) = std::env::var_os("CXM_TEST_REPORT") {
        use std::io::Write;
        let backend = if server.on_postgres {
            "postgres"
        } else {
            "sqlite"
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(report)
            .unwrap();
        writeln!(file, "story passed on {backend}").unwrap();
    }
}

/// The north's monthly NPS fell from 40 to −40: 80 points, significant after adjustment.
fn check_north(row: &serde_json::Value, delta: f64) {
    assert!(
        (row["value"].as_f64().unwrap() - -40.0).abs() < 1e-9,
        "{row:#}"
    );
    assert!((delta - -80.0).abs() < 1e-9, "{row:#}");
    assert_eq!(row["comparisons"][0]["significant"], true, "{row:#}");
}
