//! Ingest: responses from the API, JSON-lines files and long-format CSV files, validated
//! against their surveys, stamped with local days, and stored atomically.
//!
//! Nothing of a rejected batch is stored: every row is validated first and every problem is
//! reported with its row and field; only a clean batch reaches the store, which writes it in
//! one transaction.
//!
//! The CSV long format (documented in `docs/ingest-formats.md`) has one row per answer:
//! `response_id, submitted_at, question, value`, optionally `survey`, `channel`, `touchpoint`,
//! `language`, `customer_id`, `complete` and `source`; every other column is a dimension.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use cxm_domain::{Channel, ResponseInput, Survey, SurveyKey};
use cxm_store::{IngestOutcome, StampedResponse};
use serde::Serialize;

use crate::{App, AppError, Problem};

/// Largest batch the API accepts in one request.
pub const MAX_BATCH: usize = 10_000;

/// Responses written per store transaction when a caller splits a stream (demo, bench).
const STORE_CHUNK: usize = 5_000;

/// File formats `cxm ingest` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestFormat {
    /// One JSON response object per line.
    JsonLines,
    /// Long CSV: one row per answer.
    LongCsv,
}

/// What an ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct IngestReport {
    /// Responses received (after merging CSV rows).
    pub received: u64,
    /// Stored for the first time.
    pub inserted: u64,
    /// Replaced an earlier copy with the same source and id.
    pub updated: u64,
}

impl IngestReport {
    /// Responses received that repeated another of the same batch (the same source and id)
    /// and were stored once, the later copy winning.
    pub fn repeated(&self) -> u64 {
        self.received.saturating_sub(self.inserted + self.updated)
    }
}

impl IngestFormat {
    /// Guesses the format from a file name: `.csv` is long CSV, anything else JSON lines.
    pub fn from_path(path: &str) -> IngestFormat {
        if path.to_ascii_lowercase().ends_with(".csv") {
            IngestFormat::LongCsv
        } else {
            IngestFormat::JsonLines
        }
    }
}

impl App {
    /// Validates and stores responses; all or nothing. `rows[i]` is the 1-based input row of
    /// `inputs[i]`, used in problem reports.
    ///
    /// # Errors
    /// [`AppError::Invalid`] listing every problem (nothing stored); [`AppError::Store`] when the
    /// database fails (nothing stored).
    pub async fn ingest(
        &self,
        inputs: &[ResponseInput],
        rows: &[u64],
    ) -> Result<IngestReport, AppError> {
        let stamped = self.validate(inputs, rows).await?;
        let outcome = self.store.ingest(&stamped).await?;
        // Stored first: a case refers to a response that exists.
        self.open_cases_for(&stamped).await?;
        if self.wants("response.created") {
            for item in stamped
                .iter()
                .filter(|s| s.response.channel != cxm_domain::Channel::Import)
            {
                let response = &item.response;
                let answers: BTreeMap<&str, serde_json::Value> = response
                    .answers
                    .iter()
                    .map(|(key, value)| {
                        let value = match value {
                            cxm_domain::AnswerValue::Number(n) => serde_json::Value::from(*n),
                            cxm_domain::AnswerValue::Choice(c)
                            | cxm_domain::AnswerValue::Text(c) => {
                                serde_json::Value::from(c.clone())
                            }
                            cxm_domain::AnswerValue::Choices(list) => {
                                serde_json::Value::from(list.clone())
                            }
                        };
                        (key.as_str(), value)
                    })
                    .collect();
                let data = serde_json::json!({
                    "survey": response.survey, "source": response.source, "id": response.source_id,
                    "submitted_at": response.submitted_at.to_rfc3339(), "channel": response.channel.as_str(),
                    "touchpoint": response.touchpoint, "dimensions": response.dimensions, "answers": answers,
                });
                let key = format!("{}/{}", response.source, response.source_id);
                self.enqueue_event(
                    "response.created",
                    &key,
                    "response.created",
                    "",
                    &data,
                    None,
                )
                .await?;
            }
        }
        Ok(report(inputs.len(), outcome))
    }

    /// Stores an already validated stream in transactions of 5,000 (used by the demo and the
    /// benchmarks, where one huge transaction would only cost memory).
    pub(crate) async fn ingest_chunked(
        &self,
        stamped: &[StampedResponse],
    ) -> Result<IngestReport, AppError> {
        let mut total = IngestReport::default();
        for chunk in stamped.chunks(STORE_CHUNK) {
            let outcome = self.store.ingest(chunk).await?;
            total.received += chunk.len() as u64;
            total.inserted += outcome.inserted;
            total.updated += outcome.updated;
        }
        Ok(total)
    }

