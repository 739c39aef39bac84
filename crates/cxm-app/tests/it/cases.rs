//! Cases: detractors open cases at the configured threshold, routing rules send them to the
//! right department and the least-loaded member, SLA breaches escalate once, the life cycle
//! needs a root cause to resolve, and complaints open cases too.

use cxm_app::{App, AppError, CaseAction, CasesConfig, ComplaintInput, Config, Role, RoutingRule};
use cxm_domain::{CaseStatus, Priority, RoutingConditions, TimeZone};
use cxm_store::ScratchDatabase;

use crate::{postgres_url, response, rule};

pub(crate) async fn app_with_cases() -> (App, ScratchDatabase) {
    app_opening_cases(CasesConfig {
        open_nps_at_most: Some(6),
        recovery_survey: Some("follow-up".into()),
        ..CasesConfig::default()
    })
    .await
}

/// An app with the `feedback` and `follow-up` surveys that opens cases as `cases` says.
async fn app_opening_cases(cases: CasesConfig) -> (App, ScratchDatabase) {
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let config = Config {
        time_zone: Some(TimeZone::parse("Asia/Shanghai").unwrap()),
        cases,
        ..Config::with_database(database.url())
    };
    let app = App::open(config).await.unwrap();
    let survey = App::parse_survey_toml(include_str!("fixtures/feedback.toml")).unwrap();
    app.create_survey(&survey).await.unwrap();
    let follow_up = App::parse_survey_toml(
        "key = \"follow-up\"\nstatus = \"live\"\n[[questions]]\nkey = \"nps\"\nkind = \"nps\"\n",
    )
    .unwrap();
    app.create_survey(&follow_up).await.unwrap();
    (app, database)
}

