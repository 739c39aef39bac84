//! The metric engine: a [`MetricQuery`] becomes accumulator queries to the store, whose
//! mergeable counts become estimates with intervals, comparisons with the previous period and
//! the same period last year, and Benjamini–Hochberg flags across the groups of the query.
//!
//! Scales in results: NPS in points (−100..100), shares in percent (0..100), means in the
//! question's own scale, counts as counts. Definitions: `docs/metrics.md`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use cxm_domain::{
    Channel, Comparison, DateRange, DimensionKey, Filter, Grain, GroupBy, LocalDay, MetricKind,
    MetricQuery, MetricSpec, Period, SurveyKey,
};
use cxm_stats::{
    Confidence, Histogram, NpsCounts, ProportionMethod, benjamini_hochberg, proportion_difference,
    proportion_interval, welch_t_test,
};
use cxm_store::{AccumulatorQuery, AnswerTable, GroupColumn, ItemInfo, PeriodSpec, RowValue};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, AppError, Problem};

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
    /// Breakdowns: `survey`, `channel`, `touchpoint` or a dimension key.
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

/// The answer to a metric query.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricsResult {
    /// Version of the metric definitions used.
    pub definitions_version: String,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Low-base threshold.
    pub min_n: u64,
    /// Time zone of days and periods.
    pub time_zone: String,
    /// Time grain, if a series.
    pub grain: Option<Grain>,
    /// Breakdown names, in order.
    pub group_by: Vec<String>,
    /// One row per metric, group and period.
    pub rows: Vec<MetricRow>,
}

/// One metric for one group and period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricRow {
    /// The metric, as asked (`nps`, `csat@4`, `share:reason`…).
    pub metric: String,
    /// Period label (`2025-03`), for series.
    pub period: Option<String>,
    /// First local date of the period or range.
    pub since: Option<String>,
    /// Last local date of the period or range.
    pub until: Option<String>,
    /// Breakdown values by name; `null` where a response lacks the dimension.
    pub groups: BTreeMap<String, Option<String>>,
    /// Respondents (or responses, for count).
    pub n: u64,
    /// `n` is below the low-base threshold: read with care.
    pub low_base: bool,
    /// The headline number: NPS points, top-box percent, mean, share percent or count.
    pub value: Option<f64>,
    /// Lower limit of the headline's interval.
    pub ci_lower: Option<f64>,
    /// Upper limit of the headline's interval.
    pub ci_upper: Option<f64>,
    /// Details by metric kind.
    pub estimate: Estimate,
    /// Comparisons asked for.
    pub comparisons: Vec<ComparisonResult>,
}

/// Details of an estimate, by metric kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Estimate {
    /// NPS details.
    Nps {
        /// Promoters (9–10).
        promoters: u64,
        /// Passives (7–8).
        passives: u64,
        /// Detractors (0–6).
        detractors: u64,
        /// Promoters in percent.
        promoter_pct: f64,
        /// Passives in percent.
        passive_pct: f64,
        /// Detractors in percent.
        detractor_pct: f64,
        /// Standard error of the NPS, in points.
        se: f64,
        /// Interval method: `adjusted_wald` or `wald`.
        method: String,
    },
    /// CSAT or CES details: top box and mean.
    Rating {
        /// Lowest value counted in the top box.
        top_box_min: i64,
        /// Respondents in the top box.
        top_box_count: u64,
        /// Top-box share in percent (Wilson interval below).
        top_box_pct: f64,
        /// Wilson interval of the top-box share, percent.
        top_box_ci: [f64; 2],
        /// Mean rating.
        mean: f64,
        /// t interval of the mean; absent for a single answer.
        mean_ci: Option<[f64; 2]>,
    },
    /// Mean of a numeric item.
    Mean {
        /// Sample standard deviation.
        sd: Option<f64>,
        /// Standard error of the mean.
        se: Option<f64>,
    },
    /// Distribution of an item.
    Distribution {
        /// Count and share per value.
        values: Vec<ValueCount>,
    },
    /// Share of one option.
    Share(OptionShare),
    /// A count of responses.
    Count,
    /// No respondents in this group.
    Empty,
}

