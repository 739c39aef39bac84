//! Notifications: case events go into a durable outbox (one row per channel and event,
//! deduplicated), and a worker delivers what is due by email over SMTP or to the WeCom,
//! DingTalk (signed), Feishu (signed) and Slack robots as formats.md describes them. A robot
//! gets at most 20 messages a minute: several due messages for one robot go as one digest,
//! and over the limit they wait. Failures are retried with exponential backoff; a message is
//! marked delivered only after the channel accepted it, so a restart delivers what was pending.
//! Robot URLs on private or loopback addresses are refused unless configured.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine;
use cxm_store::{OutboxMessage, StoredCase, User};
use hmac::{Hmac, Mac};

use crate::{App, AppError};

/// Messages a robot takes per minute (WeCom and DingTalk both stop at 20).
pub const ROBOT_PER_MINUTE: i64 = 20;

/// Where notifications go.
#[derive(Clone, Default)]
pub struct NotificationsConfig {
    /// The channels.
    pub channels: Vec<NotifyChannel>,
    /// The SMTP server for email channels.
    pub smtp: Option<SmtpConfig>,
    /// Allow robot URLs on private and loopback addresses (tests, intranet robots).
    pub allow_private_targets: bool,
}

impl std::fmt::Debug for NotificationsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationsConfig")
            .field("channels", &self.channels.len())
            .field(
                "smtp",
                &self.smtp.as_ref().map(|s| format!("{}:{}", s.host, s.port)),
            )
            .field("allow_private_targets", &self.allow_private_targets)
            .finish()
    }
}

/// One channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyChannel {
    /// `email`, `wecom`, `dingtalk`, `feishu`, `slack` or `webhook` (Standard Webhooks).
    pub kind: String,
    /// An email address, or the robot's webhook URL.
    pub target: String,
    /// The signing secret (DingTalk `SEC…`, Feishu, webhook `whsec_…`).
    pub secret: Option<String>,
    /// Events sent: `case.created`, `case.updated`, `case.escalated`, `response.created`
    /// (empty: new and escalated cases for people, everything for webhooks).
    pub events: Vec<String>,
}

/// An SMTP server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The From address.
    pub from: String,
    /// User name and password, if the server wants them.
    pub credentials: Option<(String, String)>,
    /// STARTTLS (off only for servers on loopback).
    pub tls: bool,
}

/// What a delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages delivered (a digest counts each message in it).
    pub delivered: u64,
    /// Messages that failed and will be retried.
    pub failed: u64,
    /// Messages held back by a robot's rate limit.
    pub postponed: u64,
}

type HmacSha256 = Hmac<sha2::Sha256>;

/// DingTalk's signed URL: `timestamp` (ms) and `sign = urlencode(base64(HMAC-SHA256(secret,
/// "{timestamp}\n{secret}")))` in the query.
pub fn dingtalk_signed_url(url: &str, secret: &str, timestamp_ms: i64) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let encoded: String = sign
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}timestamp={timestamp_ms}&sign={encoded}")
}

/// Feishu's signature: `base64(HMAC-SHA256(key = "{timestamp}\n{secret}", message = ""))`,
/// timestamp in seconds.
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    let mac = HmacSha256::new_from_slice(format!("{timestamp_s}\n{secret}").as_bytes())
        .expect("HMAC takes any key");
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whom a robot message @-mentions, gathered from the messages it carries.
#[derive(Debug, Default)]
struct Mentions {
    wecom: Vec<String>,
    dingtalk_mobiles: Vec<String>,
    dingtalk_ids: Vec<String>,
    feishu: Vec<(String, String)>,
    slack: Vec<String>,
}

impl Mentions {
    fn of(batch: &[&OutboxMessage]) -> Mentions {
        let mut out = Mentions::default();
        let push = |list: &mut Vec<String>, value: &Option<String>| {
            if let Some(value) = value
                .as_ref()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                && !list.contains(&value)
            {
                list.push(value);
            }
        };
        for message in batch {
            let Some(text) = &message.mention else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
                continue;
            };
            let Ok(contacts) =
                serde_json::from_value::<cxm_domain::Contacts>(value["contacts"].clone())
            else {
                continue;
            };
            let name = value["name"].as_str().unwrap_or_default().to_owned();
            push(&mut out.wecom, &contacts.wecom);
            push(&mut out.dingtalk_mobiles, &contacts.mobile);
            push(&mut out.dingtalk_ids, &contacts.dingtalk);
            push(&mut out.slack, &contacts.slack);
            if let Some(id) = contacts.feishu.filter(|id| !id.trim().is_empty())
                && !out.feishu.iter().any(|(known, _)| *known == id)
            {
                out.feishu.push((id, name));
            }
        }
        out
    }
}

