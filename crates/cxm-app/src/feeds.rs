//! Live feeds: responses pushed to cxm as they are submitted. 问卷星 pushes each answer sheet
//! as JSON signed with `sha1(activity + index + key)`; any other system can push responses
//! signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature:
//! v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`). Unsigned or stale pushes are refused
//! before anything is parsed; accepted ones go through the same validation and idempotent
//! ingest as every response, so a retried push updates instead of duplicating.

use std::collections::BTreeMap;

use base64::Engine;
use cxm_domain::{Channel, QuestionKind, ResponseInput, SurveyKey};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::{App, AppError, IngestReport};

/// How far a webhook's timestamp may be from now, in seconds (the Standard Webhooks default).
const WEBHOOK_TOLERANCE_SECONDS: i64 = 5 * 60;

/// The Standard Webhooks headers of a push.
#[derive(Debug, Clone, Default)]
pub struct WebhookHeaders {
    /// `webhook-id`.
    pub id: Option<String>,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: Option<String>,
    /// `webhook-signature`: space-separated `v1,<base64>` signatures.
    pub signature: Option<String>,
}

impl App {
    /// Ingests one 问卷星 push into `survey` (a survey made by importing that questionnaire's
    /// export, whose questions are `q1`, `q2`…).
    ///
    /// # Errors
    /// [`AppError::Forbidden`] when no push key is configured or the signature is wrong;
    /// [`AppError::Malformed`] for a body that is not a JSON object; [`AppError::Invalid`]
    /// naming the field that does not fit the survey.
    pub async fn wjx_push(&self, survey: &str, body: &[u8]) -> Result<IngestReport, AppError> {
        let key = self.config.feeds.wjx_key.as_deref().ok_or_else(|| {
            AppError::Forbidden("the 问卷星 feed is off: set feeds.wjx_key".to_owned())
        })?;
        let push: BTreeMap<String, Value> = serde_json::from_slice(body)
            .map_err(|e| AppError::Malformed(format!("the push is not a JSON object: {e}")))?;
        let text = |name: &str| -> String {
            match push.get(name) {
                Some(Value::String(s)) => s.trim().to_owned(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            }
        };
        let index = if push.contains_key("index") {
            text("index")
        } else {
            text("joinid")
        };
        let expected = hex(&Sha1::digest(
            format!("{}{index}{key}", text("activity")).as_bytes(),
        ));
        if !same(&expected, &text("sign").to_ascii_lowercase()) {
            return Err(AppError::Forbidden(
                "the push's sign does not match sha1(activity + index + key)".to_owned(),
            ));
        }
        let stored = self.store.survey(survey).await?.survey;
        let submitted = cxm_formats::parse_time(&text("submittime"), &self.config.zone())
            .ok_or_else(|| {
                AppError::invalid(
                    "submittime",
                    format!("{:?} is not a time", text("submittime")),
                )
            })?;
        let mut answers = BTreeMap::new();
        for (name, value) in &push {
            let Some(question) = name.strip_prefix('q').and_then(|_| stored.question(name)) else {
                continue;
            };
            let raw = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if raw.is_empty() || raw == "-2" || raw == "-3" {
                continue;
            }
            answers.insert(name.clone(), wjx_answer(&question.kind, &raw));
        }
        let unknown: Vec<&String> = push
            .keys()
            .filter(|k| {
                k.starts_with('q')
                    && k[1..].chars().all(|c| c.is_ascii_digit())
                    && stored.question(k).is_none()
            })
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::invalid(
                unknown[0].clone(),
                format!(
                    "survey {survey} has no question {}; import the questionnaire's export first",
                    unknown[0]
                ),
            ));
        }
        let mut dimensions = BTreeMap::new();
        if !text("sojumpparm").is_empty() {
            dimensions.insert("sojumpparm".to_owned(), text("sojumpparm"));
        }
        let input = ResponseInput {
            survey: SurveyKey::parse(survey)?,
            id: Some(text("joinid")).filter(|id| !id.is_empty()),
            source: Some(format!("wjx:{survey}")),
            submitted_at: submitted.to_rfc3339(),
            channel: Some(Channel::Web),
            touchpoint: None,
            language: None,
            dimensions,
            customer: None,
            answers,
            complete: None,
        };
        if input.id.is_none() {
            return Err(AppError::invalid(
                "joinid",
                "the push has no joinid, which keys its answer sheet",
            ));
        }
        self.ingest(&[input], &[1]).await
    }

    /// Ingests responses pushed with a Standard Webhooks signature: the body is one response
    /// or `{"responses": [...]}`, as the responses API takes them.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] when no secret is configured, a header is missing, the
    /// timestamp is more than five minutes off or no signature matches;
    /// [`AppError::Malformed`] / [`AppError::Invalid`] for a body that is not responses.
    pub async fn signed_webhook(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
    ) -> Result<IngestReport, AppError> {
        let secret = self.config.feeds.webhook_secret.as_deref().ok_or_else(|| {
            AppError::Forbidden("the webhook feed is off: set feeds.webhook_secret".to_owned())
        })?;
        verify_webhook(secret, headers, body, chrono::Utc::now().timestamp())?;
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| AppError::Malformed(format!("the body is not JSON: {e}")))?;
        let items = match value {
            Value::Object(mut object) if object.contains_key("responses") => {
                object.remove("responses").unwrap_or(Value::Null)
            }
            single @ Value::Object(_) => Value::Array(vec![single]),
            other => other,
        };
        let inputs: Vec<ResponseInput> = serde_json::from_value(items).map_err(|e| {
            AppError::Malformed(format!(
                "the body is not a response or {{\"responses\": [...]}}: {e}"
            ))
        })?;
        let rows: Vec<u64> = (1..=inputs.len() as u64).collect();
        self.ingest(&inputs, &rows).await
    }
}

