//! Notifications against real peers on loopback: an HTTP receiver that checks DingTalk's and
//! Feishu's signatures the way the vendors specify, and a real SMTP server (Python's aiosmtpd,
//! which `.ci/run` installs). Pending messages survive a restart and are delivered once.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use base64::Engine;
use cxm_app::{
    App, CasesConfig, ComplaintInput, Config, NotificationsConfig, NotifyChannel, SmtpConfig,
};
use cxm_domain::TimeZone;
use cxm_store::ScratchDatabase;
use hmac::Mac;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{postgres_url, rule};

/// What the receiver got: path with query, body, and the request head.
type Received = Arc<Mutex<Vec<(String, String, String)>>>;

/// An HTTP server on loopback answering every POST like a robot that accepted the message.
async fn receiver() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buffer = [0u8; 4096];
                loop {
                    let n = stream.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&data).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length: usize = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if data.len() >= end + 4 + length {
                            let path = text.split_whitespace().nth(1).unwrap_or("").to_owned();
                            let body = String::from_utf8_lossy(&data[end + 4..end + 4 + length])
                                .to_string();
                            log.lock()
                                .unwrap()
                                .push((path, body, text[..end].to_owned()));
                            break;
                        }
                    }
                }
                let reply = "{\"errcode\":0,\"errmsg\":\"ok\"}";
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    (base, received)
}

async fn app_with(
    channels: Vec<NotifyChannel>,
    smtp: Option<SmtpConfig>,
    database: &ScratchDatabase,
    allow_private: bool,
) -> App {
    let config = Config {
        time_zone: Some(TimeZone::parse("Asia/Shanghai").unwrap()),
        cases: CasesConfig::default(),
        notifications: NotificationsConfig {
            channels,
            smtp,
            allow_private_targets: allow_private,
        },
        ..Config::with_database(database.url())
    };
    App::open(config).await.unwrap()
}

fn complaint(text: &str) -> ComplaintInput {
    ComplaintInput {
        summary: text.into(),
        customer: None,
        channel: Some("phone".into()),
        touchpoint: None,
        dimensions: Default::default(),
        priority: None,
    }
}

fn channel(kind: &str, target: String, secret: Option<&str>) -> NotifyChannel {
    NotifyChannel {
        kind: kind.into(),
        target,
        secret: secret.map(str::to_owned),
        events: Vec::new(),
    }
}

/// A Standard Webhooks signing secret (`whsec_` and base64).
fn webhook_secret() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(b"a webhook secret for outbound!!")
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_send_each_message_once() {
    let (base, received) = receiver().await;
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let secret = webhook_secret();
    let channels = vec![channel("webhook", format!("{base}/hook"), Some(&secret))];
    let one = app_with(channels.clone(), None, &database, true).await;
    let other = app_with(channels, None, &database, true).await;
    for i in 0..12 {
        one.open_complaint(complaint(&format!("投诉 {i}")), "api")
            .await
            .unwrap();
    }
    let at = now();
    let (a, b) = tokio::join!(
        tokio::spawn({
            let one = one.clone();
            async move { one.deliver_notifications(at).await }
        }),
        tokio::spawn({
            let other = other.clone();
            async move { other.deliver_notifications(at).await }
        })
    );
    let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
    assert_eq!(a.delivered + b.delivered, 12, "{a:?} {b:?}");
    assert_eq!(
        received.lock().unwrap().len(),
        12,
        "no message went out twice"
    );
    // A claimed message whose sender died goes out once its claim lapses.
    let lost = one
        .open_complaint(complaint("无人处理"), "api")
        .await
        .unwrap();
    let claimed = one
        .store()
        .claim_due_messages(now(), now() + 60_000_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "{lost:?}");
    assert_eq!(
        other.deliver_notifications(now()).await.unwrap().delivered,
        0
    );
    let later = now() + 120_000_000;
    assert_eq!(
        other.deliver_notifications(later).await.unwrap().delivered,
        1
    );
    assert_eq!(received.lock().unwrap().len(), 13);
}