/// Count and share of one value of a distribution.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValueCount {
    /// The value (a number or an option key).
    pub value: String,
    /// How many respondents gave it.
    pub count: u64,
    /// Percent of respondents.
    pub pct: f64,
}

/// Share of one option of a choice question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionShare {
    /// The option key.
    pub option: String,
    /// Respondents who chose it.
    pub count: u64,
}

/// A group's value against a comparison period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComparisonResult {
    /// `previous` or `yoy`.
    pub against: String,
    /// The comparison period's label, for series.
    pub period: Option<String>,
    /// First date of the comparison period.
    pub since: String,
    /// Last date of the comparison period.
    pub until: String,
    /// Respondents in the comparison period.
    pub n: u64,
    /// The comparison period's headline value.
    pub value: Option<f64>,
    /// This period minus the comparison period.
    pub delta: Option<f64>,
    /// Interval of the delta.
    pub delta_ci: Option<[f64; 2]>,
    /// Two-sided p-value of the difference (z test for NPS and shares, Welch t for means).
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg adjusted p-value across the groups and periods of this metric.
    pub p_adjusted: Option<f64>,
    /// The adjusted p-value is below 1 − confidence.
    pub significant: bool,
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

/// Where a metric reads from, per item.
struct MetricPlan {
    spec: MetricSpec,
    items: Vec<ItemInfo>,
    /// Lowest value in the top box (CSAT, CES).
    top_box: Option<i64>,
}

/// Accumulated counts of one metric for one group and period (and option, for shares).
#[derive(Debug, Clone)]
enum Acc {
    Nps(NpsCounts),
    Values(Histogram),
    Options(BTreeMap<String, u64>, u64),
    Count(u64),
}

/// `(metric index, period index, group values, option)`.
type Key = (usize, i64, Vec<Option<String>>, Option<String>);

/// Period index used for the whole range without a grain, and for its comparison windows.
const WHOLE: i64 = 0;
const WHOLE_PREVIOUS: i64 = -1;
const WHOLE_YEAR_AGO: i64 = -2;

