//! The answer to a metric query, as the API and the CLI render it.

use std::collections::BTreeMap;

use cxm_domain::Grain;
use serde::Serialize;
use utoipa::ToSchema;

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
    /// A metric of the case loop (see `case_metrics.rs`).
    CaseLoop {
        /// Cases that meet it (complaints for the complaint rate, cases measured for durations).
        count: u64,
        /// What it is measured against: cases, or the orders/customers of a complaint rate.
        base: u64,
        /// 90th percentile, hours, for durations.
        p90: Option<f64>,
    },
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
