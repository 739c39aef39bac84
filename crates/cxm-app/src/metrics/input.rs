//! A metric query as clients send it (JSON body, query string, command line): plain strings,
//! parsed and checked into a [`MetricQuery`] with every bad field reported.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cxm_domain::{
    Channel, Comparison, DateRange, DimensionKey, Filter, Grain, GroupBy, MetricQuery, MetricSpec,
    QuestionKey, SurveyKey,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{AppError, Problem};

/// A metric query as sent by clients (JSON body or query string): plain strings, parsed and
/// checked by [`MetricQueryInput::parse`].
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricQueryInput {
    /// Metrics, e.g. `["nps", "csat@4", "mean:ease", "share:reason", "count"]`.
    pub metrics: Vec<String>,
    /// Survey keys (empty: all surveys).
    #[serde(default)]
    pub surveys: Vec<String>,
    /// First local date included, `YYYY-MM-DD`.
    #[serde(default)]
    pub since: Option<String>,
    /// Last local date included, `YYYY-MM-DD`.
    #[serde(default)]
    pub until: Option<String>,
    /// Channels (empty: all).
    #[serde(default)]
    pub channels: Vec<String>,
    /// Touchpoints (empty: all).
    #[serde(default)]
    pub touchpoints: Vec<String>,
    /// Dimension filters: key → allowed values.
    #[serde(default)]
    pub dimensions: BTreeMap<String, Vec<String>>,
    /// Customer attribute filters: key → allowed values.
    #[serde(default)]
    pub customer: BTreeMap<String, Vec<String>>,
    /// Answer filters: choice question key → the options (keys or labels) a response chose
    /// one of.
    #[serde(default)]
    pub answers: BTreeMap<String, Vec<String>>,
    /// Breakdowns: `survey`, `channel`, `touchpoint`, a dimension key, or `answer:<question>`
    /// for the options chosen on a choice question (grouped by their labels).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// Time grain: `day`, `week`, `month`, `quarter` or `year`.
    #[serde(default)]
    pub grain: Option<String>,
    /// Comparisons: `previous` and/or `yoy`.
    #[serde(default)]
    pub compare: Vec<String>,
    /// Confidence level (default from configuration, 0.95).
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Low-base threshold (default from configuration, 30).
    #[serde(default)]
    pub min_n: Option<u64>,
    /// Count complete responses only.
    #[serde(default)]
    pub complete_only: bool,
}

impl MetricQueryInput {
    /// Parses and checks the query, with defaults from `config`.
    ///
    /// # Errors
    /// [`AppError::Invalid`] listing every bad field.
    pub fn parse(&self, config: &crate::Config) -> Result<MetricQuery, AppError> {
        let mut problems = Vec::new();
        let mut note = |field: &str, message: String| {
            problems.push(Problem {
                row: None,
                field: field.to_owned(),
                message,
            });
        };
        let mut metrics = Vec::new();
        for text in &self.metrics {
            match text.parse::<MetricSpec>() {
                Ok(spec) => metrics.push(spec),
                Err(error) => note("metrics", error.message),
            }
        }
        let mut surveys = Vec::new();
        for key in &self.surveys {
            match SurveyKey::parse(key) {
                Ok(key) => surveys.push(key),
                Err(error) => note("surveys", error.message),
            }
        }
        let date = |field: &str,
                    text: &Option<String>,
                    note: &mut dyn FnMut(&str, String)|
         -> Option<NaiveDate> {
            let text = text.as_deref()?;
            match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    note(
                        field,
                        format!("{text:?} is not a date in the form YYYY-MM-DD"),
                    );
                    None
                }
            }
        };
        let since = date("since", &self.since, &mut note);
        let until = date("until", &self.until, &mut note);
        let range = match (since, until) {
            (None, None) => None,
            (since, until) => {
                let since = since
                    .unwrap_or_else(|| NaiveDate::from_ymd_opt(1970, 1, 5).unwrap_or_default());
                let until = until.unwrap_or_else(|| config.zone().today());
                match DateRange::new(since, until) {
                    Ok(range) => Some(range),
                    Err(error) => {
                        note(&error.field, error.message);
                        None
                    }
                }
            }
        };
        let mut channels = Vec::new();
        for text in &self.channels {
            match text.parse::<Channel>() {
                Ok(channel) => channels.push(channel),
                Err(error) => note("channels", error.message),
            }
        }
        let mut parse_map = |field: &str, map: &BTreeMap<String, Vec<String>>| {
            let mut out = BTreeMap::new();
            for (key, values) in map {
                match DimensionKey::parse(key) {
                    Ok(parsed) => {
                        out.insert(parsed, values.iter().map(|v| v.trim().to_owned()).collect());
                    }
                    Err(error) => note(&format!("{field}.{key}"), error.message),
                }
            }
            out
        };
        let dimensions = parse_map("dimensions", &self.dimensions);
        let customer = parse_map("customer", &self.customer);
        let mut answers = BTreeMap::new();
        for (key, values) in &self.answers {
            match QuestionKey::parse(key) {
                Ok(parsed) => {
                    answers.insert(parsed, values.iter().map(|v| v.trim().to_owned()).collect());
                }
                Err(error) => note(&format!("answers.{key}"), error.message),
            }
        }
        let mut group_by = Vec::new();
        for text in &self.group_by {
            match text.parse::<GroupBy>() {
                Ok(group) => group_by.push(group),
                Err(error) => note("group_by", error.message),
            }
        }
        let grain = match self.grain.as_deref().map(str::parse::<Grain>).transpose() {
            Ok(grain) => grain,
            Err(error) => {
                note("grain", error.message);
                None
            }
        };
        let mut compare = Vec::new();
        for text in &self.compare {
            match text.parse::<Comparison>() {
                Ok(comparison) if !compare.contains(&comparison) => compare.push(comparison),
                Ok(_) => {}
                Err(error) => note("compare", error.message),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let query = MetricQuery {
            metrics,
            filter: Filter {
                surveys,
                range,
                channels,
                touchpoints: self
                    .touchpoints
                    .iter()
                    .map(|t| t.trim().to_owned())
                    .collect(),
                dimensions,
                customer,
                answers,
                complete_only: self.complete_only,
            },
            group_by,
            grain,
            compare,
            confidence: self.confidence.unwrap_or(config.metrics.confidence),
            min_n: self.min_n.unwrap_or(config.metrics.min_n),
        };
        query.check()?;
        Ok(query)
    }
}