impl App {
    /// Runs a metric query.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for unknown surveys, [`AppError::Invalid`] when a metric has no
    /// question to read in the selected surveys, [`AppError::Store`] when the database fails.
    pub async fn metrics(&self, query: &MetricQuery) -> Result<MetricsResult, AppError> {
        query.check()?;
        let confidence = Confidence::new(query.confidence)
            .map_err(|e| AppError::invalid("confidence", e.to_string()))?;
        let stored = self.store.surveys().await?;
        let mut survey_ids = Vec::new();
        for key in &query.filter.surveys {
            let found = stored
                .iter()
                .find(|s| &s.survey.key == key)
                .ok_or_else(|| AppError::NotFound(format!("survey {:?}", key.as_str())))?;
            survey_ids.push(found.id);
        }
        let all_ids: Vec<i64> = if survey_ids.is_empty() {
            stored.iter().map(|s| s.id).collect()
        } else {
            survey_ids.clone()
        };
        let survey_keys: HashMap<i64, String> = stored
            .iter()
            .map(|s| (s.id, s.survey.key.to_string()))
            .collect();
        let items = self.store.items(&all_ids).await?;
        let plans = plan(&query.metrics, &items)?;

        // Which item feeds which metric.
        let mut numeric_items: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut choice_items: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut count_metrics = Vec::new();
        for (index, plan) in plans.iter().enumerate() {
            if plan.spec.kind == MetricKind::Count {
                count_metrics.push(index);
            }
            for item in &plan.items {
                let target = if is_numeric(&item.kind) {
                    &mut numeric_items
                } else {
                    &mut choice_items
                };
                target.entry(item.id).or_default().push(index);
            }
        }
        let survey_position = query.group_by.iter().position(|g| *g == GroupBy::Survey);
        let columns: Vec<GroupColumn> = query
            .group_by
            .iter()
            .filter_map(|g| match g {
                GroupBy::Survey => None,
                GroupBy::Channel => Some(GroupColumn::Channel),
                GroupBy::Touchpoint => Some(GroupColumn::Touchpoint),
                GroupBy::Dimension(key) => Some(GroupColumn::Dimension(key.to_string())),
            })
            .collect();
        let item_survey: HashMap<i64, i64> = items.iter().map(|i| (i.id, i.survey_id)).collect();

        // The windows to read: one per period set.
        let windows = windows(query);
        let mut accs: BTreeMap<Key, Acc> = BTreeMap::new();
        for &Window {
            period: period_spec,
            days,
            fixed_period,
        } in &windows
        {
            let base = AccumulatorQuery {
                table: AnswerTable::Numeric,
                ids: Vec::new(),
                days,
                period: period_spec,
                group_by: columns.clone(),
                channels: query
                    .filter
                    .channels
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                touchpoints: query.filter.touchpoints.clone(),
                dimensions: query
                    .filter
                    .dimensions
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                customer: query
                    .filter
                    .customer
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                complete_only: query.filter.complete_only,
            };
            let groups_of =
                |row_groups: &[Option<String>], survey_id: i64| -> Vec<Option<String>> {
                    let mut groups = row_groups.to_vec();
                    if let Some(position) = survey_position {
                        groups.insert(position, survey_keys.get(&survey_id).cloned());
                    }
                    groups
                };
            let period_of = |period: i64| fixed_period.unwrap_or(period);
            if !numeric_items.is_empty() {
                let rows = self
                    .store
                    .accumulate(&AccumulatorQuery {
                        ids: numeric_items.keys().copied().collect(),
                        ..base.clone()
                    })
                    .await?;
                for row in rows {
                    let RowValue::Number(value) = row.value else {
                        continue;
                    };
                    let groups = groups_of(
                        &row.groups,
                        item_survey.get(&row.id).copied().unwrap_or_default(),
                    );
                    for &metric in numeric_items.get(&row.id).into_iter().flatten() {
                        let key = (metric, period_of(row.period), groups.clone(), None);
                        match plans[metric].spec.kind {
                            MetricKind::Nps => {
                                let acc = accs.entry(key).or_insert(Acc::Nps(NpsCounts::default()));
                                if let Acc::Nps(counts) = acc {
                                    counts.add_score_count(value, row.count);
                                }
                            }
                            _ => {
                                let acc = accs
                                    .entry(key)
                                    .or_insert_with(|| Acc::Values(Histogram::new()));
                                if let Acc::Values(histogram) = acc {
                                    histogram.add(value, row.count);
                                }
                            }
                        }
                    }
                }
            }
            if !choice_items.is_empty() {
                let ids: Vec<i64> = choice_items.keys().copied().collect();
                let rows = self
                    .store
                    .accumulate(&AccumulatorQuery {
                        table: AnswerTable::Choice,
                        ids: ids.clone(),
                        ..base.clone()
                    })
                    .await?;
                let respondents = self
                    .store
                    .accumulate(&AccumulatorQuery {
                        table: AnswerTable::ChoiceRespondents,
                        ids,
                        ..base.clone()
                    })
                    .await?;
                for row in respondents {
                    let groups = groups_of(
                        &row.groups,
                        item_survey.get(&row.id).copied().unwrap_or_default(),
                    );
                    for &metric in choice_items.get(&row.id).into_iter().flatten() {
                        let acc = accs
                            .entry((metric, period_of(row.period), groups.clone(), None))
                            .or_insert_with(|| Acc::Options(BTreeMap::new(), 0));
                        if let Acc::Options(_, total) = acc {
                            *total += row.count;
                        }
                    }
                }
                for row in rows {
                    let RowValue::Option(option) = row.value else {
                        continue;
                    };
                    let groups = groups_of(
                        &row.groups,
                        item_survey.get(&row.id).copied().unwrap_or_default(),
                    );
                    for &metric in choice_items.get(&row.id).into_iter().flatten() {
                        let acc = accs
                            .entry((metric, period_of(row.period), groups.clone(), None))
                            .or_insert_with(|| Acc::Options(BTreeMap::new(), 0));
                        if let Acc::Options(options, _) = acc {
                            *options.entry(option.clone()).or_insert(0) += row.count;
                        }
                    }
                }
            }
            if !count_metrics.is_empty() {
                let rows = self
                    .store
                    .accumulate(&AccumulatorQuery {
                        table: AnswerTable::Responses,
                        ids: all_ids.clone(),
                        ..base.clone()
                    })
                    .await?;
                for row in rows {
                    let groups = groups_of(&row.groups, row.id);
                    for &metric in &count_metrics {
                        let acc = accs
                            .entry((metric, period_of(row.period), groups.clone(), None))
                            .or_insert(Acc::Count(0));
                        if let Acc::Count(count) = acc {
                            *count += row.count;
                        }
                    }
                }
            }
        }

        let rows = assemble(
            query,
            &plans,
            &accs,
            confidence,
            self.config.metrics.nps_method,
        );
        Ok(MetricsResult {
            definitions_version: cxm_domain::DEFINITIONS_VERSION.to_owned(),
            confidence: query.confidence,
            min_n: query.min_n,
            time_zone: self.config.zone().name().to_owned(),
            grain: query.grain,
            group_by: query.group_by.iter().map(|g| g.name().to_owned()).collect(),
            rows,
        })
    }
}

