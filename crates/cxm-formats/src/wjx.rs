//! 问卷星 (wjx.cn) exports, by text (按文本) or by code (按序号): six metadata columns, then
//! questions headed `N、题干` (or `N：`, `N:`); the code variant splits multiple-choice and
//! matrix questions into `第N题(选项)` or `N(选项)` sub-columns; `N、(其他…)` holds "other"
//! text. Multiple choices are joined with `┋` and rankings with `→` in the text variant; `-2`
//! and `-3` mark questions not shown or skipped.

use crate::generic::metadata_role;
use crate::layout::{Column, Format, Layout, Role, dimension_key};

pub(crate) fn layout(rows: &[Vec<String>]) -> Layout {
    let header = rows.first().cloned().unwrap_or_default();
    let mut item_counts: std::collections::HashMap<u32, usize> = Default::default();
    let columns = header
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let text = text.trim();
            let role = match text {
                "序号" => Role::ResponseId,
                "提交答卷时间" => Role::SubmittedAt,
                "所用时间" => Role::ignored("time taken"),
                "来源" => Role::Dimension {
                    key: "wjx_source".to_owned(),
                },
                "来源详情" => Role::Dimension {
                    key: "wjx_source_detail".to_owned(),
                },
                "来自IP" => Role::Ip,
                "总分" => Role::ignored("quiz score"),
                _ => question_role(text, &mut item_counts)
                    .or_else(|| metadata_role(text, index))
                    .unwrap_or_else(|| Role::Dimension {
                        key: dimension_key(text, index),
                    }),
            };
            Column {
                index,
                header: text.to_owned(),
                role,
            }
        })
        .collect();
    Layout {
        format: Format::Wjx,
        header_rows: 1,
        columns,
    }
}

fn question_role(
    text: &str,
    item_counts: &mut std::collections::HashMap<u32, usize>,
) -> Option<Role> {
    // 第N题(选项)
    if let Some(rest) = text.strip_prefix('第') {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = &rest[digits.len()..];
        if let (Ok(number), Some(label)) = (digits.parse::<u32>(), after.strip_prefix('题')) {
            return Some(item(number, label, item_counts));
        }
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.parse().ok()?;
    let after = &text[digits.len()..];
    let key = format!("q{number}");
    // N、(其他…) holds the "other" text of question N.
    for separator in ['、', '：', ':', '.'] {
        if let Some(stem) = after.strip_prefix(separator) {
            let stem = stem.trim();
            if stem.starts_with('(') && stem.contains("其他") {
                return Some(Role::whole(format!("{key}_other"), stem));
            }
            return Some(Role::whole(key, stem));
        }
    }
    // N(选项)
    if after.starts_with('(') || after.starts_with('（') {
        return Some(item(number, after, item_counts));
    }
    None
}

fn item(number: u32, label: &str, item_counts: &mut std::collections::HashMap<u32, usize>) -> Role {
    let label = label
        .trim()
        .trim_start_matches(['(', '（'])
        .trim_end_matches([')', '）'])
        .trim();
    let count = item_counts.entry(number).or_default();
    *count += 1;
    Role::item(
        format!("q{number}"),
        format!("第{number}题"),
        format!("o{count}"),
        label,
    )
}
