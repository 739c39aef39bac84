//! Files over HTTP: a multipart import of a 问卷星 export, its export back, and the live
//! feeds: 问卷星 pushes checked by `sign`, Standard Webhooks checked by HMAC, both idempotent.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Digest;

use crate::TestServer;

const BOUNDARY: &str = "cxm-test-boundary";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../cxm-formats/tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn upload(uri: &str, token: &str, name: &str, file: &[u8]) -> Request<Body> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)))
}

async fn nps(server: &TestServer, survey: &str) -> f64 {
    let reply = server
        .get(&format!("/api/v1/metrics?metrics=nps&survey={survey}"))
        .await;
    reply.expect(StatusCode::OK)["rows"][0]["value"]
        .as_f64()
        .unwrap()
}

#[tokio::test]
async fn an_export_uploaded_over_http_is_imported_and_exported_back() {
    let server = TestServer::start().await;
    let file = fixture("wjx_gbk.csv");
    let (status, _, body) = server
        .raw(upload(
            "/api/v1/imports?survey=wjx&dry_run=true",
            &server.admin,
            "wjx.csv",
            &file,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json(&body);
    assert_eq!(report["plan"]["format"], "wjx");
    assert_eq!(report["file"]["encoding"], "gb18030");
    assert_eq!(report["dry_run"], true);
    server
        .get("/api/v1/surveys/wjx")
        .await
        .expect(StatusCode::NOT_FOUND);

    let (status, _, _) = server
        .raw(upload(
            "/api/v1/imports?survey=wjx",
            &server.viewer,
            "wjx.csv",
            &file,
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers may not import");
    let (status, _, body) = server
        .raw(upload(
            "/api/v1/imports?survey=wjx",
            &server.admin,
            "wjx.csv",
            &file,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["imported"]["inserted"], 10);
    assert_eq!(nps(&server, "wjx").await, 20.0);

    // NPS by the answer to the multiple choice 3、您选择我们的原因？, grouped by the options'
    // Chinese labels; the response that skipped it (−3) is the group null.
    let by_reason = server
        .get("/api/v1/metrics?metrics=nps&survey=wjx&group_by=answer:q3")
        .await
        .expect(StatusCode::OK);
    let groups: std::collections::BTreeMap<String, (u64, f64)> = by_reason["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["groups"]["answer:q3"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned(),
                (row["n"].as_u64().unwrap(), row["value"].as_f64().unwrap()),
            )
        })
        .collect();
    let expected: std::collections::BTreeMap<String, (u64, f64)> = [
        ("-", (1, -100.0)),
        ("价格实惠", (5, 40.0)),
        ("服务好", (5, 80.0)),
        ("物流快", (4, 0.0)),
    ]
    .into_iter()
    .map(|(group, value)| (group.to_owned(), value))
    .collect();
    assert_eq!(groups, expected);

    let request = Request::builder()
        .uri("/api/v1/surveys/wjx/export?format=csv&lang=zh")
        .header("authorization", format!("Bearer {}", server.viewer))
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = server.raw(request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(
        text.contains("1、您向朋友推荐我们的可能性有多大？ [q1]")
            || text.contains("您向朋友推荐我们的可能性有多大？ [q1]"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 11);

    let (status, _, body) = server
        .raw(upload(
            "/api/v1/imports?survey=bad",
            &server.admin,
            "x.bin",
            &[0, 1, 2, 0],
        ))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(String::from_utf8_lossy(&body).contains("x.bin"));
}

#[tokio::test]
async fn an_undated_upload_takes_the_time_given_in_the_query() {
    let server = TestServer::start().await;
    let file = b"id,recommend,comment\n1,10,great\n2,3,slow\n3,9,\n";
    let (status, _, body) = server
        .raw(upload(
            "/api/v1/imports?survey=paper",
            &server.admin,
            "paper.csv",
            file,
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        String::from_utf8_lossy(&body).contains("submitted_at"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _, body) = server
        .raw(upload(
            "/api/v1/imports?survey=paper&submitted_at=yesterday",
            &server.admin,
            "paper.csv",
            file,
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("yesterday"));
    let (status, _, body) = server
        .raw(upload(
            "/api/v1/imports?survey=paper&submitted_at=2024-06-30",
            &server.admin,
            "paper.csv",
            file,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json(&body);
    assert_eq!(report["imported"]["inserted"], 3);
    assert!(
        report["plan"]["default_submitted_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2024-06-30")),
        "{report}"
    );
    let reply = server
        .get("/api/v1/metrics?metrics=nps&survey=paper&since=2024-06-30&until=2024-06-30")
        .await;
    let row = &reply.expect(StatusCode::OK)["rows"][0];
    assert_eq!(row["n"].as_u64(), Some(3), "{row}");
    // Promoters 10 and 9, detractor 3: (2 − 1) / 3.
    let value = row["value"].as_f64().unwrap();
    assert!((value - 100.0 / 3.0).abs() < 1e-9, "{row}");
}

fn post_json(uri: &str, body: &[u8], headers: &[(&str, String)]) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.body(Body::from(body.to_vec())).unwrap()
}

#[tokio::test]
async fn wjx_pushes_are_checked_by_their_sign_and_land_once() {
    let server =
        TestServer::start_with(|config| config.feeds.wjx_key = Some("推送密钥-k".into())).await;
    let (status, _, _) = server
        .raw(upload(
            "/api/v1/imports?survey=wjx",
            &server.admin,
            "wjx.csv",
            &fixture("wjx_gbk.csv"),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let sign = |activity: &str, index: &str| -> String {
        sha1::Sha1::digest(format!("{activity}{index}推送密钥-k").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let push = |score: &str, sign: String| {
        serde_json::to_vec(&serde_json::json!({
            "activity": "5657754", "name": "问卷", "timetaken": "528", "submittime": "2026-09-20 10:01:59",
            "q1": score, "q2": "5", "q3": "1,2", "q4": "很好", "joinid": "101812480275", "totalvalue": "15",
            "sojumpparm": "store-17", "sign": sign,
        }))
        .unwrap()
    };
    let uri = "/api/v1/feeds/wjx/wjx";
    let (status, _, body) = server
        .raw(post_json(
            uri,
            &push("10", sign("5657754", "101812480275")),
            &[],
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["inserted"], 1);
    // 11 responses: six promoters, three detractors.
    assert!((nps(&server, "wjx").await - 100.0 * 3.0 / 11.0).abs() < 1e-9);
    // The same answer sheet pushed again (问卷星 retries) replaces, never duplicates.
    let (status, _, body) = server
        .raw(post_json(
            uri,
            &push("0", sign("5657754", "101812480275")),
            &[],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["updated"], 1);
    assert!((nps(&server, "wjx").await - 100.0 * 1.0 / 11.0).abs() < 1e-9);
    // A wrong sign is refused and changes nothing.
    let (status, _, body) = server
        .raw(post_json(uri, &push("10", sign("5657754", "1")), &[]))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!((nps(&server, "wjx").await - 100.0 * 1.0 / 11.0).abs() < 1e-9);
}

#[tokio::test]
async fn signed_webhooks_are_verified_before_anything_is_stored() {
    let key = b"a webhook secret of 32 bytes ok!";
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let server =
        TestServer::start_with(|config| config.feeds.webhook_secret = Some(secret.clone())).await;
    let survey = serde_json::json!({"key": "pos", "name": {"en": "POS"}, "questions": [{"key": "nps", "kind": "nps"}]});
    server
        .post("/api/v1/surveys", &survey)
        .await
        .expect(StatusCode::CREATED);
    let body = serde_json::to_vec(&serde_json::json!({"responses": [
        {"survey": "pos", "id": "t-1", "source": "pos", "submitted_at": "2026-09-01T10:00:00+08:00", "answers": {"nps": 9}},
        {"survey": "pos", "id": "t-2", "source": "pos", "submitted_at": "2026-09-01T11:00:00+08:00", "answers": {"nps": 3}}
    ]}))
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    let signed = |timestamp: i64, body: &[u8]| -> Vec<(&'static str, String)> {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("msg_1.{timestamp}.").as_bytes());
        mac.update(body);
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        vec![
            ("webhook-id", "msg_1".to_owned()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", format!("v1,bm90IGl0 v1,{signature}")),
        ]
    };
    let uri = "/api/v1/feeds/webhook";
    for (headers, case) in [
        (Vec::new(), "unsigned"),
        (signed(now - 3600, &body), "an hour old"),
        (
            signed(now, b"{\"responses\": []}"),
            "signed for another body",
        ),
    ] {
        let (status, _, reply) = server.raw(post_json(uri, &body, &headers)).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{case}: {}",
            String::from_utf8_lossy(&reply)
        );
    }
    let (status, _, reply) = server.raw(post_json(uri, &body, &signed(now, &body))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(json(&reply)["inserted"], 2);
    let (_, _, reply) = server.raw(post_json(uri, &body, &signed(now, &body))).await;
    assert_eq!(json(&reply)["updated"], 2, "a redelivered webhook updates");
    assert_eq!(nps(&server, "pos").await, 0.0);
}

#[tokio::test]
async fn a_complaints_file_uploaded_over_http_is_stored_once() {
    let server = TestServer::start().await;
    let history = "工单号\t投诉时间\t投诉内容\t处理状态\t地区\n\
                   T-1\t2026-03-02 09:15\t快递三天都没到\t已结案\t华东\n\
                   T-2\t2026-03-05\t客服态度差\t处理中\t华北\n";
    let uri = "/api/v1/cases/import";
    let (status, _, body) = server
        .raw(upload(uri, &server.admin, "投诉.tsv", history.as_bytes()))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report = json(&body);
    assert_eq!(
        (
            report["stored"].as_u64(),
            report["open"].as_u64(),
            report["closed"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{report}"
    );
    let uid = report["uids"][0].as_str().unwrap().to_owned();
    let case = server
        .get(&format!("/api/v1/cases/{uid}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(case["status"], "closed", "{case}");
    let (_, _, body) = server
        .raw(upload(uri, &server.admin, "投诉.tsv", history.as_bytes()))
        .await;
    let again = json(&body);
    assert_eq!(
        (again["stored"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(2))
    );

    // A bad row: nothing stored, the row and column named.
    let bad = "投诉内容,投诉时间\n退款没到,下周\n";
    let (status, _, body) = server
        .raw(upload(
            "/api/v1/cases/import?summary=%E6%8A%95%E8%AF%89%E5%86%85%E5%AE%B9",
            &server.admin,
            "bad.csv",
            bad.as_bytes(),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("投诉时间") && text.contains("\"row\":2"),
        "{text}"
    );
}

#[tokio::test]
async fn monthly_volumes_are_uploaded_as_a_file_by_admins() {
    let server = TestServer::start().await;
    let volumes = "月份\t订单数\t客户数\n2026年3月\t12,000\t3,400\n2026-04\t13000\t\n";
    let uri = "/api/v1/volumes/import";
    let (status, _, _) = server
        .raw(upload(uri, &server.viewer, "订单.tsv", volumes.as_bytes()))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "volumes are recorded by admins"
    );
    let (status, _, body) = server
        .raw(upload(uri, &server.admin, "订单.tsv", volumes.as_bytes()))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["recorded"], 3);
    let (status, _, body) = server
        .raw(upload(
            uri,
            &server.admin,
            "订单.csv",
            "月份,订单数\n2026-13,5\n".as_bytes(),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("月份") && text.contains("\"row\":2"),
        "{text}"
    );
}