fn is_numeric(kind: &str) -> bool {
    matches!(kind, "nps" | "rating" | "matrix_row")
}

/// Chooses the items each metric reads, checking that they exist and share a scale.
fn plan(metrics: &[MetricSpec], items: &[ItemInfo]) -> Result<Vec<MetricPlan>, AppError> {
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for spec in metrics {
        let named = |item: &ItemInfo| {
            spec.question
                .as_ref()
                .is_none_or(|q| q.as_str() == item.key)
        };
        let chosen: Vec<ItemInfo> = items
            .iter()
            .filter(|item| named(item))
            .filter(|item| match spec.kind {
                MetricKind::Nps => item.kind == "nps",
                MetricKind::Csat => {
                    item.kind == "rating"
                        && (spec.question.is_some() || item.role.as_deref() == Some("csat"))
                }
                MetricKind::Ces => {
                    item.kind == "rating"
                        && (spec.question.is_some() || item.role.as_deref() == Some("ces"))
                }
                MetricKind::Mean => is_numeric(&item.kind),
                MetricKind::Distribution => is_numeric(&item.kind) || item.kind.ends_with("choice"),
                MetricKind::ChoiceShare => item.kind.ends_with("choice"),
                MetricKind::Count => false,
            })
            .cloned()
            .collect();
        if spec.kind != MetricKind::Count && chosen.is_empty() {
            let what = match (&spec.question, spec.kind) {
                (Some(q), _) => format!(
                    "no question {:?} of a kind {} can read in the selected surveys",
                    q.as_str(),
                    spec.kind.as_str()
                ),
                (None, MetricKind::Nps) => "the selected surveys have no NPS question".to_owned(),
                (None, kind) => format!(
                    "the selected surveys have no rating with role {}; name the question as {}:QUESTION",
                    kind.as_str(),
                    kind.as_str()
                ),
            };
            problems.push(Problem {
                row: None,
                field: "metrics".to_owned(),
                message: format!("{spec}: {what}"),
            });
            continue;
        }
        let scales: Vec<(Option<i64>, Option<i64>)> =
            chosen.iter().map(|i| (i.scale_min, i.scale_max)).collect();
        if is_numeric_metric(spec.kind) && scales.windows(2).any(|w| w[0] != w[1]) {
            problems.push(Problem {
                row: None,
                field: "metrics".to_owned(),
                message: format!("{spec}: the matching questions use different scales; name one question or select surveys with the same scale"),
            });
            continue;
        }
        let top_box = match spec.kind {
            MetricKind::Csat | MetricKind::Ces => {
                let (min, max) = (
                    chosen[0].scale_min.unwrap_or(1),
                    chosen[0].scale_max.unwrap_or(5),
                );
                let default = if spec.kind == MetricKind::Csat {
                    max - 1
                } else {
                    max - 2
                };
                let top = spec.top_box.unwrap_or(default);
                if !(min..=max).contains(&top) {
                    problems.push(Problem {
                        row: None,
                        field: "metrics".to_owned(),
                        message: format!("{spec}: top box {top} is outside the scale {min}..{max}"),
                    });
                    continue;
                }
                Some(top)
            }
            _ => None,
        };
        plans.push(MetricPlan {
            spec: spec.clone(),
            items: chosen,
            top_box,
        });
    }
    if problems.is_empty() {
        Ok(plans)
    } else {
        Err(AppError::Invalid(problems))
    }
}