/// Checks a Standard Webhooks signature at time `now` (Unix seconds).
///
/// # Errors
/// [`AppError::Forbidden`] saying what is wrong.
pub fn verify_webhook(
    secret: &str,
    headers: &WebhookHeaders,
    body: &[u8],
    now: i64,
) -> Result<(), AppError> {
    let refuse = |why: &str| Err(AppError::Forbidden(format!("webhook refused: {why}")));
    let (Some(id), Some(timestamp), Some(signatures)) =
        (&headers.id, &headers.timestamp, &headers.signature)
    else {
        return refuse("webhook-id, webhook-timestamp and webhook-signature are required");
    };
    let Ok(seconds) = timestamp.trim().parse::<i64>() else {
        return refuse("webhook-timestamp is not Unix seconds");
    };
    if (now - seconds).abs() > WEBHOOK_TOLERANCE_SECONDS {
        return refuse("webhook-timestamp is more than five minutes from now");
    }
    let key = secret.strip_prefix("whsec_").unwrap_or(secret);
    let Ok(key) = base64::engine::general_purpose::STANDARD.decode(key) else {
        return Err(AppError::Forbidden(
            "feeds.webhook_secret is not whsec_ followed by base64".to_owned(),
        ));
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key)
        .map_err(|_| AppError::Forbidden("the webhook secret is unusable".to_owned()))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let matched = signatures
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|candidate| same(candidate, &expected));
    if matched {
        Ok(())
    } else {
        refuse("no v1 signature matches the body")
    }
}

/// A 问卷星 push value for a question: scores as numbers, choice codes (1-based, `1,2` for
/// several) as option keys, anything else as text.
fn wjx_answer(kind: &QuestionKind, raw: &str) -> Value {
    let option = |options: &[cxm_domain::ChoiceOption], code: &str| -> Value {
        code.trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| options.get(i))
            .map_or_else(|| Value::from(code.trim()), |o| Value::from(o.key.as_str()))
    };
    match kind {
        QuestionKind::Nps { .. } | QuestionKind::Rating { .. } => raw
            .parse::<i64>()
            .map_or_else(|_| Value::from(raw), Value::from),
        QuestionKind::SingleChoice { options } => option(options, raw),
        QuestionKind::MultiChoice { options } => Value::Array(
            raw.split([',', '┋', '|'])
                .filter(|c| !c.trim().is_empty())
                .map(|c| option(options, c))
                .collect(),
        ),
        _ => Value::from(raw),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_signatures_are_checked() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let headers = WebhookHeaders {
            id: Some("msg_p5jXN8AQM9LWM0D4loKWxJek".into()),
            timestamp: Some("1614265330".into()),
            signature: Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".into()),
        };
        let body = br#"{"test": 2432232314}"#;
        assert!(verify_webhook(secret, &headers, body, 1_614_265_330).is_ok());
        assert!(verify_webhook(secret, &headers, b"{}", 1_614_265_330).is_err());
        assert!(verify_webhook(secret, &headers, body, 1_614_265_330 + 301).is_err());
        let missing = WebhookHeaders {
            signature: None,
            ..headers
        };
        assert!(verify_webhook(secret, &missing, body, 1_614_265_330).is_err());
    }
}