    /// Validates responses against their surveys and stamps local days.
    ///
    /// # Errors
    /// [`AppError::Invalid`] listing every problem.
    pub async fn validate(
        &self,
        inputs: &[ResponseInput],
        rows: &[u64],
    ) -> Result<Vec<StampedResponse>, AppError> {
        let (stamped, problems) = self.validate_each(inputs, rows, None).await?;
        if problems.is_empty() {
            Ok(stamped)
        } else {
            Err(AppError::Invalid(problems))
        }
    }

    /// Validates each response on its own: the valid ones stamped, and every problem of the
    /// others with its row. `planned` stands in for a survey not stored yet (a dry run).
    ///
    /// # Errors
    /// [`AppError::Store`] when the surveys cannot be read.
    pub(crate) async fn validate_each(
        &self,
        inputs: &[ResponseInput],
        rows: &[u64],
        planned: Option<&Survey>,
    ) -> Result<(Vec<StampedResponse>, Vec<Problem>), AppError> {
        let mut surveys: HashMap<SurveyKey, Option<Survey>> = HashMap::new();
        if let Some(survey) = planned {
            surveys.insert(survey.key.clone(), Some(survey.clone()));
        }
        for input in inputs {
            if !surveys.contains_key(&input.survey) {
                let survey = match self.store.survey(input.survey.as_str()).await {
                    Ok(stored) => Some(stored.survey),
                    Err(cxm_store::StoreError::NotFound(_)) => None,
                    Err(other) => return Err(other.into()),
                };
                surveys.insert(input.survey.clone(), survey);
            }
        }
        let survey_of = |key: &SurveyKey| surveys.get(key).and_then(Option::as_ref);
        Ok(stamp_each(inputs, rows, survey_of, self.config.zone()))
    }

    /// Reads a whole file and ingests it atomically.
    ///
    /// `default_survey` applies to CSV rows without a `survey` column; `source` overrides every
    /// response's source.
    ///
    /// # Errors
    /// [`AppError::Invalid`] listing every problem with its line or row (nothing stored).
    pub async fn ingest_reader(
        &self,
        reader: impl Read,
        format: IngestFormat,
        default_survey: Option<&SurveyKey>,
        source: Option<&str>,
    ) -> Result<IngestReport, AppError> {
        let (mut inputs, rows) = match format {
            IngestFormat::JsonLines => read_json_lines(reader)?,
            IngestFormat::LongCsv => read_long_csv(reader, default_survey)?,
        };
        if let Some(source) = source {
            for input in &mut inputs {
                input.source = Some(source.to_owned());
            }
        }
        let missing: Vec<Problem> = inputs
            .iter()
            .zip(&rows)
            .filter(|(input, _)| input.id.is_none())
            .map(|(_, &row)| Problem {
                row: Some(row),
                field: "id".to_owned(),
                message: "file rows need a response id, so that ingesting the file again updates instead of duplicating".to_owned(),
            })
            .collect();
        if !missing.is_empty() {
            return Err(AppError::Invalid(missing));
        }
        self.ingest(&inputs, &rows).await
    }
}

fn report(received: usize, outcome: IngestOutcome) -> IngestReport {
    IngestReport {
        received: received as u64,
        inserted: outcome.inserted,
        updated: outcome.updated,
    }
}

/// Validates `inputs` (file rows `rows`) against their surveys (`survey_of` a key; `None`: no
/// such survey) and stamps their local day and month in `zone`: the valid ones, and a problem
/// per invalid one.
pub(crate) fn stamp_each<'s>(
    inputs: &[ResponseInput],
    rows: &[u64],
    survey_of: impl Fn(&SurveyKey) -> Option<&'s Survey>,
    zone: cxm_domain::TimeZone,
) -> (Vec<StampedResponse>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut stamped = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let row = rows.get(index).copied().unwrap_or(index as u64 + 1);
        let Some(survey) = survey_of(&input.survey) else {
            problems.push(Problem {
                row: Some(row),
                field: "survey".to_owned(),
                message: format!("no survey has key {:?}", input.survey.as_str()),
            });
            continue;
        };
        let result = input.validate(survey, new_uid).and_then(|valid| {
            let (day, month) = zone.stamp(valid.submitted_at)?;
            Ok(StampedResponse {
                response: valid,
                local_day: day.0,
                local_month: month,
                uid: new_uid(),
            })
        });
        match result {
            Ok(response) => stamped.push(response),
            Err(error) => problems.push(Problem {
                row: Some(row),
                field: error.field,
                message: error.message,
            }),
        }
    }
    (stamped, problems)
}

