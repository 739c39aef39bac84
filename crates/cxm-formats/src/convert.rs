//! Turning a data row into a response with a [`Plan`]: ids, times, channel, language,
//! customer, dimensions and answers, every bad cell reported with its row, column, value and
//! reason. The response is then validated against the survey like any other.

use std::collections::{BTreeMap, HashMap};

use cxm_domain::{Channel, CustomerInput, ResponseInput, TimeZone};
use serde_json::Value;

use crate::infer::{is_na_marker, scale_point, whole_number};
use crate::plan::{Conv, is_missing};
use crate::time::parse_time;
use crate::{CellProblem, Plan, Record};

impl Plan {
    /// The response a data row holds.
    ///
    /// # Errors
    /// Every problem of the row, each naming its column and value; none when the file has no
    /// time at all (the plan's own problem says so once).
    pub fn convert(&self, record: &Record) -> Result<ResponseInput, Vec<CellProblem>> {
        let mut problems = Vec::new();
        let cell = |index: usize| -> &str {
            let value = record.cells.get(index).map(|c| c.trim()).unwrap_or("");
            let codes = self.missing.get(index).map_or(&[][..], Vec::as_slice);
            if is_missing(self.format, value, codes) {
                ""
            } else {
                value
            }
        };
        let problem = |index: usize, reason: String| CellProblem {
            row: record.row,
            column: self.headers.get(index).cloned().unwrap_or_default(),
            value: record.cells.get(index).cloned().unwrap_or_default(),
            reason,
        };
        let meta = &self.meta;

        let id = match meta.id {
            Some(index) if !cell(index).is_empty() => cell(index).to_owned(),
            Some(index) => {
                problems.push(problem(index, "the response id is empty".to_owned()));
                String::new()
            }
            None => content_key(&record.cells),
        };
        // cxm's own exports carry the source each response was first stored from, and its id
        // there: imported into the survey they were exported from (in this database or
        // another), they key the response, so it keeps its identity. Into another survey, the
        // rows are copies.
        let same_survey = meta
            .survey
            .is_none_or(|index| cell(index) == self.survey.key.as_str());
        let (source, id) = match (meta.source.map(cell), meta.source_id.map(cell)) {
            (Some(source), Some(source_id))
                if same_survey && !source.is_empty() && !source_id.is_empty() =>
            {
                (source.to_owned(), source_id.to_owned())
            }
            _ => (self.source.clone(), id),
        };

        let submitted = meta
            .submitted
            .iter()
            .map(|&i| (i, cell(i)))
            .find(|(_, v)| !v.is_empty());
        let started = meta
            .started
            .iter()
            .map(|&i| (i, cell(i)))
            .find(|(_, v)| !v.is_empty());
        let mut complete = None;
        let mut untimed = false;
        let time = match (submitted, started) {
            (Some((index, text)), _) | (None, Some((index, text))) => {
                if submitted.is_none() && meta.empty_submit_is_partial {
                    complete = Some(false);
                }
                // Typeform's `Submit Date (UTC)` says its zone; other times are local.
                let zone = if meta.utc.contains(&index) {
                    &TimeZone::utc()
                } else {
                    &self.zone
                };
                match parse_time(text, zone) {
                    Some(time) => time.to_rfc3339(),
                    None => {
                        problems.push(problem(index, "not a time cxm can read (e.g. 2026-09-03 12:00:00, 2026/09/03 12:00, 09/03/2026 12:00:00 PM, 3-Sep-2026, RFC 3339, Unix seconds)".to_owned()));
                        String::new()
                    }
                }
            }
            (None, None) if let Some(time) = &self.default_submitted_at => time.clone(),
            (None, None) => {
                match meta.submitted.first().or(meta.started.first()) {
                    Some(&index) => {
                        problems.push(problem(index, "the submission time is empty".to_owned()));
                    }
                    // The plan refuses a file without a time column once; its rows are
                    // rejected without saying so again on every one.
                    None => untimed = true,
                }
                String::new()
            }
        };
        if let Some(index) = meta.complete {
            match cell(index).to_lowercase().as_str() {
                "" => {}
                "1" | "true" | "yes" | "complete" | "completed" | "finished" | "是" | "完成"
                | "已完成" => complete = complete.or(Some(true)),
                "0" | "false" | "no" | "partial" | "incomplete" | "否" | "未完成" => {
                    complete = Some(false);
                }
                _ => problems.push(problem(
                    index,
                    "not a yes/no value (1/0, true/false)".to_owned(),
                )),
            }
        }
        let channel = meta.channel.and_then(|index| {
            let value = cell(index).to_lowercase();
            match value.as_str() {
                "" => None,
                "anonymous" | "gl" | "social" | "web" | "link" | "链接" | "qr" => {
                    Some(Channel::Web)
                }
                "email" | "邮件" => Some(Channel::Email),
                "sms" | "短信" => Some(Channel::Sms),
                "app" => Some(Channel::App),
                "phone" | "电话" => Some(Channel::Phone),
                "store" | "门店" => Some(Channel::Store),
                "api" => Some(Channel::Api),
                _ => Some(Channel::Import),
            }
        });
        let language = meta.language.map(cell).filter(|v| !v.is_empty()).map(|v| {
            let lower = v.to_lowercase().replace('_', "-");
            match lower.split('-').next() {
                Some(primary) if !primary.is_empty() => primary.to_owned(),
                _ => lower,
            }
        });
        let mut dimensions = BTreeMap::new();
        for (index, key) in &meta.dimensions {
            let value = cell(*index);
            if !value.is_empty() {
                dimensions.insert(key.clone(), value.chars().take(200).collect());
            }
        }
        let email = meta.email.map(cell).filter(|v| !v.is_empty());
        let name: Vec<&str> = meta
            .names
            .iter()
            .map(|&i| cell(i))
            .filter(|v| !v.is_empty())
            .collect();
        let customer = meta
            .customer_id
            .map(cell)
            .filter(|v| !v.is_empty())
            .or(email)
            .map(|external_id| CustomerInput {
                external_id: external_id.to_owned(),
                name: (!name.is_empty()).then(|| name.join(" ")),
                email: email.filter(|e| e.contains('@')).map(str::to_owned),
                ..CustomerInput::default()
            });

        let mut answers = BTreeMap::new();
        for question in &self.questions {
            match self.answer(&question.conv, &cell) {
                Ok(Some(value)) => {
                    answers.insert(question.key.clone(), value);
                }
                Ok(None) => {}
                Err((index, reason)) => problems.push(problem(index, reason)),
            }
        }
        if untimed || !problems.is_empty() {
            return Err(problems);
        }
        Ok(ResponseInput {
            survey: self.survey.key.clone(),
            id: Some(id),
            source: Some(source),
            submitted_at: time,
            channel: Some(channel.unwrap_or(Channel::Import)),
            touchpoint: meta
                .touchpoint
                .map(cell)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            language,
            dimensions,
            customer,
            answers,
            complete,
        })
    }

