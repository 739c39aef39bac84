//! SurveyMonkey "All responses data": row 1 has respondent fields and one heading per
//! question (in the first of its columns only), row 2 what each column holds: `Response`,
//! `Open-Ended Response`, an option or matrix-row label, `Other (please specify)`.

use crate::layout::{Column, Format, Layout, Role, dimension_key, slug};

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let first = rows.first().cloned().unwrap_or_default();
    let second = rows.get(1).cloned().unwrap_or_default();
    let mut columns = Vec::with_capacity(first.len());
    let mut question: Option<(String, String)> = None;
    let mut questions = 0usize;
    let mut items_of_question = 0usize;
    for index in 0..first.len().max(second.len()) {
        let heading = first.get(index).map(|h| h.trim()).unwrap_or("");
        let sub = second.get(index).map(|h| h.trim()).unwrap_or("");
        let metadata = match heading {
            "Respondent ID" => Some(Role::ResponseId),
            "Collector ID" => Some(Role::Dimension {
                key: "collector".to_owned(),
            }),
            "Start Date" => Some(Role::StartedAt),
            "End Date" => Some(Role::SubmittedAt),
            "IP Address" => Some(Role::Ip),
            "Email Address" => Some(Role::CustomerEmail),
            "First Name" | "Last Name" => Some(Role::CustomerName),
            _ if heading.starts_with("Custom Data") => Some(Role::Dimension {
                key: dimension_key(heading, index),
            }),
            _ => None,
        };
        let role = if let Some(role) = metadata {
            question = None;
            role
        } else {
            if !heading.is_empty() {
                questions += 1;
                items_of_question = 0;
                question = Some((format!("q{questions}"), heading.to_owned()));
            }
            match &question {
                None => Role::ignored("no heading"),
                Some((key, text)) => match sub {
                    "" | "Response" | "Open-Ended Response" => {
                        Role::whole(key.clone(), text.clone())
                    }
                    "Other (please specify)" | "Other (please specify) " => {
                        Role::whole(format!("{key}_other"), format!("{text} (other)"))
                    }
                    label => {
                        items_of_question += 1;
                        let item = slug(label)
                            .filter(|s| s.len() <= 24)
                            .unwrap_or_else(|| format!("o{items_of_question}"));
                        Role::item(key.clone(), text.clone(), item, label)
                    }
                },
            }
        };
        columns.push(Column {
            index,
            header: if heading.is_empty() {
                sub.to_owned()
            } else {
                heading.to_owned()
            },
            role,
        });
    }
    Layout {
        format: Format::SurveyMonkey,
        header_rows: 2,
        columns,
    }
}
