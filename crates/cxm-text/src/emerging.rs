//! Emerging topics: terms and phrases that a larger share of comments mention in a period than
//! in a baseline, with their counts, lift, significance and example comments.
//!
//! Each comment counts once per term (document frequency). For every term mentioned at least
//! `min_count` times in all, the 2 × 2 table (period/baseline × mentions/does not) is tested
//! with Dunning's log-likelihood ratio G², whose p-value comes from the χ² distribution with
//! one degree of freedom; p-values are adjusted across all tested terms by Benjamini–Hochberg,
//! and terms whose share rose with q ≤ `alpha` are reported, strongest first. Lift is the
//! period share over the baseline share, with half a comment added to each count so a term new
//! in the period has a finite lift.

use std::collections::HashMap;

use serde::Serialize;

use cxm_stats::{benjamini_hochberg, normal_two_sided_p};

use crate::segment::terms;
use crate::{NormalizeOptions, normalize};

/// Options of [`emerging_topics`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmergingOptions {
    /// Mentions (period and baseline together) below which a term is not tested.
    pub min_count: usize,
    /// False discovery rate.
    pub alpha: f64,
    /// At most this many terms.
    pub max_terms: usize,
    /// Example comments per term.
    pub examples: usize,
}

impl Default for EmergingOptions {
    fn default() -> Self {
        EmergingOptions {
            min_count: 5,
            alpha: 0.05,
            max_terms: 50,
            examples: 3,
        }
    }
}

/// A term whose share rose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergingTerm {
    /// The term or phrase.
    pub term: String,
    /// Comments in the period that mention it.
    pub period_count: usize,
    /// Comments in the baseline that mention it.
    pub baseline_count: usize,
    /// Share of period comments.
    pub period_share: f64,
    /// Share of baseline comments.
    pub baseline_share: f64,
    /// Smoothed period share over baseline share.
    pub lift: f64,
    /// Log-likelihood ratio statistic.
    pub g2: f64,
    /// p-value.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value.
    pub q_value: f64,
    /// Indexes (into the period comments) of example comments.
    pub examples: Vec<usize>,
}

/// Terms of `period` comments whose share rose against `baseline` comments.
pub fn emerging_topics(
    baseline: &[&str],
    period: &[&str],
    options: EmergingOptions,
) -> Vec<EmergingTerm> {
    let count = |comments: &[&str], examples: bool| {
        let mut counts: HashMap<String, (usize, Vec<usize>)> = HashMap::new();
        for (index, comment) in comments.iter().enumerate() {
            for term in terms(&normalize(comment, NormalizeOptions::default())) {
                let entry = counts.entry(term).or_default();
                entry.0 += 1;
                if examples && entry.1.len() < options.examples {
                    entry.1.push(index);
                }
            }
        }
        counts
    };
    let (base_counts, period_counts) = (count(baseline, false), count(period, true));
    let (n_base, n_period) = (baseline.len() as f64, period.len() as f64);
    if n_base == 0.0 || n_period == 0.0 {
        return Vec::new();
    }
    let mut tested: Vec<(String, usize, usize, f64, f64, Vec<usize>)> = period_counts
        .into_iter()
        .filter_map(|(term, (a, examples))| {
            let c = base_counts.get(&term).map_or(0, |(c, _)| *c);
            (a + c >= options.min_count).then(|| {
                let g2 = log_likelihood_ratio(a as f64, n_period, c as f64, n_base);
                let p = normal_two_sided_p(g2.max(0.0).sqrt());
                (term, a, c, g2, p, examples)
            })
        })
        .collect();
    // A fixed order before adjusting, so that ties come out the same on every run.
    tested.sort_by(|x, y| x.0.cmp(&y.0));
    let q = benjamini_hochberg(&tested.iter().map(|t| t.4).collect::<Vec<_>>());
    let mut out: Vec<EmergingTerm> = tested
        .into_iter()
        .zip(q)
        .filter_map(|((term, a, c, g2, p, examples), q)| {
            let (period_share, baseline_share) = (a as f64 / n_period, c as f64 / n_base);
            (period_share > baseline_share && q <= options.alpha).then(|| EmergingTerm {
                term,
                period_count: a,
                baseline_count: c,
                period_share,
                baseline_share,
                lift: ((a as f64 + 0.5) / (n_period + 1.0)) / ((c as f64 + 0.5) / (n_base + 1.0)),
                g2,
                p_value: p,
                q_value: q,
                examples,
            })
        })
        .collect();
    out.sort_by(|x, y| y.g2.total_cmp(&x.g2).then_with(|| x.term.cmp(&y.term)));
    out.truncate(options.max_terms);
    out
}

/// G² of the 2 × 2 table: `a` of `n1` period comments and `c` of `n2` baseline comments.
fn log_likelihood_ratio(a: f64, n1: f64, c: f64, n2: f64) -> f64 {
    let cells = [(a, n1), (n1 - a, n1), (c, n2), (n2 - c, n2)];
    let column = [a + c, n1 + n2 - a - c];
    let total = n1 + n2;
    let term = |observed: f64, expected: f64| {
        if observed > 0.0 {
            observed * (observed / expected).ln()
        } else {
            0.0
        }
    };
    2.0 * cells
        .iter()
        .enumerate()
        .map(|(i, &(observed, row))| term(observed, row * column[i % 2] / total))
        .sum::<f64>()
}