    /// One question's answer, `None` when skipped; an error names the column and reason.
    fn answer<'c>(
        &self,
        conv: &Conv,
        cell: &impl Fn(usize) -> &'c str,
    ) -> Result<Option<Value>, (usize, String)> {
        let number = |index: usize, shift: i64| -> Result<Option<Value>, (usize, String)> {
            let value = cell(index);
            if value.is_empty() || is_na_marker(value) {
                return Ok(None);
            }
            match whole_number(value).or_else(|| scale_point(value)) {
                Some(n) => Ok(Some(Value::from(n - shift))),
                None => Err((index, "not a number on the question's scale".to_owned())),
            }
        };
        let option =
            |index: usize, options: &std::collections::HashMap<String, String>, value: &str| {
                options
                    .get(&value.trim().to_lowercase())
                    .cloned()
                    .ok_or_else(|| {
                        (
                            index,
                            format!("{value:?} is not an option of this question"),
                        )
                    })
            };
        // `NA` and the like are no answer, unless the question has such an option.
        let unanswered = |options: &HashMap<String, String>, value: &str| {
            value.is_empty()
                || (is_na_marker(value) && !options.contains_key(&value.trim().to_lowercase()))
        };
        Ok(match conv {
            Conv::Number { column, shift } => return number(*column, *shift),
            Conv::Text { column } => Some(cell(*column))
                .filter(|v| !v.is_empty())
                .map(Value::from),
            Conv::Choice { column, options } => {
                let value = cell(*column);
                if unanswered(options, value) {
                    None
                } else {
                    Some(Value::from(option(*column, options, value)?))
                }
            }
            Conv::Multi {
                column,
                options,
                separator,
            } => {
                let value = cell(*column);
                let mut chosen = Vec::new();
                for part in value
                    .split(*separator)
                    .map(str::trim)
                    .filter(|p| !unanswered(options, p))
                {
                    chosen.push(Value::from(option(*column, options, part)?));
                }
                (!chosen.is_empty()).then_some(Value::Array(chosen))
            }
            Conv::Items { items } => {
                let chosen: Vec<Value> = items
                    .iter()
                    .filter(|(index, _)| {
                        let value = cell(*index);
                        !matches!(value, "" | "0") && !is_na_marker(value)
                    })
                    .map(|(_, key)| Value::from(key.clone()))
                    .collect();
                (!chosen.is_empty()).then_some(Value::Array(chosen))
            }
            Conv::Matrix { rows } => {
                let mut cells = serde_json::Map::new();
                for (index, key) in rows {
                    if let Some(value) = number(*index, 0)? {
                        cells.insert(key.clone(), value);
                    }
                }
                (!cells.is_empty()).then_some(Value::Object(cells))
            }
        })
    }
}

/// Tells identical rows of a file without response ids apart: a row keeps its content key
/// the first time it is seen and its n-th copy becomes `<key>-n`, so two respondents who
/// answered alike stay two responses, while importing the same file again (or a later export
/// holding the same rows and more) still updates each row instead of duplicating it.
#[derive(Debug, Default)]
pub struct RowRepeats {
    seen: HashMap<u128, u32>,
}

impl RowRepeats {
    /// Numbers `input` among the copies of its row seen so far (files with ids are left as
    /// they are).
    pub fn number(&mut self, plan: &Plan, input: &mut ResponseInput) {
        if !plan.keyed_by_content {
            return;
        }
        let Some(id) = &mut input.id else { return };
        let Some(hash) = id
            .strip_prefix("row-")
            .and_then(|hex| u128::from_str_radix(hex, 16).ok())
        else {
            return;
        };
        let copies = self.seen.entry(hash).or_insert(0);
        *copies += 1;
        if *copies > 1 {
            *id = format!("{id}-{copies}");
        }
    }
}

/// A key for a row of a file without response ids: the same row always gets the same key,
/// so importing the file again updates instead of duplicating (with [`RowRepeats`] telling
/// copies of one row apart).
fn content_key(cells: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut second: u64 = 0x8422_2325_cbf2_9ce4;
    for cell in cells {
        for byte in cell.trim().bytes().chain([0x1f]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            second = (second ^ u64::from(byte))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(5);
        }
    }
    format!("row-{hash:016x}{second:016x}")
}