fn is_numeric_metric(kind: MetricKind) -> bool {
    matches!(
        kind,
        MetricKind::Csat | MetricKind::Ces | MetricKind::Mean | MetricKind::Distribution
    )
}

/// The reads a query needs: `(period assignment, local-day range, fixed period index)`.
/// One read of the accumulators: how rows get periods, which local days, and (for whole-range
/// windows) the fixed period index the rows are filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    period: PeriodSpec,
    days: Option<(i64, i64)>,
    fixed_period: Option<i64>,
}

fn windows(query: &MetricQuery) -> Vec<Window> {
    let whole = |range: &DateRange, fixed: i64| {
        let (first, last) = range.local_days();
        Window {
            period: PeriodSpec::Whole,
            days: Some((first.0, last.0)),
            fixed_period: Some(fixed),
        }
    };
    match (query.grain, &query.filter.range) {
        (Some(grain), range) => {
            // Read from the earliest comparison period of the first period on.
            let days = range.map(|range| {
                let first = grain.period_of(range.since);
                let mut start = first.start();
                if query.compare.contains(&Comparison::Previous) {
                    start = start.min(first.previous().start());
                }
                if query.compare.contains(&Comparison::YearAgo) {
                    start = start.min(first.year_ago().start());
                }
                (
                    LocalDay::from_date(start).0,
                    LocalDay::from_date(range.until).0,
                )
            });
            vec![Window {
                period: PeriodSpec::Grain(grain),
                days,
                fixed_period: None,
            }]
        }
        (None, Some(range)) => {
            let mut out = vec![whole(range, WHOLE)];
            if query.compare.contains(&Comparison::Previous) {
                out.push(whole(&range.previous(), WHOLE_PREVIOUS));
            }
            if query.compare.contains(&Comparison::YearAgo) {
                out.push(whole(&range.year_ago(), WHOLE_YEAR_AGO));
            }
            out
        }
        (None, None) => vec![Window {
            period: PeriodSpec::Whole,
            days: None,
            fixed_period: Some(WHOLE),
        }],
    }
}

/// A group's estimate: `(n, headline, interval, details)`.
struct Headline {
    n: u64,
    value: Option<f64>,
    ci: Option<[f64; 2]>,
    estimate: Estimate,
}

