//! The API's contract at its edges: authentication, roles, error bodies that name the field or
//! row, atomic batches, and the OpenAPI document.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::{TestServer, store_survey, visit};

async fn server_with_survey() -> TestServer {
    let server = TestServer::start().await;
    server
        .post("/api/v1/surveys", &store_survey())
        .await
        .expect(StatusCode::CREATED);
    server
}

async fn stored_responses(server: &TestServer) -> usize {
    let page = server
        .get("/api/v1/responses?limit=1000")
        .await
        .expect(StatusCode::OK);
    page["responses"].as_array().unwrap().len()
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let server = TestServer::start().await;
    server
        .send(Method::GET, "/api/v1/surveys", None, None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    server
        .send(
            Method::GET,
            "/api/v1/surveys",
            Some("cxm_not-a-token"),
            None,
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    server
        .send(Method::GET, "/api/v1/health", None, None)
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn viewers_read_but_do_not_write() {
    let server = server_with_survey().await;
    server
        .send(
            Method::GET,
            "/api/v1/surveys/store-visit",
            Some(&server.viewer),
            None,
        )
        .await
        .expect(StatusCode::OK);
    let body =
        serde_json::to_vec(&visit("v1", "2025-03-01T10:00:00+08:00", "north", 9, 5)).unwrap();
    server
        .send(
            Method::POST,
            "/api/v1/responses",
            Some(&server.viewer),
            Some(body),
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(stored_responses(&server).await, 0);
}

#[tokio::test]
async fn a_single_response_object_is_accepted() {
    let server = server_with_survey().await;
    let report = server
        .post(
            "/api/v1/responses",
            &visit("one", "2025-03-01T10:00:00+08:00", "north", 9, 5),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(report["inserted"], 1);
    assert_eq!(stored_responses(&server).await, 1);
}

#[tokio::test]
async fn a_batch_with_bad_responses_is_refused_whole_with_every_row_named() {
    let server = server_with_survey().await;
    let mut bad_score = visit("b2", "2025-03-01T10:00:00+08:00", "north", 11, 5);
    bad_score["answers"]["nps"] = 11.into();
    let mut unknown_question = visit("b3", "2025-03-01T10:00:00+08:00", "north", 9, 5);
    unknown_question["answers"]["mood"] = "good".into();
    let mut bad_date = visit("b4", "2025-03-01T10:00:00+08:00", "north", 9, 5);
    bad_date["submitted_at"] = "01/03/2025".into();
    let batch = serde_json::json!({ "responses": [visit("b1", "2025-03-01T10:00:00+08:00", "north", 9, 5), bad_score, unknown_question, bad_date] });
    let json = server.post("/api/v1/responses", &batch).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        None,
    );
    let problems: Vec<(u64, &str)> = json["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["row"].as_u64().unwrap(), p["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        vec![(2, "answers.nps"), (3, "answers.mood"), (4, "submitted_at")]
    );
    assert_eq!(stored_responses(&server).await, 0);
}

#[tokio::test]
async fn responses_and_metrics_filter_by_the_option_chosen() {
    let server = server_with_survey().await;
    let mut staff = visit("a1", "2025-03-01T10:00:00+08:00", "north", 9, 5);
    staff["answers"]["reason"] = "staff".into();
    let mut price = visit("a2", "2025-03-01T11:00:00+08:00", "north", 3, 2);
    price["answers"]["reason"] = "price".into();
    let silent = visit("a3", "2025-03-01T12:00:00+08:00", "north", 7, 4);
    let batch = serde_json::json!({ "responses": [staff, price, silent] });
    server
        .post("/api/v1/responses", &batch)
        .await
        .expect(StatusCode::OK);
    let page = server
        .get("/api/v1/responses?answer.reason=price")
        .await
        .expect(StatusCode::OK);
    let ids: Vec<&str> = page["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["a2"], "{page}");
    let nps = server
        .get("/api/v1/metrics?metrics=nps&answer.reason=staff,price&group_by=answer:reason")
        .await
        .expect(StatusCode::OK);
    let groups: Vec<(&str, u64)> = nps["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["groups"]["answer:reason"].as_str().unwrap(),
                r["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(groups, [("price", 1), ("staff", 1)]);
    server
        .get("/api/v1/responses?answer.csat=5")
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("answers.csat"),
        );
}

#[tokio::test]
async fn a_response_for_an_unknown_survey_names_the_field() {
    let server = server_with_survey().await;
    let mut response = visit("x", "2025-03-01T10:00:00+08:00", "north", 9, 5);
    response["survey"] = "nosuch".into();
    server
        .post("/api/v1/responses", &response)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("survey"));
}

#[tokio::test]
async fn oversized_batches_are_refused_and_nothing_is_stored() {
    let server = server_with_survey().await;
    let batch: Vec<_> = (0..10_001)
        .map(|i| visit(&format!("o{i}"), "2025-03-01T10:00:00+08:00", "north", 9, 5))
        .collect();
    server
        .post(
            "/api/v1/responses",
            &serde_json::json!({ "responses": batch }),
        )
        .await
        .expect_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            Some("responses"),
        );
    assert_eq!(stored_responses(&server).await, 0);
}

#[tokio::test]
async fn malformed_bodies_get_a_json_error() {
    let server = server_with_survey().await;
    for (uri, body) in [
        ("/api/v1/responses", &b"{\"responses\": ["[..]),
        ("/api/v1/surveys", &b"not json"[..]),
        ("/api/v1/metrics", &b"[1, 2"[..]),
    ] {
        server
            .send(Method::POST, uri, Some(&server.admin), Some(body.to_vec()))
            .await
            .expect_error(StatusCode::BAD_REQUEST, "malformed", None);
    }
}

#[tokio::test]
async fn survey_definitions_are_checked_and_keys_are_unique() {
    let server = server_with_survey().await;
    server
        .post("/api/v1/surveys", &store_survey())
        .await
        .expect_error(StatusCode::CONFLICT, "conflict", None);
    let mut twice = store_survey();
    twice["key"] = "other".into();
    twice["questions"][1]["key"] = "nps".into();
    server.post("/api/v1/surveys", &twice).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("questions[1].key"),
    );
    let mut scale = store_survey();
    scale["key"] = "third".into();
    scale["questions"][1]["max"] = 0.into();
    server.post("/api/v1/surveys", &scale).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("questions[1].max"),
    );
    server.get("/api/v1/surveys/nosuch").await.expect_error(
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
}

#[tokio::test]
async fn an_edit_made_on_an_older_version_of_a_survey_is_refused_with_if_match() {
    let server = server_with_survey().await;
    let opened = server
        .get("/api/v1/surveys/store-visit")
        .await
        .expect(StatusCode::OK);
    let version = opened["updated_at"].as_str().unwrap().to_owned();
    let put = |status: &str, if_match: Option<String>| {
        let mut survey = store_survey();
        survey["status"] = status.into();
        let mut request = Request::builder()
            .method(Method::PUT)
            .uri("/api/v1/surveys/store-visit")
            .header("authorization", format!("Bearer {}", server.admin))
            .header("content-type", "application/json");
        if let Some(version) = if_match {
            request = request.header("if-match", version);
        }
        request
            .body(Body::from(serde_json::to_vec(&survey).unwrap()))
            .unwrap()
    };
    // A colleague saves first, on the version both opened.
    let (status, _, body) = server
        .raw(put("closed", Some(format!("\"{version}\""))))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    // The second save was made on that same version: refused, nothing changes.
    let (status, _, body) = server.raw(put("draft", Some(version.clone()))).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(String::from_utf8_lossy(&body).contains("someone else"));
    let now = server
        .get("/api/v1/surveys/store-visit")
        .await
        .expect(StatusCode::OK);
    assert_eq!(now["survey"]["status"], "closed");
    // Without If-Match the last save wins, as before; a version that is no time is refused.
    let (status, _, _) = server.raw(put("draft", None)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = server.raw(put("draft", Some("yesterday".into()))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn surveys_can_be_updated_and_deleted_until_they_have_responses() {
    let server = server_with_survey().await;
    let mut updated = store_survey();
    updated["status"] = "closed".into();
    let body = serde_json::to_vec(&updated).unwrap();
    let json = server
        .send(
            Method::PUT,
            "/api/v1/surveys/store-visit",
            Some(&server.admin),
            Some(body),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(json["survey"]["status"], "closed");
    server
        .post(
            "/api/v1/responses",
            &visit("d1", "2025-03-01T10:00:00+08:00", "north", 9, 5),
        )
        .await
        .expect(StatusCode::OK);
    server
        .send(
            Method::DELETE,
            "/api/v1/surveys/store-visit",
            Some(&server.admin),
            None,
        )
        .await
        .expect_error(StatusCode::CONFLICT, "conflict", None);
}

#[tokio::test]
async fn bad_metric_queries_name_their_field() {
    let server = server_with_survey().await;
    server
        .get("/api/v1/metrics?metrics=nps&grain=fortnight")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("grain"));
    server
        .get("/api/v1/metrics?metrics=nps&since=2025-13-01")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("since"));
    server
        .get("/api/v1/metrics?metrics=nps&confidence=high")
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("confidence"),
        );
    server
        .get("/api/v1/metrics?metrics=nps&surveys=nosuch")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found", None);
    let body = serde_json::json!({ "metrics": ["nps"], "group_by": ["bad key"] });
    server.post("/api/v1/metrics", &body).await.expect_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("group_by"),
    );
}

#[tokio::test]
async fn unknown_routes_answer_json() {
    let server = TestServer::start().await;
    server
        .get("/api/v1/nothing-here")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found", None);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let server = TestServer::start().await;
    let document = server
        .send(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/surveys",
        "/api/v1/surveys/{key}",
        "/api/v1/responses",
        "/api/v1/metrics",
        "/api/v1/health",
        "/api/v1/text/analyze",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is missing");
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    assert!(document["components"]["schemas"]["MetricsResult"].is_object());
}

#[tokio::test]
async fn comments_are_analysed_in_order_with_their_ids() {
    let server = TestServer::start().await;
    let body = serde_json::json!({"comments": [
        {"id": 7, "text": "物流很快，但是质量很差"},
        "Terrible service, still waiting for my refund.",
    ]});
    let reply = server
        .send(
            Method::POST,
            "/api/v1/text/analyze",
            Some(&server.viewer),
            Some(serde_json::to_vec(&body).unwrap()),
        )
        .await
        .expect(StatusCode::OK);
    let results = reply["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["id"], 7);
    assert_eq!(results[0]["mixed"], true);
    assert_eq!(results[0]["themes"][1]["theme"], "quality");
    assert_eq!(results[0]["themes"][1]["label"], "negative");
    assert!(results[1].get("id").is_none());
    assert_eq!(results[1]["label"], "negative");
    server
        .post("/api/v1/text/analyze", &serde_json::json!({"comments": []}))
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("comments"),
        );
    server
        .post("/api/v1/text/analyze", &serde_json::json!({"texts": ["a"]}))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "malformed", None);
    server
        .send(Method::POST, "/api/v1/text/analyze", None, None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
}

#[tokio::test]
async fn cases_are_opened_routed_worked_and_escalated_over_http() {
    let server = crate::TestServer::start().await;
    use axum::http::StatusCode;
    server
        .post(
            "/api/v1/departments",
            &serde_json::json!({"key": "app-team", "name": "App 团队"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let rule = serde_json::json!({"position": 1, "name": "login issues", "conditions": {"themes": ["account_login"]}, "department": "app-team", "priority": "high"});
    server
        .post("/api/v1/routing-rules", &rule)
        .await
        .expect(StatusCode::CREATED);
    let sla = serde_json::to_vec(
        &serde_json::json!({"first_response_minutes": 30, "resolution_minutes": 120}),
    )
    .unwrap();
    let reply = server
        .send(
            axum::http::Method::PUT,
            "/api/v1/sla/high",
            Some(&server.admin),
            Some(sla),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let complaint = serde_json::json!({"summary": "登录总是失败，收不到验证码", "channel": "phone", "customer": "c-1"});
    let case = server
        .post("/api/v1/cases", &complaint)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(case["priority"], "high");
    assert_eq!(case["status"], "new");
    assert!(case["department_id"].is_number(), "{case:#}");
    let uid = case["uid"].as_str().unwrap();
    let listed = server
        .get("/api/v1/cases?department=app-team&open=true")
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let start = serde_json::json!({"action": "start"});
    let worked = server
        .post(&format!("/api/v1/cases/{uid}/actions"), &start)
        .await
        .expect(StatusCode::OK);
    assert_eq!(worked["status"], "in_progress");
    assert_eq!(
        worked["timeline"].as_array().unwrap().len(),
        3,
        "{worked:#}"
    );
    let close = serde_json::json!({"action": "close"});
    server
        .post(&format!("/api/v1/cases/{uid}/actions"), &close)
        .await
        .expect_error(StatusCode::CONFLICT, "conflict", None);
    let bad = serde_json::json!({"action": "resolve", "root_cause": "unknown", "resolution": "x"});
    server
        .post(&format!("/api/v1/cases/{uid}/actions"), &bad)
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("root_cause"),
        );
    let viewer = server
        .send(
            axum::http::Method::POST,
            "/api/v1/cases",
            Some(&server.viewer),
            Some(serde_json::to_vec(&complaint).unwrap()),
        )
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let cards = server
        .get("/api/v1/cases/scorecard")
        .await
        .expect(StatusCode::OK);
    assert_eq!(cards[0]["opened"], 1, "{cards:#}");
    assert!(
        cards
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["department"] == "app-team")
    );
    // Nothing is overdue yet.
    let escalated = server
        .post("/api/v1/cases/escalations", &serde_json::json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(escalated.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn case_settings_volumes_and_contacts_are_kept_over_http() {
    use axum::http::{Method, StatusCode};
    let server = crate::TestServer::start().await;
    let put = |uri: &'static str, body: serde_json::Value| {
        let server = &server;
        async move {
            server
                .send(
                    Method::PUT,
                    uri,
                    Some(&server.admin),
                    Some(serde_json::to_vec(&body).unwrap()),
                )
                .await
        }
    };
    server
        .post(
            "/api/v1/departments",
            &serde_json::json!({"key": "logistics", "name": "物流部"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let departments = server
        .get("/api/v1/departments")
        .await
        .expect(StatusCode::OK);
    assert_eq!(departments[0]["key"], "logistics");
    let renamed = put(
        "/api/v1/departments/logistics",
        serde_json::json!({"name": "物流与配送", "members": [999]}),
    )
    .await;
    assert_eq!(
        renamed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        renamed.json
    );
    let renamed = put(
        "/api/v1/departments/logistics",
        serde_json::json!({"name": "物流与配送"}),
    )
    .await;
    assert_eq!(renamed.json["name"], "物流与配送", "{:?}", renamed.json);
    let missing = put(
        "/api/v1/departments/nowhere",
        serde_json::json!({"name": "x"}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let created = server
        .post(
            "/api/v1/routing-rules",
            &serde_json::json!({"position": 1, "name": "parcels", "conditions": {"themes": ["delivery"]}, "department": "logistics"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/routing-rules/{id}");
    let edit = serde_json::json!({"position": 5, "name": "parcels, urgent", "conditions": {"themes": ["delivery"], "max_score": 6}, "department": "logistics", "assignment": "least_loaded", "priority": "urgent"});
    let reply = server
        .send(
            Method::PUT,
            &path,
            Some(&server.admin),
            Some(serde_json::to_vec(&edit).unwrap()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.json);
    let rules = server
        .get("/api/v1/routing-rules")
        .await
        .expect(StatusCode::OK);
    assert_eq!(rules.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &rules[0]["name"],
            &rules[0]["priority"],
            &rules[0]["position"]
        ),
        (
            &serde_json::json!("parcels, urgent"),
            &serde_json::json!("urgent"),
            &serde_json::json!(5)
        )
    );
    let viewer_edit = server
        .send(
            Method::PUT,
            &path,
            Some(&server.viewer),
            Some(serde_json::to_vec(&edit).unwrap()),
        )
        .await;
    assert_eq!(viewer_edit.status, StatusCode::FORBIDDEN);
    let sla = server.get("/api/v1/sla").await.expect(StatusCode::OK);
    assert_eq!(sla.as_array().unwrap().len(), 4);
    assert_eq!(sla[0]["priority"], "urgent");

    // Volumes: a wrong entry refuses the lot.
    let reply = put(
        "/api/v1/volumes",
        serde_json::json!([{"month": "2026-11", "measure": "orders", "n": 5000}, {"month": "2026-13", "measure": "visits", "n": 1}]),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.json
    );
    let reply = put(
        "/api/v1/volumes",
        serde_json::json!([{"month": "2026-11", "measure": "orders", "n": 5000}, {"month": "2026-11", "measure": "orders", "n": 800, "touchpoint": "delivery"}]),
    )
    .await;
    assert_eq!(reply.json["recorded"], 2);

    // Contacts of an unknown user are refused.
    let reply = put(
        "/api/v1/users/nobody/contacts",
        serde_json::json!({"email": "a@example.com"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Complaints filtered by theme and priority; scorecards by theme carry the complaint rate.
    server
        .post(
            "/api/v1/cases",
            &serde_json::json!({"summary": "快递三天都没到", "touchpoint": "delivery"}),
        )
        .await
        .expect(StatusCode::CREATED);
    let delivery = server
        .get("/api/v1/cases?theme=delivery&complaints=true&priority=normal")
        .await
        .expect(StatusCode::OK);
    assert_eq!(delivery.as_array().unwrap().len(), 1, "{delivery:#}");
    let none = server
        .get("/api/v1/cases?theme=quality")
        .await
        .expect(StatusCode::OK);
    assert!(none.as_array().unwrap().is_empty());
    server
        .get("/api/v1/cases?status=waiting")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", None);
    // The default period ends today in the configured zone.
    let cards = server
        .get("/api/v1/cases/scorecard?by=touchpoint")
        .await
        .expect(StatusCode::OK);
    let delivery_card = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"] == "delivery")
        .expect("a delivery card");
    assert_eq!(delivery_card["complaints"], 1);
    server
        .get("/api/v1/cases/scorecard?by=region")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some("by"));
}

#[tokio::test]
async fn case_metrics_come_from_the_metrics_endpoint_by_group_and_period() {
    use axum::http::{Method, StatusCode};
    let server = crate::TestServer::start().await;
    for (summary, touchpoint) in [
        ("快递三天都没到", "delivery"),
        ("包裹破损了", "delivery"),
        ("门店排队太久", "store"),
    ] {
        server
            .post(
                "/api/v1/cases",
                &serde_json::json!({"summary": summary, "touchpoint": touchpoint}),
            )
            .await
            .expect(StatusCode::CREATED);
    }
    let month = cxm_domain::TimeZone::parse("Asia/Shanghai")
        .unwrap()
        .today()
        .format("%Y-%m")
        .to_string();
    let volumes = serde_json::json!([{"month": month, "measure": "orders", "n": 1000}, {"month": month, "measure": "orders", "n": 400, "touchpoint": "delivery"}]);
    let reply = server
        .send(
            Method::PUT,
            "/api/v1/volumes",
            Some(&server.admin),
            Some(serde_json::to_vec(&volumes).unwrap()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json);
    let result = server
        .get("/api/v1/metrics?metrics=complaints,complaint_rate,sla_compliance&group_by=touchpoint&grain=month")
        .await
        .expect(StatusCode::OK);
    let rows = result["rows"].as_array().unwrap();
    let find = |metric: &str, group: &str| {
        rows.iter()
            .rev()
            .find(|r| r["metric"] == metric && r["groups"]["touchpoint"] == group)
            .unwrap_or_else(|| panic!("{metric} {group}: {result:#}"))
    };
    assert_eq!(find("complaints", "delivery")["value"], 2.0);
    let rate = find("complaint_rate", "delivery");
    assert_eq!(rate["value"], 5.0, "2 per 400 orders = 5 per 1,000");
    assert_eq!(rate["n"], 400);
    assert!(rate["ci_lower"].as_f64().unwrap() < 5.0);
    assert_eq!(rate["estimate"]["kind"], "case_loop");
    assert_eq!(rate["period"], month);
    // Nothing resolved yet: no SLA compliance, and a base of 0.
    assert!(find("sla_compliance", "store")["value"].is_null());
    assert_eq!(result["group_by"], serde_json::json!(["touchpoint"]));
    server
        .get("/api/v1/metrics?metrics=complaint_rate&group_by=region")
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("group_by"),
        );
    server
        .get("/api/v1/metrics?metrics=complaint_rate,nps")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", None);
}
