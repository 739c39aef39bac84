//! Delighted CSV exports: one row per response with the score, the comment, the person, one
//! column per person property (including the `Delighted …` ones added automatically), tags,
//! notes and one column per additional question. The layout is not published, so columns are
//! matched by name and whatever is left is read as a question.

use crate::generic::{metadata_role, question_key};
use crate::layout::{Column, Format, Layout, Role, dimension_key};

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let header = rows.first().cloned().unwrap_or_default();
    let columns = header
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let text = text.trim();
            let role = match text {
                "Response ID" => Role::ResponseId,
                "Response Timestamp" | "Created At" | "Date" | "Response Date" => Role::SubmittedAt,
                "Updated At" => Role::ignored("update time"),
                "Score" => Role::whole("score", "Score"),
                "Comment" => Role::whole("comment", "Comment"),
                "Name" => Role::CustomerName,
                "Email" => Role::CustomerEmail,
                "Person ID" | "Person Id" => Role::CustomerId,
                "Survey type" | "Survey Type" => {
                    Role::ignored("survey type (the score's scale is inferred)")
                }
                "Tags" | "Notes" | "Permalink" => Role::ignored("Delighted bookkeeping"),
                _ if text.starts_with("Delighted ") => Role::Dimension {
                    key: dimension_key(text, index),
                },
                _ => match metadata_role(text, index) {
                    Some(role) => role,
                    None if text.ends_with('?') || text.chars().count() > 40 => {
                        Role::whole(question_key(text, index), text)
                    }
                    // Person properties such as "Country" or "Purchase Experience".
                    None => Role::Dimension {
                        key: dimension_key(text, index),
                    },
                },
            };
            Column {
                index,
                header: text.to_owned(),
                role,
            }
        })
        .collect();
    Layout {
        format: Format::Delighted,
        header_rows: 1,
        columns,
    }
}