fn headline(
    plan: &MetricPlan,
    acc: Option<&Acc>,
    option: Option<&str>,
    confidence: Confidence,
    method: cxm_stats::NpsMethod,
) -> Headline {
    let empty = Headline {
        n: 0,
        value: None,
        ci: None,
        estimate: Estimate::Empty,
    };
    match acc {
        Some(Acc::Nps(counts)) => match counts.estimate(method, confidence) {
            Some(e) => Headline {
                n: e.n,
                value: Some(e.points()),
                ci: Some([e.interval.lower * 100.0, e.interval.upper * 100.0]),
                estimate: Estimate::Nps {
                    promoters: counts.promoters,
                    passives: counts.passives,
                    detractors: counts.detractors,
                    promoter_pct: e.promoter_share() * 100.0,
                    passive_pct: e.passive_share() * 100.0,
                    detractor_pct: e.detractor_share() * 100.0,
                    se: e.se * 100.0,
                    method: match method {
                        cxm_stats::NpsMethod::Wald => "wald".to_owned(),
                        cxm_stats::NpsMethod::AdjustedWald => "adjusted_wald".to_owned(),
                    },
                },
            },
            None => empty,
        },
        Some(Acc::Values(histogram)) => {
            let Some(mean) = histogram.mean_estimate(confidence) else {
                return empty;
            };
            // One answer has no spread, so its mean has no interval.
            let mean_ci = mean.se.map(|_| [mean.lower, mean.upper]);
            match plan.spec.kind {
                MetricKind::Csat | MetricKind::Ces => {
                    let top_box_min = plan.top_box.unwrap_or(i64::MAX);
                    let top = histogram.count_where(|v| v >= top_box_min);
                    let interval =
                        proportion_interval(top, mean.n, ProportionMethod::Wilson, confidence)
                            .ok()
                            .flatten();
                    let top_ci = interval
                        .map(|i| [i.lower * 100.0, i.upper * 100.0])
                        .unwrap_or([0.0, 100.0]);
                    let top_pct = top as f64 / mean.n as f64 * 100.0;
                    let estimate = Estimate::Rating {
                        top_box_min,
                        top_box_count: top,
                        top_box_pct: top_pct,
                        top_box_ci: top_ci,
                        mean: mean.mean,
                        mean_ci,
                    };
                    // CSAT headlines the top-box share, CES the mean.
                    if plan.spec.kind == MetricKind::Csat {
                        Headline {
                            n: mean.n,
                            value: Some(top_pct),
                            ci: Some(top_ci),
                            estimate,
                        }
                    } else {
                        Headline {
                            n: mean.n,
                            value: Some(mean.mean),
                            ci: mean_ci,
                            estimate,
                        }
                    }
                }
                MetricKind::Distribution => Headline {
                    n: mean.n,
                    value: Some(mean.mean),
                    ci: mean_ci,
                    estimate: Estimate::Distribution {
                        values: histogram
                            .iter()
                            .map(|(value, count)| ValueCount {
                                value: value.to_string(),
                                count,
                                pct: count as f64 / mean.n as f64 * 100.0,
                            })
                            .collect(),
                    },
                },
                _ => Headline {
                    n: mean.n,
                    value: Some(mean.mean),
                    ci: mean_ci,
                    estimate: Estimate::Mean {
                        sd: mean.sd,
                        se: mean.se,
                    },
                },
            }
        }
        Some(Acc::Options(options, respondents)) => {
            let n = *respondents;
            if n == 0 {
                return empty;
            }
            match option {
                Some(option) => {
                    let count = options.get(option).copied().unwrap_or(0).min(n);
                    let interval =
                        proportion_interval(count, n, ProportionMethod::Wilson, confidence)
                            .ok()
                            .flatten();
                    Headline {
                        n,
                        value: Some(count as f64 / n as f64 * 100.0),
                        ci: interval.map(|i| [i.lower * 100.0, i.upper * 100.0]),
                        estimate: Estimate::Share(OptionShare {
                            option: option.to_owned(),
                            count,
                        }),
                    }
                }
                None => Headline {
                    n,
                    value: None,
                    ci: None,
                    estimate: Estimate::Distribution {
                        values: options
                            .iter()
                            .map(|(value, &count)| ValueCount {
                                value: value.clone(),
                                count,
                                pct: count as f64 / n as f64 * 100.0,
                            })
                            .collect(),
                    },
                },
            }
        }
        Some(Acc::Count(count)) => Headline {
            n: *count,
            value: Some(*count as f64),
            ci: None,
            estimate: Estimate::Count,
        },
        None => empty,
    }
}

