//! The case pages in a real browser: a department member works a case from the inbox to
//! closed (a resolution without a root cause is refused on the page), and an admin edits a
//! routing rule in place. Skipped, and said so, without chromedriver (see `browser.rs`).

use std::time::Duration;

use cxm_app::Role;
use fantoccini::{Client, Locator};

use crate::browser::{PASSWORD, browser, report, run_script, sign_in, site, text_of, type_into};

/// Saves a screenshot of the page under `CXM_SCREENSHOTS` (a folder), when that is set; the
/// README's pictures are made this way.
async fn screenshot(c: &Client, name: &str) {
    if let Ok(folder) = std::env::var("CXM_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&folder).join(name), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_works_a_case_and_an_admin_edits_a_rule_in_the_browser() {
    let Some(browser) = browser(1280, 900).await else {
        return;
    };
    let site = site().await;
    let app = &site.app;
    let ana = app
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "ana")
        .unwrap();
    app.add_user("root", PASSWORD, Role::Admin, "en")
        .await
        .unwrap();
    let service = app
        .create_department("service", "客服中心", None, &[ana.id])
        .await
        .unwrap();
    let rule_id = app
        .create_rule(cxm_app::RoutingRule {
            id: 0,
            position: 10,
            name: "all to service".into(),
            conditions: Default::default(),
            department_id: Some(service.id),
            assignee_user_id: None,
            assignment: "round_robin".into(),
            priority: None,
        })
        .await
        .unwrap();
    for (summary, touchpoint, priority) in [
        ("门店排队结账等了二十分钟", "结账", "normal"),
        ("电饭煲用了一周就坏了，要求换货", "售后", "high"),
        (
            "Staff at the store were rude when I asked for a refund",
            "进店体验",
            "urgent",
        ),
    ] {
        app.open_complaint(
            serde_json::from_value(serde_json::json!({
                "summary": summary, "channel": "app", "touchpoint": touchpoint, "priority": priority
            }))
            .unwrap(),
            "api",
        )
        .await
        .unwrap();
    }
    let case = app
        .open_complaint(
            serde_json::from_value(serde_json::json!({
                "summary": "快递三天都没到 <img src=x onerror=window.pwned=1>", "channel": "phone", "touchpoint": "配送"
            }))
            .unwrap(),
            "api",
        )
        .await
        .unwrap();
    assert_eq!(case.assignee_user_id, Some(ana.id));

    let c = &browser.client;
    c.goto(&format!("{}/login?next=/cases", site.base))
        .await
        .unwrap();
    sign_in(c).await;
    let link = c
        .wait()
        .for_element(Locator::Css(&format!("tr[data-uid=\"{}\"] a", case.uid)))
        .await
        .unwrap();
    screenshot(c, "cases.png").await;
    link.click().await.unwrap();
    c.wait()
        .for_element(Locator::Id("case-actions"))
        .await
        .unwrap();
    let pwned = c
        .execute("return window.pwned === 1;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, serde_json::json!(false), "the summary is text");
    let click = |id: &'static str| async move {
        click_and_reload(c, Locator::Id(id), "timeline").await;
    };
    click("start").await;
    type_into(c, Locator::Id("contact-method"), "phone").await;
    click("contact").await;
    // Resolving needs a root cause: the page says so and keeps the case open.
    type_into(c, Locator::Id("resolution"), "re-sent the parcel").await;
    click("resolve").await;
    let error = text_of(c, Locator::Id("case-error")).await;
    assert!(error.contains("root_cause"), "{error}");
    run_script(
        c,
        "document.getElementById('root-cause').value = 'delivery_delay';",
    )
    .await;
    type_into(c, Locator::Id("resolution"), "re-sent the parcel").await;
    click("resolve").await;
    click("close").await;
    let timeline = text_of(c, Locator::Id("timeline")).await;
    for kind in ["started", "customer contacted", "resolved", "closed"] {
        assert!(timeline.contains(kind), "{kind}: {timeline}");
    }
    screenshot(c, "case.png").await;
    let (stored, _) = app.case(&case.uid).await.unwrap();
    assert_eq!(stored.status, cxm_domain::CaseStatus::Closed);
    assert_eq!(stored.root_cause.as_deref(), Some("delivery_delay"));

    // An admin raises the rule's priority in place on the settings page.
    click_and_reload(c, Locator::Id("sign-out"), "sign-in").await;
    c.goto(&format!("{}/login?next=/cases/settings", site.base))
        .await
        .unwrap();
    let field = |id: &'static str| async move { c.find(Locator::Id(id)).await.unwrap() };
    field("name").await.send_keys("root").await.unwrap();
    field("password").await.send_keys(PASSWORD).await.unwrap();
    field("sign-in").await.click().await.unwrap();
    let rule = format!("div.rule[data-id=\"{rule_id}\"]");
    c.wait().for_element(Locator::Css(&rule)).await.unwrap();
    c.execute(
        &format!("document.querySelector('{rule} select[name=priority]').value = 'urgent';"),
        vec![],
    )
    .await
    .unwrap();
    click_and_reload(c, Locator::Css(&format!("{rule} button.save-rule")), "sla").await;
    screenshot(c, "case-settings.png").await;
    let rules = app.rules().await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].priority, Some(cxm_domain::Priority::Urgent));
    browser.client.clone().close().await.unwrap();
    report("browser tests ran: cases");
}

/// Clicks what posts a form, then waits until the page that answers it has replaced the
/// current one (the current page's `#marker` gone stale) and shows its own `#marker`.
async fn click_and_reload(c: &Client, what: Locator<'_>, marker: &str) {
    let old = c.find(Locator::Css("body")).await.unwrap();
    c.find(what).await.unwrap().click().await.unwrap();
    for _ in 0..400 {
        if old.text().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    c.wait().for_element(Locator::Id(marker)).await.unwrap();
}