/// The `{name, contacts}` JSON a robot message mentions `user` by, if they have any chat id or
/// mobile number.
fn mention_of(user: &User) -> Option<String> {
    let c = &user.contacts;
    let any = [&c.mobile, &c.wecom, &c.dingtalk, &c.feishu, &c.slack]
        .iter()
        .any(|v| v.is_some());
    any.then(|| serde_json::json!({"name": user.name, "contacts": c}).to_string())
}

/// `text` cut to fit `limit` bytes with `tail` (the mentions) kept whole after it.
fn with_tail(text: &str, tail: &str, limit: usize) -> String {
    if tail.is_empty() {
        return cut(text, limit);
    }
    let room = limit.saturating_sub(tail.len() + 1);
    format!("{}\n{tail}", cut(text, room))
}

/// Slack needs `&`, `<` and `>` escaped in user text, or `<!channel>` could be injected.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Cuts text to at most `bytes` bytes at a character boundary.
fn cut(text: &str, bytes: usize) -> String {
    if text.len() <= bytes {
        return text.to_owned();
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Whether an address is private, loopback, link-local or otherwise not on the internet.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

impl App {
    /// Puts a case event into the outbox for every channel that takes it; `key` makes the
    /// event unique (a case's uid, or its uid and the moment of an update). `person` (the
    /// assignee of a new case, the manager of an escalated one) is @-mentioned where the
    /// channel can, and emailed personally.
    pub(crate) async fn announce(
        &self,
        event: &str,
        key: &str,
        case: &StoredCase,
        title: String,
        body: String,
        person: Option<i64>,
    ) -> Result<(), AppError> {
        let data = serde_json::to_value(crate::CaseView::of(
            case.clone(),
            Vec::new(),
            self.config.cases.recovery_survey.as_deref(),
        ))
        .unwrap_or(serde_json::Value::Null);
        let person = match person {
            Some(id) => self.store.user(id).await?,
            None => None,
        };
        let mention = person.as_ref().and_then(mention_of);
        self.enqueue_event(event, key, &title, &body, &data, mention.as_deref())
            .await?;
        if let Some(user) = &person {
            self.email_person(user, event, key, &title, &body).await?;
        }
        Ok(())
    }

    /// Emails the user with `id` about a case event (see [`App::announce`]).
    pub(crate) async fn tell_person(
        &self,
        id: i64,
        event: &str,
        key: &str,
        title: &str,
        body: &str,
    ) -> Result<(), AppError> {
        match self.store.user(id).await? {
            Some(user) => self.email_person(&user, event, key, title, body).await,
            None => Ok(()),
        }
    }

    /// Emails one person (the assignee, the manager) about a case event, when an SMTP server
    /// is configured and the person has an address.
    async fn email_person(
        &self,
        user: &User,
        event: &str,
        key: &str,
        title: &str,
        body: &str,
    ) -> Result<(), AppError> {
        let (Some(_), Some(email)) = (&self.config.notifications.smtp, &user.contacts.email) else {
            return Ok(());
        };
        let message = OutboxMessage {
            id: 0,
            channel: "email".to_owned(),
            target: email.clone(),
            dedupe_key: format!("{event}:{key}:user:{}", user.id),
            event: event.to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
            mention: None,
            attempts: 0,
        };
        self.store.enqueue(&message).await?;
        Ok(())
    }

    /// Whether a channel takes `event`: one that lists it, or one without a list (people get
    /// new and escalated cases, webhooks everything).
    fn takes(channel: &NotifyChannel, event: &str) -> bool {
        if channel.events.is_empty() {
            channel.kind == "webhook" || matches!(event, "case.created" | "case.escalated")
        } else {
            channel.events.iter().any(|e| e == event)
        }
    }

    /// Whether any channel takes `event`.
    pub(crate) fn wants(&self, event: &str) -> bool {
        self.config
            .notifications
            .channels
            .iter()
            .any(|c| Self::takes(c, event))
    }

    /// Writes one outbox message per channel that takes `event`: robots and email get the
    /// title and text, webhooks the Standard Webhooks payload `{type, timestamp, data}`.
    pub(crate) async fn enqueue_event(
        &self,
        event: &str,
        key: &str,
        title: &str,
        body: &str,
        data: &serde_json::Value,
        mention: Option<&str>,
    ) -> Result<(), AppError> {
        for (index, channel) in self.config.notifications.channels.iter().enumerate() {
            if !Self::takes(channel, event) {
                continue;
            }
            let body = if channel.kind == "webhook" {
                serde_json::json!({"type": event, "timestamp": chrono::Utc::now().to_rfc3339(), "data": data}).to_string()
            } else {
                body.to_owned()
            };
            let message = OutboxMessage {
                id: 0,
                channel: channel.kind.clone(),
                target: channel.target.clone(),
                dedupe_key: format!("{event}:{key}:{index}"),
                event: event.to_owned(),
                title: title.to_owned(),
                body,
                mention: (channel.kind != "webhook" && channel.kind != "email")
                    .then(|| mention.map(str::to_owned))
                    .flatten(),
                attempts: 0,
            };
            self.store.enqueue(&message).await?;
        }
        Ok(())
    }

    /// Delivers every message due at `now` (unix µs) that no other sender has claimed.
    ///
    /// # Errors
    /// [`AppError::Store`] when the outbox cannot be read or written; a channel's failure is
    /// recorded on its messages instead.
    pub async fn deliver_notifications(&self, now: i64) -> Result<DeliveryReport, AppError> {
        // Claimed for ten minutes: longer than any send takes, so another server on the same
        // database skips them, and short enough that a crashed sender's messages go out soon.
        let due = self
            .store
            .claim_due_messages(now, now + 600_000_000, 500)
            .await?;
        let mut groups: BTreeMap<(String, String), Vec<OutboxMessage>> = BTreeMap::new();
        for message in due {
            groups
                .entry((message.channel.clone(), message.target.clone()))
                .or_default()
                .push(message);
        }
        let mut report = DeliveryReport::default();
        for ((channel, target), messages) in groups {
            let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
            if channel != "email" && channel != "webhook" {
                let sent = self
                    .store
                    .delivered_since(&target, now - 60_000_000)
                    .await?;
                if sent >= ROBOT_PER_MINUTE {
                    self.store.postpone(&ids, now + 60_000_000).await?;
                    report.postponed += ids.len() as u64;
                    continue;
                }
            }
            // Email and webhooks go one by one; a robot gets one message, or a digest of several.
            let batches: Vec<Vec<&OutboxMessage>> = if channel == "email" || channel == "webhook" {
                messages.iter().map(|m| vec![m]).collect()
            } else {
                vec![messages.iter().collect()]
            };
            for batch in batches {
                let batch_ids: Vec<i64> = batch.iter().map(|m| m.id).collect();
                match self.send(&channel, &target, &batch, now).await {
                    Ok(()) => {
                        self.store.mark_delivered(&batch_ids).await?;
                        report.delivered += batch_ids.len() as u64;
                    }
                    Err(error) => {
                        let attempts = batch.iter().map(|m| m.attempts).max().unwrap_or(0).min(6);
                        let wait = (60_000_000i64 << attempts).min(3_600_000_000);
                        tracing::warn!(%channel, %error, "a notification failed; retrying later");
                        self.store
                            .mark_failed(&batch_ids, &error, now + wait)
                            .await?;
                        report.failed += batch_ids.len() as u64;
                    }
                }
            }
        }
        Ok(report)
    }

    async fn send(
        &self,
        channel: &str,
        target: &str,
        batch: &[&OutboxMessage],
        now: i64,
    ) -> Result<(), String> {
        let (title, body) = if batch.len() == 1 {
            (batch[0].title.clone(), batch[0].body.clone())
        } else {
            let lines: Vec<String> = batch
                .iter()
                .map(|m| format!("- **{}** {}", m.title, m.body))
                .collect();
            (
                format!("{} 条通知 · {} notifications", batch.len(), batch.len()),
                lines.join("\n"),
            )
        };
        if channel == "email" {
            return self.send_email(target, &title, &body).await;
        }
        let mentions = Mentions::of(batch);
        let secret = self
            .config
            .notifications
            .channels
            .iter()
            .find(|c| c.kind == channel && c.target == target)
            .and_then(|c| c.secret.clone());
        self.check_target(target).await?;
        if channel == "webhook" {
            return self
                .send_webhook(target, batch[0], secret.as_deref(), now)
                .await;
        }
        let (url, payload) = match channel {
            "wecom" => {
                let tags: String = mentions
                    .wecom
                    .iter()
                    .map(|id| format!("<@{id}>"))
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    target.to_owned(),
                    serde_json::json!({"msgtype": "markdown", "markdown": {"content": with_tail(&format!("### {title}\n{body}"), &tags, 4000)}}),
                )
            }
            "dingtalk" => {
                let url = match &secret {
                    Some(secret) => dingtalk_signed_url(target, secret, now / 1000),
                    None => target.to_owned(),
                };
                let tags: String = mentions
                    .dingtalk_mobiles
                    .iter()
                    .chain(&mentions.dingtalk_ids)
                    .map(|id| format!("@{id}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    url,
                    serde_json::json!({"msgtype": "markdown", "markdown": {"title": title, "text": with_tail(&format!("#### {title}\n{body}"), &tags, 18_000)},
                        "at": {"atMobiles": mentions.dingtalk_mobiles, "atUserIds": mentions.dingtalk_ids, "isAtAll": false}}),
                )
            }
            "feishu" => {
                let tags: String = mentions
                    .feishu
                    .iter()
                    .map(|(id, name)| {
                        format!(
                            "<at user_id=\"{}\">{}</at>",
                            id.replace('"', ""),
                            name.replace('<', "")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut payload = serde_json::json!({"msg_type": "text", "content": {"text": with_tail(&format!("{title}\n{body}"), &tags, 18_000)}});
                if let Some(secret) = &secret {
                    let seconds = now / 1_000_000;
                    payload["timestamp"] = serde_json::Value::from(seconds.to_string());
                    payload["sign"] = serde_json::Value::from(feishu_sign(secret, seconds));
                }
                (target.to_owned(), payload)
            }
            "slack" => {
                let tags: String = mentions
                    .slack
                    .iter()
                    .map(|id| format!("<@{}>", slack_escape(id)))
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    target.to_owned(),
                    serde_json::json!({"text": with_tail(&slack_escape(&format!("{title}\n{body}")), &tags, 3000)}),
                )
            }
            other => return Err(format!("unknown channel {other:?}")),
        };
        let client = self.http_client()?;
        let response = client
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .body(payload.to_string())
            .send()
            .await
            .map_err(|e| format!("sending to {channel}: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("{channel} answered {status}: {}", cut(&text, 300)));
        }
        // WeCom and DingTalk answer 200 with an errcode; Feishu with a code.
        if let Ok(answer) = serde_json::from_str::<serde_json::Value>(&text) {
            let code = answer
                .get("errcode")
                .or_else(|| answer.get("code"))
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            if code != 0 {
                return Err(format!(
                    "{channel} refused the message: {}",
                    cut(&text, 300)
                ));
            }
        }
        Ok(())
    }

    /// The client outbound messages are posted with (ten seconds to answer), made once.
    fn http_client(&self) -> Result<&reqwest::Client, String> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Posts a Standard Webhooks message: `webhook-id` (the message's dedupe key, so receivers
    /// can drop repeats), `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>`.
    async fn send_webhook(
        &self,
        target: &str,
        message: &OutboxMessage,
        secret: Option<&str>,
        now: i64,
    ) -> Result<(), String> {
        self.check_target(target).await?;
        let secret = secret.ok_or("a webhook channel needs a secret (whsec_…)")?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
            .map_err(|e| format!("the webhook secret is not whsec_ + base64: {e}"))?;
        let seconds = now / 1_000_000;
        let mut mac = HmacSha256::new_from_slice(&key).map_err(|e| e.to_string())?;
        mac.update(format!("{}.{seconds}.{}", message.dedupe_key, message.body).as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let client = self.http_client()?;
        let response = client
            .post(target)
            .header("content-type", "application/json")
            .header("webhook-id", &message.dedupe_key)
            .header("webhook-timestamp", seconds.to_string())
            .header("webhook-signature", format!("v1,{signature}"))
            .body(message.body.clone())
            .send()
            .await
            .map_err(|e| format!("sending the webhook: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("the webhook answered {}", response.status()));
        }
        Ok(())
    }

    /// Refuses robot URLs on private or loopback addresses unless configured.
    async fn check_target(&self, target: &str) -> Result<(), String> {
        if self.config.notifications.allow_private_targets {
            return Ok(());
        }
        let url =
            reqwest::Url::parse(target).map_err(|e| format!("{target:?} is not a URL: {e}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("{target:?} has no host"))?;
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .map(|a| a.ip())
                .collect(),
        };
        if host.eq_ignore_ascii_case("localhost") || addresses.iter().any(|ip| is_private(*ip)) {
            return Err(format!(
                "{host} is a private or loopback address; set notifications.allow_private_targets to allow it"
            ));
        }
        Ok(())
    }

    async fn send_email(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let smtp = self
            .config
            .notifications
            .smtp
            .as_ref()
            .ok_or("no SMTP server is configured (notifications.smtp)")?;
        let message = Message::builder()
            .from(
                smtp.from
                    .parse()
                    .map_err(|e| format!("notifications.smtp.from: {e}"))?,
            )
            .to(to
                .parse()
                .map_err(|e| format!("{to:?} is not an email address: {e}"))?)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("building the email: {e}"))?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = if smtp.tls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .map_err(|e| format!("SMTP {}: {e}", smtp.host))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        }
        .port(smtp.port)
        .timeout(Some(std::time::Duration::from_secs(15)));
        if let Some((user, password)) = &smtp.credentials {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    user.clone(),
                    password.clone(),
                ));
        }
        builder
            .build()
            .send(message)
            .await
            .map_err(|e| format!("SMTP {}: {e}", smtp.host))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.5.5",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "100.64.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "203.0.113.9", "2001:4860::8888"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
        assert_eq!(slack_escape("<!channel> & co"), "&lt;!channel&gt; &amp; co");
        assert_eq!(cut("物流很快", 7), "物流");
    }
}