/// `(delta, interval, p-value)` of `current − other` for a metric.
fn difference(
    plan: &MetricPlan,
    current: &Acc,
    other: &Acc,
    option: Option<&str>,
    confidence: Confidence,
    method: cxm_stats::NpsMethod,
) -> Option<(f64, Option<[f64; 2]>, Option<f64>)> {
    match (current, other) {
        (Acc::Nps(a), Acc::Nps(b)) => {
            let test = a.difference(b, method, confidence)?;
            // The delta reported is the observed difference; the test and interval use the method.
            let observed = (a.estimate(cxm_stats::NpsMethod::Wald, confidence)?.nps
                - b.estimate(cxm_stats::NpsMethod::Wald, confidence)?.nps)
                * 100.0;
            Some((
                observed,
                Some([test.lower * 100.0, test.upper * 100.0]),
                test.p_value,
            ))
        }
        (Acc::Values(a), Acc::Values(b)) => match plan.spec.kind {
            MetricKind::Csat => {
                let top = plan.top_box.unwrap_or(i64::MAX);
                let test = proportion_difference(
                    a.count_where(|v| v >= top),
                    a.n(),
                    b.count_where(|v| v >= top),
                    b.n(),
                    confidence,
                )
                .ok()??;
                Some((
                    test.diff * 100.0,
                    Some([test.lower * 100.0, test.upper * 100.0]),
                    test.p_value,
                ))
            }
            MetricKind::Distribution => None,
            _ => {
                let (n_a, mean_a, var_a) = a.moments()?;
                let (n_b, mean_b, var_b) = b.moments()?;
                match welch_t_test(
                    (n_a, mean_a, var_a.unwrap_or(0.0)),
                    (n_b, mean_b, var_b.unwrap_or(0.0)),
                    confidence,
                ) {
                    Some(test) => Some((
                        test.diff,
                        Some([test.lower, test.upper]),
                        Some(test.p_value),
                    )),
                    None => Some((mean_a - mean_b, None, None)),
                }
            }
        },
        (Acc::Options(a, n_a), Acc::Options(b, n_b)) => {
            let option = option?;
            let count_a = a.get(option).copied().unwrap_or(0).min(*n_a);
            let count_b = b.get(option).copied().unwrap_or(0).min(*n_b);
            let test = proportion_difference(count_a, *n_a, count_b, *n_b, confidence).ok()??;
            Some((
                test.diff * 100.0,
                Some([test.lower * 100.0, test.upper * 100.0]),
                test.p_value,
            ))
        }
        (Acc::Count(a), Acc::Count(b)) => Some((*a as f64 - *b as f64, None, None)),
        _ => None,
    }
}

