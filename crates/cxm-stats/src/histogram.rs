//! Distributions of integer-valued answers (ratings, CES, matrix rows) as a mergeable
//! histogram, and the mean estimates and Welch tests computed from them.
//!
//! A histogram is what the database returns (one row per distinct value with its count), so
//! means, variances, top-box shares and tests computed here are exact and identical whichever
//! database produced the counts. Variances use `n − 1` (sample variance), as scipy does with
//! `ddof=1`.

use std::collections::BTreeMap;

use crate::{Confidence, student_t_cdf, student_t_quantile};

/// Counts of respondents per integer value; merges by addition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Histogram {
    counts: BTreeMap<i64, u64>,
}

/// The mean of a sample with its Student t interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanEstimate {
    /// Sample size.
    pub n: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); `None` for n = 1.
    pub sd: Option<f64>,
    /// Standard error of the mean; `None` for n = 1.
    pub se: Option<f64>,
    /// Lower limit of `mean ± t·se`; equals the mean for n = 1.
    pub lower: f64,
    /// Upper limit of `mean ± t·se`; equals the mean for n = 1.
    pub upper: f64,
}

/// Welch's unequal-variance t test of `mean_a − mean_b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchTest {
    /// `mean_a − mean_b`.
    pub diff: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// t statistic.
    pub t: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower limit of the interval for the difference.
    pub lower: f64,
    /// Upper limit of the interval for the difference.
    pub upper: f64,
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Histogram::default()
    }

    /// Adds `count` observations of `value`.
    pub fn add(&mut self, value: i64, count: u64) {
        if count > 0 {
            *self.counts.entry(value).or_insert(0) += count;
        }
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (&value, &count) in &other.counts {
            self.add(value, count);
        }
    }

    /// Number of observations.
    pub fn n(&self) -> u64 {
        self.counts.values().sum()
    }

    /// `(value, count)` pairs in increasing value order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.counts.iter().map(|(&value, &count)| (value, count))
    }

    /// Number of observations whose value satisfies `predicate`.
    pub fn count_where(&self, predicate: impl Fn(i64) -> bool) -> u64 {
        self.iter()
            .filter(|&(value, _)| predicate(value))
            .map(|(_, count)| count)
            .sum()
    }

    /// `(n, mean, sample variance)`; `None` when empty, variance `None` when n = 1.
    pub fn moments(&self) -> Option<(u64, f64, Option<f64>)> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let mean = self.iter().map(|(v, c)| v as f64 * c as f64).sum::<f64>() / n as f64;
        let variance = (n > 1).then(|| {
            self.iter()
                .map(|(v, c)| c as f64 * (v as f64 - mean).powi(2))
                .sum::<f64>()
                / (n - 1) as f64
        });
        Some((n, mean, variance))
    }

    /// The mean with its t interval; `None` when empty.
    pub fn mean_estimate(&self, confidence: Confidence) -> Option<MeanEstimate> {
        let (n, mean, variance) = self.moments()?;
        let Some(variance) = variance else {
            return Some(MeanEstimate {
                n,
                mean,
                sd: None,
                se: None,
                lower: mean,
                upper: mean,
            });
        };
        let se = (variance / n as f64).sqrt();
        let t = student_t_quantile(1.0 - confidence.alpha() / 2.0, (n - 1) as f64);
        Some(MeanEstimate {
            n,
            mean,
            sd: Some(variance.sqrt()),
            se: Some(se),
            lower: mean - t * se,
            upper: mean + t * se,
        })
    }
}

/// Welch's t test from summary statistics `(n, mean, sample variance)` of two samples.
///
/// `None` when either sample has fewer than two observations or both variances are zero.
pub fn welch_t_test(
    a: (u64, f64, f64),
    b: (u64, f64, f64),
    confidence: Confidence,
) -> Option<WelchTest> {
    let ((n_a, mean_a, var_a), (n_b, mean_b, var_b)) = (a, b);
    if n_a < 2 || n_b < 2 {
        return None;
    }
    let part_a = var_a / n_a as f64;
    let part_b = var_b / n_b as f64;
    let se = (part_a + part_b).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let df = (part_a + part_b).powi(2)
        / (part_a.powi(2) / (n_a - 1) as f64 + part_b.powi(2) / (n_b - 1) as f64);
    let diff = mean_a - mean_b;
    let t = diff / se;
    let p_value = (2.0 * (1.0 - student_t_cdf(t.abs(), df))).min(1.0);
    let critical = student_t_quantile(1.0 - confidence.alpha() / 2.0, df);
    Some(WelchTest {
        diff,
        se,
        df,
        t,
        p_value,
        lower: diff - critical * se,
        upper: diff + critical * se,
    })
}
