//! Formbricks CSV/XLSX exports: `No., Response ID, Timestamp, Finished, [Quotas], Survey ID,
//! Formbricks ID (internal), User ID, Tags`, response metadata, then the survey's elements,
//! variables, hidden fields and `person.<attribute>` columns.

use crate::generic::{metadata_role, question_key};
use crate::layout::{Column, Format, Layout, Role, dimension_key};

/// Response metadata Formbricks exports beside the answers.
const META: [&str; 9] = [
    "url",
    "source",
    "action",
    "country",
    "userAgent - browser",
    "userAgent - os",
    "userAgent - device",
    "Language",
    "Verified Email",
];

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let header = rows.first().cloned().unwrap_or_default();
    let columns = header
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let text = text.trim();
            let role = match text {
                "No." => Role::ignored("row number"),
                "Response ID" => Role::ResponseId,
                "Timestamp" => Role::SubmittedAt,
                "Finished" => Role::Complete,
                "Quotas" | "Survey ID" | "Formbricks ID (internal)" | "Tags" | "Notes" => {
                    Role::ignored("Formbricks bookkeeping")
                }
                "User ID" => Role::CustomerId,
                "Verified Email" => Role::CustomerEmail,
                "Language" => Role::Language,
                _ if META.contains(&text) => Role::Dimension {
                    key: dimension_key(text, index),
                },
                _ if text.starts_with("person.") => Role::Dimension {
                    key: dimension_key(&text["person.".len()..], index),
                },
                _ => metadata_role(text, index)
                    .unwrap_or_else(|| Role::whole(question_key(text, index), text)),
            };
            Column {
                index,
                header: text.to_owned(),
                role,
            }
        })
        .collect();
    Layout {
        format: Format::Formbricks,
        header_rows: 1,
        columns,
    }
}