fn new_uid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Parses JSON lines; blank lines are skipped. Every bad line is reported.
fn read_json_lines(reader: impl Read) -> Result<(Vec<ResponseInput>, Vec<u64>), AppError> {
    let mut text = String::new();
    let mut reader = reader;
    reader
        .read_to_string(&mut text)
        .map_err(|e| AppError::invalid("", format!("the file is not UTF-8 text: {e}")))?;
    let mut inputs = Vec::new();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let row = index as u64 + 1;
        match serde_json::from_str::<ResponseInput>(line) {
            Ok(input) => {
                inputs.push(input);
                rows.push(row);
            }
            Err(error) => problems.push(Problem {
                row: Some(row),
                field: String::new(),
                message: if error.is_syntax() || error.is_eof() {
                    format!("not valid JSON: {error}")
                } else {
                    format!("not a valid response: {error}")
                },
            }),
        }
    }
    if problems.is_empty() {
        Ok((inputs, rows))
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// Response-level columns of the long CSV format; all other columns are dimensions.
const RESPONSE_COLUMNS: [&str; 7] = [
    "survey",
    "channel",
    "touchpoint",
    "language",
    "customer_id",
    "complete",
    "source",
];

/// Parses the long CSV format, merging rows by response id. Rows of one response must agree on
/// every response-level column.
fn read_long_csv(
    reader: impl Read,
    default_survey: Option<&SurveyKey>,
) -> Result<(Vec<ResponseInput>, Vec<u64>), AppError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| AppError::invalid("header", format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let mut problems = Vec::new();
    let required = ["response_id", "submitted_at", "question", "value"];
    for name in required {
        if column(name).is_none() {
            problems.push(Problem {
                row: Some(1),
                field: name.to_owned(),
                message: format!(
                    "the header has no {name:?} column (required: {})",
                    required.join(", ")
                ),
            });
        }
    }
    if column("survey").is_none() && default_survey.is_none() {
        problems.push(Problem {
            row: Some(1),
            field: "survey".to_owned(),
            message: "the file has no survey column; name the survey with --survey".to_owned(),
        });
    }
    let mut dimension_columns = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        if required.contains(&header.as_str()) || RESPONSE_COLUMNS.contains(&header.as_str()) {
            continue;
        }
        match cxm_domain::DimensionKey::parse(header) {
            Ok(_) => dimension_columns.push((index, header.clone())),
            Err(error) => problems.push(Problem {
                row: Some(1),
                field: header.clone(),
                message: format!("column is taken as a dimension, but {}", error.message),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let at = |name: &str| column(name).unwrap_or(usize::MAX);
    let mut order: Vec<String> = Vec::new();
    let mut merged: HashMap<String, (ResponseInput, u64, Vec<String>)> = HashMap::new();
    for (index, record) in csv.records().enumerate() {
        let row = index as u64 + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(Problem {
                    row: Some(row),
                    field: String::new(),
                    message: format!("unreadable CSV row: {error}"),
                });
                continue;
            }
        };
        let get = |name: &str| {
            record
                .get(at(name))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let (Some(id), Some(question)) = (get("response_id"), get("question")) else {
            for name in ["response_id", "question"]
                .into_iter()
                .filter(|n| get(n).is_none())
            {
                problems.push(Problem {
                    row: Some(row),
                    field: name.to_owned(),
                    message: "is empty".to_owned(),
                });
            }
            continue;
        };
        let survey = match get("survey") {
            Some(key) => match SurveyKey::parse(key) {
                Ok(key) => key,
                Err(error) => {
                    problems.push(Problem {
                        row: Some(row),
                        field: "survey".to_owned(),
                        message: error.message,
                    });
                    continue;
                }
            },
            None => match default_survey {
                Some(key) => key.clone(),
                None => {
                    problems.push(Problem {
                        row: Some(row),
                        field: "survey".to_owned(),
                        message: "is empty and no --survey was given".to_owned(),
                    });
                    continue;
                }
            },
        };
        let channel = match get("channel").map(str::parse::<Channel>).transpose() {
            Ok(channel) => channel,
            Err(error) => {
                problems.push(Problem {
                    row: Some(row),
                    field: "channel".to_owned(),
                    message: error.message,
                });
                continue;
            }
        };
        let complete = match get("complete") {
            None => None,
            Some("true" | "1" | "yes") => Some(true),
            Some("false" | "0" | "no") => Some(false),
            Some(other) => {
                problems.push(Problem {
                    row: Some(row),
                    field: "complete".to_owned(),
                    message: format!("{other:?} is not true or false"),
                });
                continue;
            }
        };
        let mut dimensions = BTreeMap::new();
        for (index, name) in &dimension_columns {
            if let Some(value) = record.get(*index).map(str::trim).filter(|v| !v.is_empty()) {
                dimensions.insert(name.clone(), value.to_owned());
            }
        }
        // The response-level columns as one signature, to check that rows of a response agree.
        let signature: Vec<String> = std::iter::once(survey.to_string())
            .chain(
                [
                    "submitted_at",
                    "channel",
                    "touchpoint",
                    "language",
                    "customer_id",
                    "complete",
                    "source",
                ]
                .iter()
                .map(|c| get(c).unwrap_or("").to_owned()),
            )
            .chain(dimensions.iter().map(|(k, v)| format!("{k}={v}")))
            .collect();
        let value = record.get(at("value")).map(str::trim).unwrap_or("");
        let entry = merged.entry(id.to_owned()).or_insert_with(|| {
            order.push(id.to_owned());
            let input = ResponseInput {
                survey: survey.clone(),
                id: Some(id.to_owned()),
                source: get("source").map(str::to_owned),
                submitted_at: get("submitted_at").unwrap_or("").to_owned(),
                channel,
                touchpoint: get("touchpoint").map(str::to_owned),
                language: get("language").map(str::to_owned),
                dimensions: dimensions.clone(),
                customer: get("customer_id").map(|external_id| cxm_domain::CustomerInput {
                    external_id: external_id.to_owned(),
                    ..Default::default()
                }),
                answers: BTreeMap::new(),
                complete,
            };
            (input, row, signature.clone())
        });
        if entry.2 != signature {
            problems.push(Problem {
                row: Some(row),
                field: "response_id".to_owned(),
                message: format!(
                    "rows of response {id:?} disagree on survey, time, channel, touchpoint, language, customer, complete, source or dimensions (first seen on row {})",
                    entry.1
                ),
            });
            continue;
        }
        add_csv_answer(&mut entry.0.answers, question, value);
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let mut inputs = Vec::with_capacity(order.len());
    let mut rows = Vec::with_capacity(order.len());
    for id in order {
        if let Some((input, row, _)) = merged.remove(&id) {
            inputs.push(input);
            rows.push(row);
        }
    }
    Ok((inputs, rows))
}

/// Adds one CSV cell to a response's answers: `q.row` becomes a matrix cell, a repeated
/// question a list (multi choice).
fn add_csv_answer(answers: &mut BTreeMap<String, serde_json::Value>, question: &str, value: &str) {
    let value = serde_json::Value::String(value.to_owned());
    if let Some((matrix, row)) = question.split_once('.') {
        let cell = answers
            .entry(matrix.to_owned())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if let serde_json::Value::Object(cells) = cell {
            cells.insert(row.to_owned(), value);
        }
        return;
    }
    match answers.get_mut(question) {
        None => {
            answers.insert(question.to_owned(), value);
        }
        Some(serde_json::Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = serde_json::Value::Array(vec![first, value]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_merge_into_one_response() {
        let text = "response_id,survey,submitted_at,question,value,region\n\
                    r1,s,2025-01-01T10:00:00+08:00,nps,9,east\n\
                    r1,s,2025-01-01T10:00:00+08:00,why,price,east\n\
                    r1,s,2025-01-01T10:00:00+08:00,why,speed,east\n\
                    r1,s,2025-01-01T10:00:00+08:00,ep.speed,5,east\n";
        let (inputs, rows) = read_long_csv(text.as_bytes(), None).unwrap();
        assert_eq!(inputs.len(), 1);
        assert_eq!(rows, vec![2]);
        assert_eq!(
            inputs[0].answers["why"],
            serde_json::json!(["price", "speed"])
        );
        assert_eq!(inputs[0].answers["ep"], serde_json::json!({"speed": "5"}));
        assert_eq!(inputs[0].dimensions["region"], "east");
    }

    #[test]
    fn csv_rows_of_one_response_must_agree() {
        let text = "response_id,survey,submitted_at,question,value,region\n\
                    r1,s,2025-01-01T10:00:00+08:00,nps,9,east\n\
                    r1,s,2025-01-01T10:00:00+08:00,csat,4,west\n";
        let error = read_long_csv(text.as_bytes(), None).unwrap_err();
        assert!(error.to_string().contains("row 3"), "{error}");
    }
}
