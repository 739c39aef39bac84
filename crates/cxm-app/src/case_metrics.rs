//! The case loop's metrics in the shape of every other metric: `GET /api/v1/metrics?metrics=
//! complaint_rate,sla_compliance&group_by=touchpoint&grain=month` returns the same rows (period,
//! groups, n, value, interval, low-base flag) as NPS or CSAT do, computed by the scorecards
//! (`scorecard.rs`) for each period and group.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cxm_domain::Grain;

use crate::{App, AppError, Estimate, MetricQueryInput, MetricRow, MetricsResult, Problem};
use crate::{Scorecard, ScorecardBy};

/// The metrics of the case loop, as named in queries.
pub const CASE_METRICS: [&str; 8] = [
    "cases",
    "complaints",
    "complaint_rate",
    "first_response_hours",
    "resolution_hours",
    "sla_compliance",
    "reopen_rate",
    "recovery_rate",
];

/// Whether a query asks for case-loop metrics (all of its metrics are).
pub fn is_case_query(input: &MetricQueryInput) -> bool {
    !input.metrics.is_empty()
        && input
            .metrics
            .iter()
            .all(|m| CASE_METRICS.contains(&m.as_str()))
}

/// One metric of one scorecard as a row.
fn row_of(metric: &str, card: &Scorecard, min_n: u64) -> MetricRow {
    let (n, value, ci, count, p90) = match metric {
        "cases" => (
            card.opened,
            Some(card.opened as f64),
            None,
            card.opened,
            None,
        ),
        "complaints" => (
            card.complaints,
            Some(card.complaints as f64),
            None,
            card.complaints,
            None,
        ),
        "complaint_rate" => match &card.complaint_rate {
            Some(r) => (
                r.volume,
                Some(r.per_thousand),
                Some(r.ci),
                r.complaints,
                None,
            ),
            None => (0, None, None, card.complaints, None),
        },
        "first_response_hours" | "resolution_hours" => {
            let durations = if metric == "first_response_hours" {
                card.first_response_minutes
            } else {
                card.resolution_minutes
            };
            match durations {
                Some(d) => (d.n, Some(d.median / 60.0), None, d.n, Some(d.p90 / 60.0)),
                None => (0, None, None, 0, None),
            }
        }
        _ => {
            let rate = match metric {
                "sla_compliance" => card.sla_compliance,
                "reopen_rate" => card.reopen_rate,
                _ => card.recovery_rate,
            };
            match rate {
                Some(r) => (r.n, Some(r.pct), Some(r.ci), r.count, None),
                None => (0, None, None, 0, None),
            }
        }
    };
    let mut groups = BTreeMap::new();
    if let Some(by) = card.by {
        groups.insert(by.as_str().to_owned(), card.group.clone());
    }
    MetricRow {
        metric: metric.to_owned(),
        period: None,
        since: None,
        until: None,
        groups,
        n,
        low_base: n < min_n,
        value,
        ci_lower: ci.map(|c| c[0]),
        ci_upper: ci.map(|c| c[1]),
        estimate: Estimate::CaseLoop {
            count,
            base: n,
            p90,
        },
        comparisons: Vec::new(),
    }
}

impl App {
    /// Case-loop metrics (see [`CASE_METRICS`]) for cases opened from `since` to `until`
    /// (default: the last 90 days), optionally by `department`, `touchpoint` or `theme` and by
    /// period (`grain`). Counts and durations carry n; rates their Wilson interval.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for filters, breakdowns or comparisons case metrics do not have.
    pub async fn case_metrics(&self, input: &MetricQueryInput) -> Result<MetricsResult, AppError> {
        let mut problems = Vec::new();
        let refuse = |problems: &mut Vec<Problem>, field: &str, message: &str| {
            problems.push(Problem {
                row: None,
                field: field.to_owned(),
                message: message.to_owned(),
            });
        };
        if !input.surveys.is_empty()
            || !input.channels.is_empty()
            || !input.touchpoints.is_empty()
            || !input.dimensions.is_empty()
            || !input.customer.is_empty()
            || !input.answers.is_empty()
        {
            refuse(
                &mut problems,
                "metrics",
                "case metrics take no survey, channel, touchpoint, dimension, customer or answer filters; break them down with group_by",
            );
        }
        if !input.compare.is_empty() {
            refuse(
                &mut problems,
                "compare",
                "case metrics have no comparisons; ask for a series with grain",
            );
        }
        let by = match input.group_by.as_slice() {
            [] => None,
            [one] => match ScorecardBy::parse(one) {
                Ok(by) => Some(by),
                Err(_) => {
                    refuse(
                        &mut problems,
                        "group_by",
                        "case metrics group by department, touchpoint or theme",
                    );
                    None
                }
            },
            _ => {
                refuse(
                    &mut problems,
                    "group_by",
                    "case metrics group by one of department, touchpoint or theme",
                );
                None
            }
        };
        let grain = match input.grain.as_deref().map(str::parse::<Grain>) {
            None => None,
            Some(Ok(grain)) => Some(grain),
            Some(Err(error)) => {
                refuse(&mut problems, "grain", &error.message);
                None
            }
        };
        let date = |field: &str, text: &Option<String>, problems: &mut Vec<Problem>| {
            text.as_deref().and_then(|t| {
                NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                    .map_err(|_| refuse(problems, field, "is not a date YYYY-MM-DD"))
                    .ok()
            })
        };
        let until = date("until", &input.until, &mut problems)
            .unwrap_or_else(|| self.config.zone().today());
        let since = date("since", &input.since, &mut problems)
            .unwrap_or(until - chrono::Duration::days(89));
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let min_n = input.min_n.unwrap_or(self.config.metrics.min_n);
        let periods: Vec<(Option<String>, NaiveDate, NaiveDate)> = match grain {
            None => vec![(None, since, until)],
            Some(grain) => {
                let mut periods = Vec::new();
                let mut period = grain.period_of(since);
                while period.start() <= until {
                    periods.push((
                        Some(period.to_string()),
                        period.start().max(since),
                        period.end().min(until),
                    ));
                    period = grain.period_of(period.end() + chrono::Duration::days(1));
                }
                periods
            }
        };
        let mut rows = Vec::new();
        for (label, from, to) in periods {
            let cards = self
                .scorecards_by(from, to, by.unwrap_or_default(), None)
                .await?;
            let cards: Vec<&Scorecard> = match by {
                None => cards.iter().take(1).collect(),
                Some(_) => cards.iter().skip(1).collect(),
            };
            for card in cards {
                for metric in &input.metrics {
                    let mut row = row_of(metric, card, min_n);
                    row.period = label.clone();
                    row.since = Some(from.to_string());
                    row.until = Some(to.to_string());
                    rows.push(row);
                }
            }
        }
        Ok(MetricsResult {
            definitions_version: cxm_domain::DEFINITIONS_VERSION.to_owned(),
            confidence: 0.95,
            min_n,
            time_zone: self.config.zone().name().to_owned(),
            grain,
            group_by: by.map(|b| vec![b.as_str().to_owned()]).unwrap_or_default(),
            rows,
        })
    }
}
