//! The generic layout: one row per response, one column per question, with the response id,
//! time, channel, language, customer and dimension columns found by their usual names in
//! English and Chinese (and those of Google Forms, Typeform, Jotform, Microsoft Forms and
//! Alchemer). A file with no time column by name takes the first column that speaks of a
//! date or time in its header and holds nothing but times (`tweet_created`, `下单时间`). A
//! mapping file ([`crate::Mapping`]) says the rest.

use crate::layout::{Column, Format, Layout, Part, Role, chinese_segment, dimension_key, slug};

/// The role a header's trailing tag gives it, as cxm's own exports write them:
/// `提交时间 [submitted_at]`, `地区 [dimension:region]`, `推荐意愿 [nps]`, `期望 - 速度 [ep.speed]`.
pub(crate) fn tagged_role(header: &str) -> Option<Role> {
    let header = header.trim();
    let open = header
        .rfind(" [")
        .or_else(|| header.starts_with('[').then_some(0))?;
    let tag = header[open..].trim().strip_prefix('[')?.strip_suffix(']')?;
    let text = header[..open].trim();
    if let Some(key) = tag.strip_prefix("dimension:") {
        return cxm_domain::DimensionKey::parse(key)
            .ok()
            .map(|_| Role::Dimension {
                key: key.to_owned(),
            });
    }
    let role = match tag {
        "response_id" => Role::ResponseId,
        "source" => Role::Source,
        "source_id" => Role::SourceId,
        "survey" => Role::Survey,
        "submitted_at" => Role::SubmittedAt,
        "channel" => Role::Channel,
        "touchpoint" => Role::Touchpoint,
        "language" => Role::Language,
        "customer_id" => Role::CustomerId,
        "complete" => Role::Complete,
        _ => {
            cxm_domain::QuestionKey::parse(tag).ok()?;
            return Some(match tag.split_once('.') {
                Some((question, item)) => {
                    let (question_text, label) = text.rsplit_once(" - ").unwrap_or((text, item));
                    Role::item(question, question_text.trim(), item, label.trim())
                }
                None => Role::whole(tag, text),
            });
        }
    };
    Some(role)
}

/// Usual names of metadata columns (compared after lower-casing and trimming).
pub(crate) fn metadata_role(header: &str, index: usize) -> Option<Role> {
    if let Some(role) = tagged_role(header) {
        return Some(role);
    }
    let name = header.trim().to_lowercase();
    let role = match name.as_str() {
        "response_id" | "response id" | "responseid" | "id" | "respondent_id" | "respondent id"
        | "submission_id" | "submission id" | "#" | "序号" | "编号" | "答卷编号" | "答卷id" => {
            Role::ResponseId
        }
        // Google Forms' `Timestamp`, Typeform's `Submit Date (UTC)`, Jotform's `Submission
        // Date`, Microsoft Forms' `Completion time`.
        "submitted_at" | "submitted at" | "submitted" | "date" | "timestamp" | "created_at"
        | "created at" | "collected_at" | "response date" | "end date" | "enddate" | "time"
        | "submit date" | "submit date (utc)" | "submission date" | "date submitted"
        | "completion time" | "completed at" | "end time" | "提交时间" | "提交答卷时间"
        | "答题时间" | "日期" | "时间" => Role::SubmittedAt,
        "started_at" | "start date" | "startdate" | "start date (utc)" | "start time"
        | "time started" | "开始时间" => Role::StartedAt,
        "complete" | "completed" | "finished" | "是否完成" => Role::Complete,
        "channel" | "渠道来源" => Role::Channel,
        "language" | "lang" | "语言" => Role::Language,
        // Jotform's `Submission IP`; Typeform's `Network ID` is a hash of the address.
        "ip" | "ip address" | "ip_address" | "ipaddress" | "submission ip" | "network id"
        | "来自ip" | "ip地址" => Role::Ip,
        "customer_id" | "customer id" | "user_id" | "user id" | "member_id" | "客户id"
        | "客户编号" | "会员号" | "用户id" => Role::CustomerId,
        "email" | "email address" | "e-mail" | "邮箱" => Role::CustomerEmail,
        "name" | "customer name" | "姓名" | "客户姓名" => Role::CustomerName,
        "touchpoint" | "触点" => Role::Touchpoint,
        "region" | "store" | "city" | "province" | "country" | "product" | "category" | "tier"
        | "segment" | "age_group" | "age group" | "gender" | "department" | "branch" | "brand"
        | "market" | "business unit" | "value tier" | "value_tier" | "customer type"
        | "customer_type" | "customer segment" | "class" | "cabin" | "cabin class"
        | "travel class" | "type of travel" | "travel type" => Role::Dimension {
            key: dimension_key(header, index),
        },
        zh if chinese_segment(zh).is_some() => Role::Dimension {
            key: dimension_key(header, index),
        },
        _ => return None,
    };
    Some(role)
}