#[tokio::test]
async fn robots_get_signed_messages_once_even_across_a_restart() {
    let (base, received) = receiver().await;
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let channels = vec![
        channel(
            "dingtalk",
            format!("{base}/robot/send?access_token=T1"),
            Some("SECdingtalk-secret"),
        ),
        channel(
            "feishu",
            format!("{base}/open-apis/bot/v2/hook/F1"),
            Some("feishu-secret"),
        ),
        channel("wecom", format!("{base}/cgi-bin/webhook/send?key=W1"), None),
        channel("slack", format!("{base}/services/T/B/S"), None),
    ];
    // Cases are opened and the server "dies" before delivering anything.
    let first = app_with(channels.clone(), None, &database, true).await;
    first
        .open_complaint(complaint("退款拖了两周 <!channel>"), "api")
        .await
        .unwrap();
    drop(first);
    assert!(received.lock().unwrap().is_empty());

    let second = app_with(channels, None, &database, true).await;
    let report = second.deliver_notifications(now()).await.unwrap();
    assert_eq!((report.delivered, report.failed), (4, 0), "{report:?}");
    assert_eq!(
        second.deliver_notifications(now()).await.unwrap().delivered,
        0,
        "nothing is sent twice"
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 4);

    // DingTalk: timestamp (ms) and sign in the query; sign = urlencode(base64(HMAC-SHA256(secret, ts + "\n" + secret))).
    let (path, body, _) = got
        .iter()
        .find(|(p, _, _)| p.starts_with("/robot/send"))
        .unwrap();
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(path.split_once('?').unwrap().1).unwrap();
    let field = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let timestamp = field("timestamp");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"SECdingtalk-secret").unwrap();
    mac.update(format!("{timestamp}\nSECdingtalk-secret").as_bytes());
    assert_eq!(
        field("sign"),
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert!(
        (now() / 1000 - timestamp.parse::<i64>().unwrap()).abs() < 3_600_000,
        "within an hour"
    );
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["msgtype"], "markdown");
    assert!(
        json["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("退款拖了两周")
    );

    // Feishu: timestamp (s) and sign in the body; sign = base64(HMAC-SHA256(key = ts + "\n" + secret, "")).
    let (_, body, _) = got
        .iter()
        .find(|(p, _, _)| p.starts_with("/open-apis"))
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    let seconds = json["timestamp"].as_str().unwrap();
    let mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(format!("{seconds}\nfeishu-secret").as_bytes())
            .unwrap();
    assert_eq!(
        json["sign"],
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );

    // Slack text is escaped: no channel-wide mention can be injected.
    let (_, body, _) = got
        .iter()
        .find(|(p, _, _)| p.starts_with("/services"))
        .unwrap();
    assert!(
        body.contains("&lt;!channel&gt;") && !body.contains("<!channel>"),
        "{body}"
    );
}

#[tokio::test]
async fn many_messages_to_one_robot_go_as_a_digest_and_private_urls_are_refused_by_default() {
    let (base, received) = receiver().await;
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let channels = vec![channel(
        "wecom",
        format!("{base}/cgi-bin/webhook/send?key=W1"),
        None,
    )];
    let strict = app_with(channels.clone(), None, &database, false).await;
    for i in 0..3 {
        strict
            .open_complaint(complaint(&format!("投诉 {i}")), "api")
            .await
            .unwrap();
    }
    let report = strict.deliver_notifications(now()).await.unwrap();
    assert_eq!(
        (report.delivered, report.failed),
        (0, 3),
        "loopback robots are refused unless allowed"
    );
    assert!(received.lock().unwrap().is_empty());
    // Allowed, the three wait for their retry time, then go as one digest.
    let open = app_with(channels, None, &database, true).await;
    let report = open
        .deliver_notifications(now() + 2 * 60_000_000)
        .await
        .unwrap();
    assert_eq!(report.delivered, 3, "{report:?}");
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one digest");
    assert!(
        got[0].1.contains("投诉 0") && got[0].1.contains("投诉 2"),
        "{}",
        got[0].1
    );
}

fn report(line: &str) {
    if let Ok(path) = std::env::var("CXM_TEST_REPORT") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        writeln!(file, "{line}").unwrap();
    }
}

