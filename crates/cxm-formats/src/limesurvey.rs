//! LimeSurvey CSV exports with question codes as headings: `id, submitdate, lastpage,
//! startlanguage, seed, token, startdate, datestamp, ipaddr, refurl`, then `Q1`,
//! `Q2[SQ001]` (a sub-question: an option or a matrix row) and `Q3[other]`.

use crate::generic::question_key;
use crate::layout::{Column, Format, Layout, Role, slug};

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let header = rows.first().cloned().unwrap_or_default();
    let columns = header
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let text = text.trim();
            let role = match text {
                "id" => Role::ResponseId,
                "submitdate" => Role::SubmittedAt,
                "datestamp" | "startdate" => Role::StartedAt,
                "startlanguage" => Role::Language,
                "ipaddr" => Role::Ip,
                "lastpage" | "seed" | "token" | "refurl" => Role::ignored("LimeSurvey bookkeeping"),
                _ => match text.split_once('[') {
                    Some((code, rest)) => {
                        let sub = rest.trim_end_matches(']');
                        let key = question_key(code, index);
                        match sub.to_ascii_lowercase().as_str() {
                            "other" | "comment" => {
                                Role::whole(format!("{key}_{}", sub.to_ascii_lowercase()), text)
                            }
                            _ => {
                                let item = slug(sub).unwrap_or_else(|| format!("s{index}"));
                                Role::item(key, code, item, sub)
                            }
                        }
                    }
                    None => Role::whole(question_key(text, index), text),
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
        format: Format::LimeSurvey,
        header_rows: 1,
        columns,
    }
}