#[tokio::test]
async fn a_detractor_is_routed_escalated_and_resolved_with_a_root_cause() {
    let (app, _database) = app_with_cases().await;
    let wang = app
        .add_user("wang", "password of wang", Role::Analyst, "zh")
        .await
        .unwrap();
    let li = app
        .add_user("li", "password of li", Role::Analyst, "zh")
        .await
        .unwrap();
    let boss = app
        .add_user("zhao", "password of zhao", Role::Analyst, "zh")
        .await
        .unwrap();
    let logistics = app
        .create_department("logistics", "物流部", Some(boss.id), &[wang.id, li.id])
        .await
        .unwrap();
    let delivery = RoutingConditions {
        themes: vec!["delivery".into()],
        max_score: Some(6),
        ..RoutingConditions::default()
    };
    app.create_rule(rule(
        1,
        "delivery to logistics",
        delivery,
        logistics.id,
        "least_loaded",
    ))
    .await
    .unwrap();
    app.set_sla(Priority::Normal, 60, 240).await.unwrap();

    let detractor = response(
        "d1",
        "2026-11-02T10:00:00+08:00",
        serde_json::json!({"nps": 3, "comment": "物流太慢了，等了五天才到"}),
    );
    let promoter = response(
        "p1",
        "2026-11-02T11:00:00+08:00",
        serde_json::json!({"nps": 10, "comment": "物流很快"}),
    );
    app.ingest(&[detractor.clone(), promoter], &[1, 2])
        .await
        .unwrap();
    // Sending the detractor again opens no second case.
    app.ingest(&[detractor], &[1]).await.unwrap();
    let cases = app.cases(&cxm_app::CaseFilter::default()).await.unwrap();
    assert_eq!(cases.len(), 1, "{cases:#?}");
    let case = &cases[0];
    assert_eq!(case.department_id, Some(logistics.id));
    assert_eq!(case.status, CaseStatus::Assigned);
    assert!(
        case.themes.contains(&"delivery".to_owned()),
        "{:?}",
        case.themes
    );
    let first_assignee = case.assignee_user_id.unwrap();
    assert!(first_assignee == wang.id || first_assignee == li.id);

    // The next delivery detractor goes to the other, less loaded member.
    let second = response(
        "d2",
        "2026-11-02T12:00:00+08:00",
        serde_json::json!({"nps": 1, "comment": "快递丢件了"}),
    );
    app.ingest(&[second], &[1]).await.unwrap();
    let cases = app
        .cases(&cxm_app::CaseFilter {
            departments: vec![logistics.id],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(cases.len(), 2);
    let assignees: std::collections::BTreeSet<i64> =
        cases.iter().filter_map(|c| c.assignee_user_id).collect();
    assert_eq!(assignees.len(), 2, "least loaded spreads the cases");

    // Two hours on, the first-response SLA (60 minutes) is breached: both escalate, once.
    let later = chrono::Utc::now().timestamp_micros() + 2 * 3_600_000_000;
    let escalated = app.escalate_overdue(later).await.unwrap();
    assert_eq!(escalated.len(), 2);
    assert!(escalated.iter().all(|c| c.priority == Priority::High));
    assert!(
        app.escalate_overdue(later).await.unwrap().is_empty(),
        "escalation happens once"
    );
    let (case, timeline) = app.case(&case.uid).await.unwrap();
    let escalation = timeline
        .iter()
        .find(|e| e.kind == "escalated")
        .expect("escalated event");
    assert!(
        escalation
            .detail
            .contains(&format!("\"notify_manager_user_id\":{}", boss.id)),
        "{}",
        escalation.detail
    );

    app.act_on_case(&case.uid, "wang", CaseAction::Start)
        .await
        .unwrap();
    let refused = app
        .act_on_case(
            &case.uid,
            "wang",
            CaseAction::Resolve {
                root_cause: "bad luck".into(),
                resolution: "sorry".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Invalid(p) if p[0].field == "root_cause"),
        "{refused:?}"
    );
    let refused = app
        .act_on_case(&case.uid, "wang", CaseAction::Close)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::Conflict(_)),
        "an open case is resolved before it is closed"
    );
    app.act_on_case(
        &case.uid,
        "wang",
        CaseAction::Contact {
            method: "phone".into(),
        },
    )
    .await
    .unwrap();
    let resolved = app
        .act_on_case(
            &case.uid,
            "wang",
            CaseAction::Resolve {
                root_cause: "delivery_delay".into(),
                resolution: "refunded shipping".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(resolved.status, CaseStatus::Resolved);
    assert_eq!(resolved.contacted, Some(true));
    let closed = app
        .act_on_case(&case.uid, "wang", CaseAction::Close)
        .await
        .unwrap();
    // The customer answers the follow-up link of the closed case: recovered (NPS 9).
    let link = cxm_app::follow_up_path(Some("follow-up"), &closed).expect("a follow-up link");
    let token = link.split("t=").nth(1).unwrap();
    app.submit_form(
        "follow-up",
        &vec![("nps".to_owned(), "9".to_owned())],
        Some(token),
        "zh",
    )
    .await
    .unwrap();
    let today = app.config().zone().today();
    let cards = app
        .scorecards(today - chrono::Duration::days(1), today)
        .await
        .unwrap();
    let everyone = &cards[0];
    assert_eq!(
        (
            everyone.department.as_deref(),
            everyone.opened,
            everyone.open
        ),
        (None, 2, 1)
    );
    let logistics_card = cards
        .iter()
        .find(|c| c.department.as_deref() == Some("logistics"))
        .unwrap();
    assert_eq!(logistics_card.opened, 2);
    let recovery = logistics_card.recovery_rate.expect("recovery rate");
    assert_eq!((recovery.count, recovery.n, recovery.pct), (1, 1, 100.0));
    let sla = logistics_card.sla_compliance.expect("SLA compliance");
    assert_eq!(
        (sla.count, sla.n),
        (1, 1),
        "resolved within its resolution time"
    );
    assert_eq!(logistics_card.first_response_minutes.unwrap().n, 1);
    assert_eq!(logistics_card.reopen_rate.unwrap().count, 0);
    let reopened = app
        .act_on_case(
            &case.uid,
            "li",
            CaseAction::Reopen {
                reason: "customer called again".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (reopened.status, reopened.reopen_count),
        (CaseStatus::InProgress, 1)
    );
    let (_, timeline) = app.case(&case.uid).await.unwrap();
    let cards = app
        .scorecards(today - chrono::Duration::days(1), today)
        .await
        .unwrap();
    assert_eq!(cards[0].reopen_rate.unwrap().count, 1);
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "routed",
            "escalated",
            "started",
            "contacted",
            "resolved",
            "closed",
            "reopened"
        ]
    );
}

#[tokio::test]
async fn complaints_open_cases_and_unmatched_ones_wait_unassigned() {
    let (app, _database) = app_with_cases().await;
    let case = app
        .open_complaint(
            ComplaintInput {
                summary: "App 登录不了，验证码收不到".into(),
                customer: Some("c-88".into()),
                channel: Some("phone".into()),
                touchpoint: None,
                dimensions: Default::default(),
                priority: Some(Priority::Urgent),
            },
            "api",
        )
        .await
        .unwrap();
    assert_eq!(case.source, "complaint:phone");
    assert_eq!(
        (case.status, case.department_id, case.priority),
        (CaseStatus::New, None, Priority::Urgent)
    );
    assert!(
        case.themes.contains(&"account_login".to_owned()),
        "{:?}",
        case.themes
    );
    // An urgent case's default SLA: an hour to respond.
    assert!(case.first_response_due - case.created_at == 3_600_000_000);
    let empty = app
        .open_complaint(
            ComplaintInput {
                summary: " ".into(),
                customer: None,
                channel: None,
                touchpoint: None,
                dimensions: Default::default(),
                priority: None,
            },
            "api",
        )
        .await
        .unwrap_err();
    assert!(matches!(empty, AppError::Invalid(_)));
    // Without a threshold configured, detractors open no cases.
    let plain = crate::test_app().await;
    plain
        .ingest(&[response(
            "x",
            "2026-11-02T10:00:00+08:00",
            serde_json::json!({"nps": 0}),
        )])
        .await;
    assert!(
        plain
            .app
            .cases(&cxm_app::CaseFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

/// A CSV file in memory.
fn csv_file(text: &str) -> cxm_formats::FileSource {
    cxm_formats::FileSource::Bytes {
        name: "volumes.csv".into(),
        bytes: text.as_bytes().into(),
    }
}

fn complaint_at(summary: &str, touchpoint: &str) -> ComplaintInput {
    ComplaintInput {
        summary: summary.into(),
        customer: None,
        channel: Some("phone".into()),
        touchpoint: Some(touchpoint.into()),
        dimensions: Default::default(),
        priority: None,
    }
}

#[tokio::test]
async fn people_see_their_departments_cases_and_admins_see_all() {
    let (app, _database) = app_with_cases().await;
    let admin = app
        .add_user("admin", "password of admin", Role::Admin, "en")
        .await
        .unwrap();
    let wang = app
        .add_user("wang", "password of wang", Role::Viewer, "zh")
        .await
        .unwrap();
    let li = app
        .add_user("li", "password of li", Role::Viewer, "zh")
        .await
        .unwrap();
    let boss = app
        .add_user("zhao", "password of zhao", Role::Viewer, "zh")
        .await
        .unwrap();
    let logistics = app
        .create_department("logistics", "物流部", Some(boss.id), &[wang.id])
        .await
        .unwrap();
    let service = app
        .create_department("service", "客服部", None, &[li.id])
        .await
        .unwrap();
    for (position, (theme, department)) in
        [("delivery", &logistics), ("service_attitude", &service)]
            .into_iter()
            .enumerate()
    {
        let conditions = RoutingConditions {
            themes: vec![theme.into()],
            ..RoutingConditions::default()
        };
        let name = format!("{theme} rule");
        app.create_rule(rule(
            position as i64,
            &name,
            conditions,
            department.id,
            "round_robin",
        ))
        .await
        .unwrap();
    }
    let parcel = app
        .open_complaint(complaint_at("快递三天都没到", "delivery"), "api")
        .await
        .unwrap();
    let rude = app
        .open_complaint(complaint_at("客服态度很差，挂我电话", "call_center"), "api")
        .await
        .unwrap();
    assert_eq!(parcel.department_id, Some(logistics.id));
    assert_eq!(rude.department_id, Some(service.id));

    let uids = |cases: Vec<cxm_app::StoredCase>| -> Vec<String> {
        let mut uids: Vec<String> = cases.into_iter().map(|c| c.uid).collect();
        uids.sort();
        uids
    };
    let visible = |user: &cxm_app::User| {
        let app = &app;
        let user = user.clone();
        async move {
            let access = app.case_access(&user).await.unwrap();
            uids(
                app.cases(&access.narrow(cxm_app::CaseFilter::default()))
                    .await
                    .unwrap(),
            )
        }
    };
    let mut both = vec![parcel.uid.clone(), rude.uid.clone()];
    both.sort();
    assert_eq!(visible(&admin).await, both);
    assert_eq!(visible(&wang).await, vec![parcel.uid.clone()]);
    assert_eq!(
        visible(&boss).await,
        vec![parcel.uid.clone()],
        "the manager sees the department"
    );
    assert_eq!(visible(&li).await, vec![rude.uid.clone()]);

    // A case of another department is not found for a member, and assigning one across makes it visible.
    let li_access = app.case_access(&li).await.unwrap();
    assert!(matches!(
        app.case_within(&li_access, &parcel.uid).await,
        Err(AppError::NotFound(_))
    ));
    app.act_on_case(&parcel.uid, "admin", CaseAction::Assign { user_id: li.id })
        .await
        .unwrap();
    assert!(app.case_within(&li_access, &parcel.uid).await.is_ok());
    assert_eq!(visible(&li).await, both);

    // Scorecards: the manager sees their department only; a plain member none; admins all.
    let today = TimeZone::parse("Asia/Shanghai").unwrap().today();
    let boss_cards = app
        .scorecards_by(
            today,
            today,
            cxm_app::ScorecardBy::Department,
            app.case_access(&boss)
                .await
                .unwrap()
                .scorecard_departments()
                .as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(boss_cards.len(), 1);
    assert_eq!(boss_cards[0].department.as_deref(), Some("logistics"));
    assert_eq!(boss_cards[0].opened, 1);
    let wang_cards = app
        .scorecards_by(
            today,
            today,
            cxm_app::ScorecardBy::Department,
            app.case_access(&wang)
                .await
                .unwrap()
                .scorecard_departments()
                .as_deref(),
        )
        .await
        .unwrap();
    assert!(wang_cards.is_empty());
    assert_eq!(
        app.case_access(&admin)
            .await
            .unwrap()
            .scorecard_departments(),
        None
    );
}

#[tokio::test]
async fn scorecards_break_down_by_touchpoint_and_theme_with_complaint_rates() {
    let (app, _database) = app_with_cases().await;
    for (summary, touchpoint) in [
        ("快递三天都没到", "delivery"),
        ("快递员态度差，包裹破损", "delivery"),
        ("门店排队太久", "store"),
    ] {
        app.open_complaint(complaint_at(summary, touchpoint), "api")
            .await
            .unwrap();
    }
    let zone = TimeZone::parse("Asia/Shanghai").unwrap();
    let today = zone.today();
    let month = today.format("%Y-%m").to_string();
    // Without volumes there is no complaint rate.
    let cards = app
        .scorecards_by(today, today, cxm_app::ScorecardBy::Touchpoint, None)
        .await
        .unwrap();
    assert!(cards[0].complaint_rate.is_none());
    assert_eq!(cards[0].complaints, 3);

    let bad = format!("month,orders,touchpoint\n{month},1000,\n2026-13,5,\n{month},lots,store\n");
    let AppError::Invalid(problems) = app.import_volumes(&csv_file(&bad)).await.unwrap_err() else {
        panic!("bad volumes are refused")
    };
    let places: Vec<(Option<u64>, &str)> =
        problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(places, [(Some(3), "month"), (Some(4), "orders")]);
    let good = format!("month,orders,touchpoint\n{month},\"1,000\",\n{month},400,delivery\n");
    assert_eq!(app.import_volumes(&csv_file(&good)).await.unwrap(), 2);

    let cards = app
        .scorecards_by(today, today, cxm_app::ScorecardBy::Touchpoint, None)
        .await
        .unwrap();
    let all = cards[0].complaint_rate.as_ref().expect("overall rate");
    assert_eq!(
        (all.complaints, all.volume, all.per.as_str()),
        (3, 1000, "orders")
    );
    assert!((all.per_thousand - 3.0).abs() < 1e-9);
    assert!(all.ci[0] < 3.0 && 3.0 < all.ci[1]);
    let delivery = cards
        .iter()
        .find(|c| c.group.as_deref() == Some("delivery"))
        .unwrap();
    let rate = delivery.complaint_rate.as_ref().unwrap();
    assert_eq!(
        (rate.complaints, rate.volume),
        (2, 400),
        "the touchpoint's own volume"
    );
    assert!((rate.per_thousand - 5.0).abs() < 1e-9);
    let store = cards
        .iter()
        .find(|c| c.group.as_deref() == Some("store"))
        .unwrap();
    assert_eq!(
        store.complaint_rate.as_ref().unwrap().volume,
        1000,
        "the overall volume where a touchpoint has none"
    );

    let themes = app
        .scorecards_by(today, today, cxm_app::ScorecardBy::Theme, None)
        .await
        .unwrap();
    let delivery_theme = themes
        .iter()
        .find(|c| c.group.as_deref() == Some("delivery"))
        .expect("a delivery theme card");
    assert_eq!(delivery_theme.opened, 2, "{themes:#?}");
    assert!(
        themes
            .iter()
            .skip(1)
            .all(|c| c.by == Some(cxm_app::ScorecardBy::Theme))
    );
}

#[tokio::test]
async fn routing_rules_are_edited_in_place() {
    let (app, _database) = app_with_cases().await;
    let first = app
        .create_department("logistics", "物流部", None, &[])
        .await
        .unwrap();
    let second = app
        .create_department("quality", "品控部", None, &[])
        .await
        .unwrap();
    let delivery = RoutingConditions {
        themes: vec!["delivery".into()],
        ..RoutingConditions::default()
    };
    let mut delivery_rule = rule(1, "delivery", delivery, first.id, "round_robin");
    delivery_rule.id = app.create_rule(delivery_rule.clone()).await.unwrap();
    delivery_rule.department_id = Some(second.id);
    delivery_rule.priority = Some(Priority::High);
    app.update_rule(delivery_rule.clone()).await.unwrap();
    assert_eq!(app.rules().await.unwrap(), vec![delivery_rule.clone()]);
    let case = app
        .open_complaint(complaint_at("快递三天都没到", "delivery"), "api")
        .await
        .unwrap();
    assert_eq!(
        (case.department_id, case.priority),
        (Some(second.id), Priority::High)
    );
    let unknown = RoutingRule {
        id: 9999,
        ..delivery_rule.clone()
    };
    assert!(matches!(
        app.update_rule(unknown).await,
        Err(AppError::NotFound(_))
    ));
    let nowhere = RoutingRule {
        department_id: None,
        ..delivery_rule
    };
    assert!(matches!(
        app.update_rule(nowhere).await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test]
async fn the_demo_case_loop_routes_every_complaint_and_measures_complaint_rates() {
    let (app, _database) = app_with_cases().await;
    let zone = TimeZone::parse("Asia/Shanghai").unwrap();
    let today = zone.today();
    let built = app
        .build_demo_cases("password of the demo", today)
        .await
        .unwrap();
    assert_eq!(built.opened, 48);
    assert_eq!(built.closed, 24);
    let cases = app.cases(&cxm_app::CaseFilter::default()).await.unwrap();
    assert_eq!(cases.len(), 48);
    assert!(
        cases
            .iter()
            .all(|c| c.department_id.is_some() && c.assignee_user_id.is_some()),
        "the catch-all rule routes everything"
    );
    let cards = app
        .scorecards_by(today, today, cxm_app::ScorecardBy::Department, None)
        .await
        .unwrap();
    let all = &cards[0];
    assert_eq!(all.complaints, 48);
    assert!(all.complaint_rate.is_some(), "volumes cover this month");
    assert_eq!(all.sla_compliance.unwrap().n, 24);
    // Staff sign in with the demo password.
    app.sign_in("li.na", "password of the demo").await.unwrap();
}

#[tokio::test]
async fn negative_comments_and_watched_themes_open_cases_whatever_the_score() {
    let (app, _database) = app_opening_cases(CasesConfig {
        open_on_negative_comment: true,
        open_on_themes: vec!["account_login".into()],
        ..CasesConfig::default()
    })
    .await;
    let responses = [
        response(
            "happy",
            "2026-11-02T10:00:00+08:00",
            serde_json::json!({"nps": 9, "comment": "物流很快，包装也很好"}),
        ),
        response(
            "angry",
            "2026-11-02T10:05:00+08:00",
            serde_json::json!({"nps": 8, "comment": "客服态度太差了，非常失望"}),
        ),
        response(
            "login",
            "2026-11-02T10:10:00+08:00",
            serde_json::json!({"nps": 10, "comment": "很好用，就是登录有时候收不到验证码"}),
        ),
        response(
            "silent",
            "2026-11-02T10:15:00+08:00",
            serde_json::json!({"nps": 2}),
        ),
    ];
    app.ingest(&responses, &[1, 2, 3, 4]).await.unwrap();
    let mut opened: Vec<(Option<i64>, String)> = app
        .cases(&cxm_app::CaseFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.score, c.summary))
        .collect();
    opened.sort();
    assert_eq!(opened.len(), 2, "{opened:?}");
    assert_eq!(opened[0].0, Some(8));
    assert!(opened[0].1.contains("客服态度太差"));
    assert_eq!(opened[1].0, Some(10));
    assert!(opened[1].1.contains("验证码"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_to_a_case_meanwhile_is_never_silently_undone() {
    let (app, _database) = app_with_cases().await;
    let complaint = |summary: &str| ComplaintInput {
        summary: summary.into(),
        customer: None,
        channel: Some("phone".into()),
        touchpoint: None,
        dimensions: Default::default(),
        priority: Some(Priority::Urgent),
    };
    let case = app
        .open_complaint(complaint("快递三天没动"), "api")
        .await
        .unwrap();
    // The SLA sweep reads the case; an agent resolves it; the sweep then saves what it read.
    let (mut stale, _) = app.store().case(&case.uid).await.unwrap();
    app.act_on_case(&case.uid, "li", CaseAction::Start)
        .await
        .unwrap();
    let resolved = app
        .act_on_case(
            &case.uid,
            "li",
            CaseAction::Resolve {
                root_cause: "delivery_delay".into(),
                resolution: "re-shipped".into(),
            },
        )
        .await
        .unwrap();
    stale.priority = stale.priority.raised();
    stale.escalated_at = Some(stale.created_at);
    let event = cxm_store::CaseEvent {
        at: stale.created_at,
        actor: "system".into(),
        kind: "escalated".into(),
        detail: "{}".into(),
    };
    let error = app.store().save_case(&stale, &event).await.unwrap_err();
    assert!(
        matches!(error, cxm_store::StoreError::Stale(_)),
        "{error:?}"
    );
    let (now, timeline) = app.store().case(&case.uid).await.unwrap();
    assert_eq!(
        (now.status, now.escalated_at, now.updated_at),
        (CaseStatus::Resolved, None, resolved.updated_at)
    );
    assert!(timeline.iter().all(|e| e.kind != "escalated"));

    // Agents acting on one case at once each get their change in: none is lost.
    let busy = app
        .open_complaint(complaint("退款一直没到账"), "api")
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (app, uid) = (app.clone(), busy.uid.clone());
        tasks.spawn(async move {
            let action = if i == 0 {
                CaseAction::Contact {
                    method: "phone".into(),
                }
            } else {
                CaseAction::Note {
                    text: format!("note {i}"),
                }
            };
            app.act_on_case(&uid, &format!("agent{i}"), action).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().expect("every concurrent action lands");
    }
    let (after, timeline) = app.store().case(&busy.uid).await.unwrap();
    assert_eq!(after.contacted, Some(true), "the contact is not undone");
    assert_eq!(timeline.iter().filter(|e| e.kind == "note").count(), 5);
}

#[tokio::test]
async fn volumes_come_from_chinese_spreadsheets_too() {
    let (app, _database) = app_with_cases().await;
    // A GBK, tab-separated export with Chinese headers and months written the Chinese way.
    let source = cxm_formats::FileSource::Bytes {
        name: "月度订单.tsv".into(),
        bytes: include_bytes!("fixtures/volumes-gbk.tsv").as_slice().into(),
    };
    assert_eq!(app.import_volumes(&source).await.unwrap(), 3);

    // A workbook whose month column holds dates, as spreadsheets store months.
    let mut workbook = cxm_formats::WideXlsxWriter::new();
    workbook.sheet("volumes", &["Month", "Orders"]).unwrap();
    workbook
        .write(&[
            cxm_formats::Cell::Text("2026-04-01 00:00:00".into()),
            cxm_formats::Cell::Number(15000.0),
        ])
        .unwrap();
    let mut content = Vec::new();
    workbook.finish(&mut content).unwrap();
    let source = cxm_formats::FileSource::Bytes {
        name: "volumes.xlsx".into(),
        bytes: content.into(),
    };
    assert_eq!(app.import_volumes(&source).await.unwrap(), 1);

    // Problems name the file's own columns.
    let bad = csv_file("月份,订单数\n2026年13月,5\n2026-05,很多\n");
    let AppError::Invalid(problems) = app.import_volumes(&bad).await.unwrap_err() else {
        panic!("bad volumes are refused")
    };
    let places: Vec<(Option<u64>, &str)> =
        problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(places, [(Some(2), "月份"), (Some(3), "订单数")]);
    let error = app
        .import_volumes(&csv_file("region,orders\n华东,5\n"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("月份"), "{error}");
}