/// Longest question key made from a header.
const KEY_CHARS: usize = 32;

/// Words a long header's key leaves out: what is left names the question.
const FILLER_WORDS: [&str; 30] = [
    "a", "an", "and", "are", "as", "at", "by", "did", "do", "does", "for", "from", "how", "in",
    "is", "it", "of", "on", "or", "our", "please", "the", "this", "to", "us", "was", "were",
    "with", "you", "your",
];

/// A question key for a header: its slug when it has one and it is short; for a long header
/// the slug of its words without fillers, cut at a word (`How likely are you to recommend us
/// to a friend?` → `likely_recommend_friend`); else `q<N>` by column.
pub(crate) fn question_key(header: &str, index: usize) -> String {
    let fallback = || format!("q{}", index + 1);
    let Some(full) = slug(header) else {
        return fallback();
    };
    if full.len() <= KEY_CHARS {
        return full;
    }
    let mut key = String::new();
    let words = header
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase);
    for word in words.filter(|w| !w.is_empty() && !FILLER_WORDS.contains(&w.as_str())) {
        if key.len() + word.len() + usize::from(!key.is_empty()) > KEY_CHARS {
            break;
        }
        if !key.is_empty() {
            key.push('_');
        }
        key.push_str(&word);
    }
    // A key this short says less than the column's number.
    if key.len() < 4 { fallback() } else { key }
}

/// The columns of a generic layout without a time column that may hold the submission time:
/// answers whose header speaks of a date or time. The first whose filled cells are all times
/// becomes the submission time ([`crate::prepare`] checks the cells).
pub(crate) fn time_candidates(layout: &Layout) -> Vec<usize> {
    let timed = layout
        .columns
        .iter()
        .any(|c| matches!(c.role, Role::SubmittedAt | Role::StartedAt));
    if layout.format != Format::Generic || timed {
        return Vec::new();
    }
    const WORDS: [&str; 8] = [
        "date",
        "time",
        "created",
        "submitted",
        "completed",
        "_at",
        "日期",
        "时间",
    ];
    layout
        .columns
        .iter()
        .filter(|c| {
            matches!(
                &c.role,
                Role::Answer {
                    part: Part::Whole,
                    ..
                }
            )
        })
        .filter(|c| {
            let header = c.header.to_lowercase();
            WORDS.iter().any(|w| header.contains(w))
        })
        .map(|c| c.index)
        .collect()
}

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let header = rows.first().cloned().unwrap_or_default();
    let mut seen_id = false;
    let mut seen_time = false;
    let columns = header
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let role = match metadata_role(text, index) {
                // Only the first of several id or time columns is the one.
                Some(Role::ResponseId) if seen_id => Role::ignored("a second id column"),
                Some(Role::SubmittedAt) if seen_time => Role::ignored("a second time column"),
                Some(role) => {
                    seen_id |= role == Role::ResponseId;
                    seen_time |= role == Role::SubmittedAt;
                    role
                }
                None if text.trim().is_empty() => Role::ignored("no header"),
                None => Role::whole(question_key(text, index), text.trim()),
            };
            Column {
                index,
                header: text.trim().to_owned(),
                role,
            }
        })
        .collect();
    Layout {
        format: Format::Generic,
        header_rows: 1,
        columns,
    }
}

#[cfg(test)]
mod tests {
    use super::question_key;

    #[test]
    fn long_headers_make_keys_of_their_words() {
        for (header, key) in [
            ("Seat Comfort", "seat_comfort"),
            (
                "How likely are you to recommend us to a friend?",
                "likely_recommend_friend",
            ),
            (
                "How satisfied were you with the speed of delivery of your order",
                "satisfied_speed_delivery_order",
            ),
            (
                "Departure and Arrival Time Convenience",
                "departure_arrival_time",
            ),
            ("推荐意愿", "q3"),
            (
                "Supercalifragilisticexpialidocious_and_then_some_more_words",
                "q3",
            ),
        ] {
            assert_eq!(question_key(header, 2), key, "{header}");
        }
    }
}
