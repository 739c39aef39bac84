//! The case loop through its pages, on whichever database the suite runs on: an admin writes
//! and edits a routing rule and the SLAs on the settings page, a detractor opens a case that the
//! rule routes, the SLA breach escalates it, the assignee works it from the case page (a
//! resolution without a root cause is refused), the customer answers the follow-up survey, and
//! the department manager's scorecard shows all of it; people of other departments never see
//! the case. The survey builder, on the same pages, refuses a save made on a version a
//! colleague has changed since.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cxm_app::{App, Role};

use crate::pages::{FORM_TOKEN, Pages, pairs};

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