fn assemble(
    query: &MetricQuery,
    plans: &[MetricPlan],
    accs: &BTreeMap<Key, Acc>,
    confidence: Confidence,
    method: cxm_stats::NpsMethod,
) -> Vec<MetricRow> {
    let in_range = |period: i64| -> bool {
        match (query.grain, &query.filter.range) {
            (Some(grain), Some(range)) => {
                let first = grain.period_of(range.since).index;
                let last = grain.period_of(range.until).index;
                (first..=last).contains(&period)
            }
            (Some(_), None) => true,
            (None, _) => period == WHOLE,
        }
    };
    let describe = |period: i64| -> (Option<String>, Option<String>, Option<String>) {
        match (query.grain, &query.filter.range) {
            (Some(grain), _) => {
                let p = Period {
                    grain,
                    index: period,
                };
                (
                    Some(p.to_string()),
                    Some(p.start().to_string()),
                    Some(p.end().to_string()),
                )
            }
            (None, Some(range)) => {
                let window = match period {
                    WHOLE_PREVIOUS => range.previous(),
                    WHOLE_YEAR_AGO => range.year_ago(),
                    _ => *range,
                };
                (
                    None,
                    Some(window.since.to_string()),
                    Some(window.until.to_string()),
                )
            }
            (None, None) => (None, None, None),
        }
    };
    let group_names: Vec<String> = query.group_by.iter().map(|g| g.name().to_owned()).collect();
    let mut rows = Vec::new();
    for (&(metric, period, ref groups, _), acc) in accs {
        if !in_range(period) {
            continue;
        }
        let plan = &plans[metric];
        // Shares make one row per option; everything else one row per key.
        let options: Vec<Option<String>> = match (plan.spec.kind, acc) {
            (MetricKind::ChoiceShare, Acc::Options(options, _)) => {
                options.keys().cloned().map(Some).collect()
            }
            _ => vec![None],
        };
        for option in options {
            let current = headline(plan, Some(acc), option.as_deref(), confidence, method);
            let (label, since, until) = describe(period);
            let mut comparisons = Vec::new();
            for &against in &query.compare {
                let other_period = match (query.grain, against) {
                    (Some(grain), Comparison::Previous) => {
                        Period {
                            grain,
                            index: period,
                        }
                        .previous()
                        .index
                    }
                    (Some(grain), Comparison::YearAgo) => {
                        Period {
                            grain,
                            index: period,
                        }
                        .year_ago()
                        .index
                    }
                    (None, Comparison::Previous) => WHOLE_PREVIOUS,
                    (None, Comparison::YearAgo) => WHOLE_YEAR_AGO,
                };
                let other = accs.get(&(metric, other_period, groups.clone(), None));
                let previous = headline(plan, other, option.as_deref(), confidence, method);
                let (other_label, other_since, other_until) = describe(other_period);
                let diff = other.and_then(|other| {
                    difference(plan, acc, other, option.as_deref(), confidence, method)
                });
                comparisons.push(ComparisonResult {
                    against: against.as_str().to_owned(),
                    period: other_label,
                    since: other_since.unwrap_or_default(),
                    until: other_until.unwrap_or_default(),
                    n: previous.n,
                    value: previous.value,
                    delta: diff.map(|d| d.0),
                    delta_ci: diff.and_then(|d| d.1),
                    p_value: diff.and_then(|d| d.2),
                    p_adjusted: None,
                    significant: false,
                });
            }
            let mut named_groups = BTreeMap::new();
            for (name, value) in group_names.iter().zip(groups) {
                named_groups.insert(name.clone(), value.clone());
            }
            rows.push((
                metric,
                MetricRow {
                    metric: plan.spec.to_string(),
                    period: label,
                    since,
                    until,
                    groups: named_groups,
                    n: current.n,
                    low_base: current.n < query.min_n,
                    value: current.value,
                    ci_lower: current.ci.map(|c| c[0]),
                    ci_upper: current.ci.map(|c| c[1]),
                    estimate: current.estimate,
                    comparisons,
                },
            ));
        }
    }
    // Benjamini–Hochberg per metric and comparison, across all groups and periods.
    let alpha = confidence.alpha();
    for metric in 0..plans.len() {
        for (position, _) in query.compare.iter().enumerate() {
            let mut refs: Vec<&mut ComparisonResult> = rows
                .iter_mut()
                .filter(|(m, _)| *m == metric)
                .filter_map(|(_, row)| row.comparisons.get_mut(position))
                .filter(|c| c.p_value.is_some())
                .collect();
            let p_values: Vec<f64> = refs.iter().map(|c| c.p_value.unwrap_or(1.0)).collect();
            for (comparison, adjusted) in refs.iter_mut().zip(benjamini_hochberg(&p_values)) {
                comparison.p_adjusted = Some(adjusted);
                comparison.significant = adjusted < alpha;
            }
        }
    }
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Days since the epoch of a date, for tests.
#[cfg(test)]
fn day(date: NaiveDate) -> i64 {
    LocalDay::from_date(date).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grain_windows_reach_back_for_comparisons() {
        let query = MetricQuery {
            metrics: vec!["nps".parse().unwrap()],
            filter: Filter {
                range: Some(
                    DateRange::new(
                        NaiveDate::from_ymd_opt(2025, 3, 10).unwrap(),
                        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
                    )
                    .unwrap(),
                ),
                ..Filter::default()
            },
            group_by: Vec::new(),
            grain: Some(Grain::Month),
            compare: vec![Comparison::Previous, Comparison::YearAgo],
            confidence: 0.95,
            min_n: 30,
        };
        let windows = windows(&query);
        assert_eq!(windows.len(), 1);
        let (first, last) = windows[0].days.unwrap();
        assert_eq!(first, day(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()));
        assert_eq!(last, day(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()));
    }
}
