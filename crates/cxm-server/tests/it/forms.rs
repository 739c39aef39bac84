//! Public forms over HTTP without a browser: a post needs its CSRF pair, a filled honeypot is
//! thanked and dropped, an invitation token answers once, and an IP is limited per survey.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::TestServer;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn form_post(uri: &str, body: &str, csrf_cookie: bool) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded");
    if csrf_cookie {
        request = request.header("cookie", format!("cxm_csrf={TOKEN}"));
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

async fn count(server: &TestServer) -> usize {
    let reply = server
        .get("/api/v1/responses?survey=kiosk&limit=1000")
        .await;
    reply.expect(StatusCode::OK)["responses"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn form_posts_need_their_token_and_bots_and_repeats_are_kept_out() {
    let server = TestServer::start().await;
    let survey = serde_json::json!({
        "key": "kiosk", "status": "live", "name": {"zh": "门店自助机", "en": "Kiosk"},
        "questions": [{"key": "nps", "kind": "nps", "required": true}]
    });
    server
        .post("/api/v1/surveys", &survey)
        .await
        .expect(StatusCode::CREATED);
    let ok = format!("csrf={TOKEN}&nps=9");

    let (status, _, _) = server.raw(form_post("/s/kiosk", "nps=9", true)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token in the form");
    let (status, _, _) = server.raw(form_post("/s/kiosk", &ok, false)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token cookie");
    assert_eq!(count(&server).await, 0);

    let (status, _, _) = server.raw(form_post("/s/kiosk", &ok, true)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&server).await, 1);

    let (status, _, _) = server
        .raw(form_post(
            "/s/kiosk",
            &format!("{ok}&website=http://spam"),
            true,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "a bot is thanked");
    assert_eq!(count(&server).await, 1, "and nothing is kept");

    let (status, _, body) = server
        .raw(form_post("/s/kiosk", &format!("csrf={TOKEN}"), true))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the required NPS is missing"
    );
    assert!(String::from_utf8_lossy(&body).contains("role=\"alert\""));

    let (status, _, _) = server
        .raw(form_post("/s/kiosk?t=invite-77", &ok, true))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = server
        .raw(form_post("/s/kiosk?t=invite-77", &ok, true))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "an invitation answers once");
    assert_eq!(count(&server).await, 2);

    // Four posts counted so far from this address (refused tokens and bots are not); the
    // limit is twenty per survey per ten minutes.
    let mut statuses = Vec::new();
    for _ in 0..18 {
        let (status, _, _) = server.raw(form_post("/s/kiosk", &ok, true)).await;
        statuses.push(status);
    }
    assert!(
        statuses[..16].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[16..],
        [StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS]
    );
    assert_eq!(count(&server).await, 18);

    let (status, _, _) = server
        .raw(
            Request::builder()
                .uri("/s/nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
