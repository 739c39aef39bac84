//! The metric engine: a [`MetricQuery`] becomes accumulator queries to the store, whose
//! mergeable counts become estimates with intervals, comparisons with the previous period and
//! the same period last year, and Benjamini–Hochberg flags across the groups of the query.
//!
//! Scales in results: NPS in points (−100..100), shares in percent (0..100), means in the
//! question's own scale, counts as counts. Definitions: `docs/metrics.md`.

mod answers;
mod estimate;
mod input;
mod result;

use std::collections::{BTreeMap, HashMap};

use cxm_domain::{Comparison, DateRange, GroupBy, LocalDay, MetricKind, MetricQuery, MetricSpec};
use cxm_stats::{Confidence, Histogram, NpsCounts};
use cxm_store::{
    AccumulatorQuery, AccumulatorRow, AnswerTable, GroupColumn, ItemInfo, PeriodSpec, RowValue,
};

use crate::{App, AppError, Problem};
use answers::{ChoiceQuestion, NotChoice, OptionLabels, answer_filters};

pub use input::MetricQueryInput;
pub use result::{ComparisonResult, Estimate, MetricRow, MetricsResult, OptionShare, ValueCount};

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
        let mut columns: Vec<GroupColumn> = Vec::with_capacity(query.group_by.len());
        // Per column: the option labels of a breakdown by an answer.
        let mut option_labels: Vec<Option<OptionLabels>> = Vec::new();
        for group in &query.group_by {
            let column = match group {
                GroupBy::Survey => continue,
                GroupBy::Channel => GroupColumn::Channel,
                GroupBy::Touchpoint => GroupColumn::Touchpoint,
                GroupBy::Dimension(key) => GroupColumn::Dimension(key.to_string()),
                GroupBy::Answer(question) => {
                    let found = ChoiceQuestion::find(question, &items, &stored).map_err(|why| {
                        let key = question.as_str();
                        let hint = match why {
                            NotChoice::Missing => {
                                format!(" (a dimension is a breakdown by its key alone: {key})")
                            }
                            NotChoice::OtherKind => String::new(),
                        };
                        AppError::invalid(
                            "group_by",
                            format!("answer:{key}: {}{hint}", why.reason(key)),
                        )
                    })?;
                    option_labels.push(Some(found.labels()));
                    columns.push(GroupColumn::Answer(found.items));
                    continue;
                }
            };
            option_labels.push(None);
            columns.push(column);
        }
        let item_survey: HashMap<i64, i64> = items.iter().map(|i| (i.id, i.survey_id)).collect();
        let answers = answer_filters(&query.filter.answers, &items, &stored)?;

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
                answers: answers.clone(),
                complete_only: query.filter.complete_only,
            };
            let groups_of =
                |row_groups: &[Option<String>], survey_id: i64| -> Vec<Option<String>> {
                    let mut groups = row_groups.to_vec();
                    for (group, labels) in groups.iter_mut().zip(&option_labels) {
                        if let (Some(option), Some(labels)) = (group.as_mut(), labels)
                            && let Some(label) = labels.get(&(survey_id, option.clone()))
                        {
                            *option = label.clone();
                        }
                    }
                    if let Some(position) = survey_position {
                        groups.insert(position, survey_keys.get(&survey_id).cloned());
                    }
                    groups
                };
            // Answer rows carry an item id; the survey column, when grouped by, comes from it.
            let item_groups = |row: &AccumulatorRow| {
                groups_of(
                    &row.groups,
                    item_survey.get(&row.id).copied().unwrap_or_default(),
                )
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
                    let groups = item_groups(&row);
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
                    let groups = item_groups(&row);
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
                    let RowValue::Option(option) = &row.value else {
                        continue;
                    };
                    let groups = item_groups(&row);
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

        let rows = estimate::assemble(
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
            group_by: query.group_by.iter().map(GroupBy::name).collect(),
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use cxm_domain::{Filter, Grain};

    use super::*;

    /// Days since the epoch of a date.
    fn day(date: NaiveDate) -> i64 {
        LocalDay::from_date(date).0
    }

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