#[tokio::test]
async fn email_goes_through_a_real_smtp_server() {
    let python = std::env::var("CXM_SMTP_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_aiosmtpd = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_aiosmtpd {
        assert!(
            std::env::var("CXM_REQUIRE_SMTP").is_err(),
            "CXM_REQUIRE_SMTP is set but {python} has no aiosmtpd"
        );
        eprintln!("SMTP test skipped: {python} has no aiosmtpd (pip install aiosmtpd)");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(&python)
        .args([
            "-u",
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Debugging",
            "-l",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&output);
    let stdout = server.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "cxm@example.com".into(),
        credentials: None,
        tls: false,
    };
    let app = app_with(
        vec![channel("email", "manager@example.com".into(), None)],
        Some(smtp),
        &database,
        true,
    )
    .await;
    // The case is routed to a person with an address: they get their own email too.
    let owner = app
        .add_user("li", "password of li", cxm_app::Role::Viewer, "zh")
        .await
        .unwrap();
    app.set_contacts(
        "li",
        cxm_domain::Contacts {
            email: Some("li@example.com".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let department = app
        .create_department("stores", "门店运营", None, &[owner.id])
        .await
        .unwrap();
    let everything = Default::default();
    app.create_rule(rule(1, "stores", everything, department.id, "round_robin"))
        .await
        .unwrap();
    app.open_complaint(complaint("门店排队太久"), "api")
        .await
        .unwrap();
    let delivered = app.deliver_notifications(now()).await.unwrap();
    assert_eq!(delivered.delivered, 2, "{delivered:?}");
    let mut seen = String::new();
    for _ in 0..100 {
        seen = output.lock().unwrap().clone();
        if seen.contains("manager@example.com")
            && seen.contains("li@example.com")
            && seen.matches("---------- MESSAGE FOLLOWS").count() >= 2
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(seen.contains("manager@example.com"), "{seen}");
    assert!(seen.contains("li@example.com"), "{seen}");
    assert!(seen.contains("Subject:"), "{seen}");
    report("smtp test ran");
}

#[tokio::test]
async fn webhooks_get_every_event_signed_the_standard_webhooks_way() {
    let (base, received) = receiver().await;
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let secret = webhook_secret();
    let hook = NotifyChannel {
        kind: "webhook".into(),
        target: format!("{base}/hooks/cx"),
        secret: Some(secret.clone()),
        events: Vec::new(),
    };
    let app = app_with(vec![hook], None, &database, true).await;
    let survey = App::parse_survey_toml(include_str!("fixtures/feedback.toml")).unwrap();
    app.create_survey(&survey).await.unwrap();
    let response = crate::response(
        "w1",
        "2026-11-02T10:00:00+08:00",
        serde_json::json!({"nps": 4}),
    );
    app.ingest(std::slice::from_ref(&response), &[1])
        .await
        .unwrap();
    app.ingest(&[response], &[1]).await.unwrap();
    let case = app
        .open_complaint(complaint("发票开错了"), "api")
        .await
        .unwrap();
    app.act_on_case(&case.uid, "ops", cxm_app::CaseAction::Start)
        .await
        .unwrap();
    let report = app.deliver_notifications(now()).await.unwrap();
    assert_eq!((report.delivered, report.failed), (3, 0), "{report:?}");
    let got = received.lock().unwrap().clone();
    let mut types = Vec::new();
    for (_, body, head) in &got {
        let header = |name: &str| {
            head.lines().find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
        };
        let headers = cxm_app::WebhookHeaders {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
        };
        cxm_app::verify_webhook(&secret, &headers, body.as_bytes(), now() / 1_000_000)
            .expect("a valid Standard Webhooks signature");
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        types.push(json["type"].as_str().unwrap().to_owned());
    }
    types.sort();
    assert_eq!(
        types,
        ["case.created", "case.updated", "response.created"],
        "a resent response is announced once"
    );
}

#[tokio::test]
async fn robots_mention_the_owner_of_a_new_case_and_the_manager_of_an_escalated_one() {
    let (base, received) = receiver().await;
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    let channels = vec![
        channel(
            "dingtalk",
            format!("{base}/robot/send?access_token=T1"),
            Some("SECx"),
        ),
        channel("feishu", format!("{base}/open-apis/bot/v2/hook/F1"), None),
        channel("wecom", format!("{base}/cgi-bin/webhook/send?key=W1"), None),
        channel("slack", format!("{base}/services/T/B/S"), None),
    ];
    let app = app_with(channels, None, &database, true).await;
    let owner = app
        .add_user(
            "wangqing",
            "password of wangqing",
            cxm_app::Role::Viewer,
            "zh",
        )
        .await
        .unwrap();
    let manager = app
        .add_user("zhao", "password of zhao", cxm_app::Role::Viewer, "zh")
        .await
        .unwrap();
    app.set_contacts(
        "wangqing",
        cxm_domain::Contacts {
            mobile: Some("13800001111".into()),
            wecom: Some("wangqing".into()),
            dingtalk: Some("user123".into()),
            feishu: Some("ou_owner".into()),
            slack: Some("U0OWNER".into()),
            email: None,
        },
    )
    .await
    .unwrap();
    app.set_contacts(
        "zhao",
        cxm_domain::Contacts {
            wecom: Some("zhaoboss".into()),
            slack: Some("U0BOSS".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let department = app
        .create_department("service", "客服部", Some(manager.id), &[owner.id])
        .await
        .unwrap();
    let everything = Default::default();
    app.create_rule(rule(
        1,
        "all to service",
        everything,
        department.id,
        "round_robin",
    ))
    .await
    .unwrap();
    let case = app
        .open_complaint(complaint("门店排队太久"), "api")
        .await
        .unwrap();
    assert_eq!(case.assignee_user_id, Some(owner.id));
    assert_eq!(app.deliver_notifications(now()).await.unwrap().delivered, 4);
    let body = |prefix: &str| -> serde_json::Value {
        let got = received.lock().unwrap().clone();
        let (_, body, _) = got
            .iter()
            .rev()
            .find(|(p, _, _)| p.starts_with(prefix))
            .unwrap();
        serde_json::from_str(body).unwrap()
    };
    let wecom = body("/cgi-bin");
    assert!(
        wecom["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("<@wangqing>"),
        "{wecom}"
    );
    let dingtalk = body("/robot/send");
    assert_eq!(
        dingtalk["at"]["atMobiles"],
        serde_json::json!(["13800001111"])
    );
    assert_eq!(dingtalk["at"]["atUserIds"], serde_json::json!(["user123"]));
    assert!(
        dingtalk["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("@13800001111")
    );
    let feishu = body("/open-apis");
    assert!(
        feishu["content"]["text"]
            .as_str()
            .unwrap()
            .contains("<at user_id=\"ou_owner\">wangqing</at>"),
        "{feishu}"
    );
    let slack = body("/services");
    assert!(
        slack["text"].as_str().unwrap().contains("<@U0OWNER>"),
        "{slack}"
    );

    // Past its SLA the case escalates and the robots name the manager.
    let later = now() + 30 * 24 * 3_600_000_000;
    assert_eq!(app.escalate_overdue(later).await.unwrap().len(), 1);
    app.deliver_notifications(later).await.unwrap();
    assert!(
        body("/cgi-bin")["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("<@zhaoboss>")
    );
    assert!(
        body("/services")["text"]
            .as_str()
            .unwrap()
            .contains("<@U0BOSS>")
    );
}

#[tokio::test]
async fn a_reassigned_case_emails_its_new_assignee_once() {
    let database = ScratchDatabase::new(postgres_url().as_deref())
        .await
        .unwrap();
    // Nothing is delivered here: the outbox is read before any delivery.
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port: 9,
        from: "cxm@example.com".into(),
        credentials: None,
        tls: false,
    };
    let mut updates = channel("email", "cx-team@example.com".into(), None);
    updates.events = vec!["case.updated".into()];
    for channels in [vec![updates], Vec::new()] {
        let app = app_with(channels, Some(smtp.clone()), &database, true).await;
        let name = format!("li{}", app.users().await.unwrap().len());
        let li = app
            .add_user(&name, "password of li", cxm_app::Role::Viewer, "zh")
            .await
            .unwrap();
        app.set_contacts(
            &name,
            cxm_domain::Contacts {
                email: Some(format!("{name}@example.com")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let case = app
            .open_complaint(complaint("门店排队太久"), "api")
            .await
            .unwrap();
        app.act_on_case(
            &case.uid,
            "admin",
            cxm_app::CaseAction::Assign { user_id: li.id },
        )
        .await
        .unwrap();
        let personal = app
            .store()
            .due_messages(now() + 1, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.target == format!("{name}@example.com"))
            .count();
        assert_eq!(personal, 1, "{name}");
    }
}
