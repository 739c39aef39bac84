//! Qualtrics exports. Current files have three header rows (export tags, question texts,
//! `{"ImportId":…}`) and are keyed on the ImportId, which survives renamed tags and another
//! account language; legacy files have two (`V1…`, then names and texts).

use crate::layout::{Column, Format, Layout, Role, dimension_key, slug};

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let legacy = !rows
        .iter()
        .take(3)
        .flatten()
        .any(|c| c.contains("{\"ImportId\":"));
    let tags = rows.first().cloned().unwrap_or_default();
    let texts = rows.get(1).cloned().unwrap_or_default();
    let ids: Vec<String> = if legacy {
        Vec::new()
    } else {
        rows.get(2)
            .map(|r| r.iter().map(|c| import_id(c)).collect())
            .unwrap_or_default()
    };
    let columns = tags
        .iter()
        .enumerate()
        .map(|(index, tag)| {
            let text = texts.get(index).map(|t| t.trim()).unwrap_or("");
            let role = if legacy {
                legacy_role(tag.trim(), text, index)
            } else {
                let id = ids.get(index).map(String::as_str).unwrap_or("");
                current_role(id, tag.trim(), text, index)
            };
            Column {
                index,
                header: if text.is_empty() {
                    tag.trim().to_owned()
                } else {
                    text.to_owned()
                },
                role,
            }
        })
        .collect();
    Layout {
        format: Format::Qualtrics,
        header_rows: if legacy { 2 } else { 3 },
        columns,
    }
}

/// The ImportId of a third-row cell such as `{"ImportId":"QID1","timeZone":"…"}`.
fn import_id(cell: &str) -> String {
    serde_json::from_str::<serde_json::Value>(cell)
        .ok()
        .and_then(|v| {
            v.get("ImportId")
                .and_then(|i| i.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| cell.trim().to_owned())
}

fn metadata(name: &str) -> Option<Role> {
    let role = match name {
        "startDate" | "StartDate" => Role::StartedAt,
        "endDate" | "EndDate" => Role::SubmittedAt,
        "_recordId" | "ResponseId" | "ResponseID" => Role::ResponseId,
        "finished" | "Finished" => Role::Complete,
        "ipAddress" | "IPAddress" => Role::Ip,
        "recipientEmail" | "RecipientEmail" | "EmailAddress" => Role::CustomerEmail,
        "externalDataReference" | "ExternalReference" | "ExternalDataReference" => Role::CustomerId,
        "distributionChannel" | "DistributionChannel" => Role::Channel,
        "userLanguage" | "UserLanguage" | "Q_Language" => Role::Language,
        "recipientFirstName" | "recipientLastName" | "RecipientFirstName" | "RecipientLastName"
        | "Name" => Role::CustomerName,
        "status" | "Status" => Role::ignored("response type (normal, preview, test…)"),
        "progress" | "Progress" => Role::ignored("progress; Finished says whether complete"),
        "duration" | "Duration (in seconds)" => Role::ignored("duration"),
        "recordedDate" | "RecordedDate" => Role::ignored("recorded date; EndDate is used"),
        "locationLatitude" | "locationLongitude" | "LocationLatitude" | "LocationLongitude"
        | "LocationAccuracy" => Role::ignored("location is personal data cxm does not keep"),
        "ResponseSet" => Role::ignored("response set"),
        // Qualtrics' bot and fraud checks and its own timers: fields of every response, not
        // segments of customers.
        "Q_RecaptchaScore"
        | "Q_RelevantIDDuplicate"
        | "Q_RelevantIDDuplicateScore"
        | "Q_RelevantIDFraudScore"
        | "Q_RelevantIDLastStartDate"
        | "Q_BallotBoxStuffing"
        | "Q_DuplicateRespondent"
        | "Q_DuplicateScore"
        | "Q_AmbiguousTextPresent"
        | "Q_AmbiguousTextQuestions"
        | "Q_UnansweredPercentage"
        | "Q_UnansweredQuestions"
        | "Q_StraightliningCount"
        | "Q_StraightliningPercentage"
        | "Q_StraightliningQuestions"
        | "Q_ChatBotProbability" => Role::ignored("Qualtrics' bot and fraud check"),
        "Q_TotalDuration" => Role::ignored("duration"),
        _ => return None,
    };
    Some(role)
}

fn current_role(id: &str, tag: &str, text: &str, index: usize) -> Role {
    if let Some(role) = metadata(id) {
        return role;
    }
    if let Some(rest) = id.strip_prefix("QID") {
        return question_role(rest, tag, text, index);
    }
    if tag.ends_with("_NPS_GROUP") {
        return Role::ignored("NPS group: recomputed from the score");
    }
    if id.is_empty() && tag.is_empty() {
        return Role::ignored("no header");
    }
    // Embedded data: the ImportId is the field's name.
    Role::Dimension {
        key: dimension_key(if id.is_empty() { tag } else { id }, index),
    }
}

/// The role of a `QID…` column, `rest` being what follows `QID`.
fn question_role(rest: &str, tag: &str, text: &str, index: usize) -> Role {
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Role::ignored("unrecognised ImportId");
    }
    let key = format!("qid{digits}");
    let suffix = rest[digits.len()..].trim_start_matches('_');
    let (question_text, item_label) = split_item_text(text);
    if suffix.is_empty() {
        return Role::whole(key, text);
    }
    if suffix == "NPS_GROUP" || tag.ends_with("_NPS_GROUP") {
        return Role::ignored("NPS group: recomputed from the score");
    }
    if suffix == "TEXT" {
        return Role::whole(key, text);
    }
    if suffix.starts_with("TEXT") || tag.contains(" - ") || text.contains(" - Topics") {
        return Role::ignored("Text iQ output: cxm analyses the text itself");
    }
    if let Some(choice) = suffix.strip_suffix("_TEXT") {
        let choice = slug(choice).unwrap_or_else(|| format!("c{index}"));
        return Role::whole(format!("{key}_{choice}_text"), text);
    }
    let item = slug(suffix).unwrap_or_else(|| format!("c{index}"));
    Role::item(
        key,
        question_text,
        item.clone(),
        item_label.unwrap_or(item.as_str()),
    )
}

/// Qualtrics labels a sub-item's column `question text - item label`.
fn split_item_text(text: &str) -> (&str, Option<&str>) {
    match text.rsplit_once(" - ") {
        Some((question, item)) => (question.trim(), Some(item.trim())),
        None => (text, None),
    }
}

fn legacy_role(tag: &str, name: &str, index: usize) -> Role {
    if let Some(role) = metadata(name) {
        return role;
    }
    if tag.starts_with('V') && tag[1..].chars().all(|c| c.is_ascii_digit()) {
        return Role::ignored("legacy metadata");
    }
    if let Some(rest) = tag.strip_prefix('Q') {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            return question_role(rest, tag, name, index);
        }
    }
    if tag.starts_with("Location") {
        return Role::ignored("location is personal data cxm does not keep");
    }
    Role::Dimension {
        key: dimension_key(tag, index),
    }
}
