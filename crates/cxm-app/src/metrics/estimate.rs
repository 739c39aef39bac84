//! From accumulated counts to what a row shows: the headline estimate and its interval, the
//! difference from a comparison period with its test, and Benjamini–Hochberg across the rows.

use std::collections::BTreeMap;

use cxm_domain::{Comparison, GroupBy, MetricKind, MetricQuery, Period};
use cxm_stats::{
    Confidence, ProportionMethod, benjamini_hochberg, proportion_difference, proportion_interval,
    welch_t_test,
};

use super::{Acc, Key, MetricPlan, WHOLE, WHOLE_PREVIOUS, WHOLE_YEAR_AGO};
use crate::{ComparisonResult, Estimate, MetricRow, OptionShare, ValueCount};

/// A group's estimate: `(n, headline, interval, details)`.
pub(super) struct Headline {
    n: u64,
    value: Option<f64>,
    ci: Option<[f64; 2]>,
    estimate: Estimate,
}

pub(super) fn headline(
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
                        cxm_stats::NpsMethod::Score => "score".to_owned(),
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
pub(super) fn difference(
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

pub(super) fn assemble(
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
    let group_names: Vec<String> = query.group_by.iter().map(GroupBy::name).collect();
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
