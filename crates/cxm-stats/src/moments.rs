//! Mergeable accumulators for means of continuous values (spend, time to resolve, scores on
//! any scale), unweighted and weighted, and weighted histograms of integer answers.
//!
//! - [`Moments`] keeps n, the mean and the sum of squared deviations, updated one value at a
//!   time (Welford) and merged by Chan, Golub & LeVeque's (1979) pairwise formula, so shards,
//!   periods and threads combine to the same result as one pass, without the cancellation of
//!   Σx² − (Σx)²/n.
//! - [`WeightedMoments`] and [`WeightedHistogram`] keep Σw and Σw² besides the weighted mean
//!   and squared deviations (West 1979), and estimate the mean with a design-effect-adjusted
//!   interval: Kish's effective sample size n_eff = (Σw)²/Σw², the variance
//!   s² = Σw(x − x̄)²/Σw · n_eff/(n_eff − 1), se = s/√n_eff (equivalently deff · s²/n with
//!   deff = n/n_eff) and Student's t on n_eff − 1 degrees of freedom. With equal weights this is
//!   exactly the unweighted t interval.
//!
//! Edge cases: an empty accumulator has no estimate; one value (or n_eff ≤ 1) gives the mean
//! with no spread and a zero-width interval; non-finite values and weights that are not positive
//! and finite are refused by `add` (it returns `false` and counts nothing).

use std::collections::BTreeMap;

use crate::{Confidence, MeanEstimate, student_t_quantile};

/// Count, mean and sum of squared deviations of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// An empty accumulator.
    pub fn new() -> Moments {
        Moments::default()
    }

    /// Adds one value; `false` (and nothing added) when it is not finite.
    pub fn add(&mut self, value: f64) -> bool {
        if !value.is_finite() {
            return false;
        }
        self.merge(&Moments {
            n: 1,
            mean: value,
            m2: 0.0,
        });
        true
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        let share = other.n as f64 / n as f64;
        self.m2 += other.m2 + delta * delta * self.n as f64 * share;
        self.mean += delta * share;
        self.n = n;
    }

    /// Number of values.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// The sample variance (n − 1); `None` below two values.
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| self.m2 / (self.n - 1) as f64)
    }

    /// The mean with its Student t interval; `None` when empty.
    pub fn mean_estimate(&self, confidence: Confidence) -> Option<MeanEstimate> {
        let mean = self.mean()?;
        let Some(variance) = self.variance() else {
            return Some(MeanEstimate {
                n: self.n,
                mean,
                sd: None,
                se: None,
                lower: mean,
                upper: mean,
            });
        };
        let se = (variance / self.n as f64).sqrt();
        let t = student_t_quantile(1.0 - confidence.alpha() / 2.0, (self.n - 1) as f64);
        Some(MeanEstimate {
            n: self.n,
            mean,
            sd: Some(variance.sqrt()),
            se: Some(se),
            lower: mean - t * se,
            upper: mean + t * se,
        })
    }
}

/// A weighted mean with its design-effect-adjusted interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedMeanEstimate {
    /// Respondents.
    pub n: u64,
    /// Kish's effective sample size (Σw)²/Σw².
    pub effective_n: f64,
    /// Kish's design effect n / n_eff.
    pub design_effect: f64,
    /// Weighted mean.
    pub mean: f64,
    /// Weighted standard deviation, corrected on the effective sample size; `None` when
    /// n_eff ≤ 1.
    pub sd: Option<f64>,
    /// Standard error sd / √n_eff; `None` when n_eff ≤ 1.
    pub se: Option<f64>,
    /// Lower limit of mean ± t(n_eff − 1)·se; the mean when there is no spread estimate.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// Σw, Σw², the weighted mean and the weighted sum of squared deviations.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeightedMoments {
    n: u64,
    weight: f64,
    squared: f64,
    mean: f64,
    m2: f64,
}

impl WeightedMoments {
    /// An empty accumulator.
    pub fn new() -> WeightedMoments {
        WeightedMoments::default()
    }

    /// Adds a value with its weight; `false` (and nothing added) for a non-finite value or a
    /// weight that is not positive and finite.
    pub fn add(&mut self, value: f64, weight: f64) -> bool {
        if !(value.is_finite() && weight.is_finite() && weight > 0.0) {
            return false;
        }
        self.merge(&WeightedMoments {
            n: 1,
            weight,
            squared: weight * weight,
            mean: value,
            m2: 0.0,
        });
        true
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: &WeightedMoments) {
        if other.n == 0 {
            return;
        }
        let weight = self.weight + other.weight;
        let delta = other.mean - self.mean;
        let share = other.weight / weight;
        self.m2 += other.m2 + delta * delta * self.weight * share;
        self.mean += delta * share;
        self.weight = weight;
        self.squared += other.squared;
        self.n += other.n;
    }

    /// Respondents added.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The estimate; `None` when empty.
    pub fn estimate(&self, confidence: Confidence) -> Option<WeightedMeanEstimate> {
        weighted_estimate(
            self.n,
            self.weight,
            self.squared,
            self.mean,
            self.m2,
            confidence,
        )
    }
}

/// Weight sums per integer value, with Σw² and the respondent count; merges by addition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WeightedHistogram {
    weights: BTreeMap<i64, f64>,
    squared: f64,
    n: u64,
}

impl WeightedHistogram {
    /// An empty histogram.
    pub fn new() -> WeightedHistogram {
        WeightedHistogram::default()
    }

    /// Adds one answer with its weight; `false` (and nothing added) for a weight that is not
    /// positive and finite.
    pub fn add(&mut self, value: i64, weight: f64) -> bool {
        if !(weight.is_finite() && weight > 0.0) {
            return false;
        }
        *self.weights.entry(value).or_insert(0.0) += weight;
        self.squared += weight * weight;
        self.n += 1;
        true
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: &WeightedHistogram) {
        for (&value, &weight) in &other.weights {
            *self.weights.entry(value).or_insert(0.0) += weight;
        }
        self.squared += other.squared;
        self.n += other.n;
    }

    /// `(value, weight sum)` pairs in increasing value order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.weights.iter().map(|(&value, &weight)| (value, weight))
    }

    /// The weighted share of answers whose value satisfies `predicate` (top box, easy box);
    /// `None` when empty.
    pub fn share_where(&self, predicate: impl Fn(i64) -> bool) -> Option<f64> {
        let total: f64 = self.weights.values().sum();
        (total > 0.0).then(|| {
            self.iter()
                .filter(|&(value, _)| predicate(value))
                .map(|(_, weight)| weight)
                .sum::<f64>()
                / total
        })
    }

    /// The weighted mean with its design-effect-adjusted interval; `None` when empty.
    pub fn mean_estimate(&self, confidence: Confidence) -> Option<WeightedMeanEstimate> {
        let weight: f64 = self.weights.values().sum();
        if weight <= 0.0 {
            return None;
        }
        let mean = self.iter().map(|(v, w)| v as f64 * w).sum::<f64>() / weight;
        let m2 = self
            .iter()
            .map(|(v, w)| w * (v as f64 - mean).powi(2))
            .sum();
        weighted_estimate(self.n, weight, self.squared, mean, m2, confidence)
    }
}

fn weighted_estimate(
    n: u64,
    weight: f64,
    squared: f64,
    mean: f64,
    m2: f64,
    confidence: Confidence,
) -> Option<WeightedMeanEstimate> {
    if n == 0 || weight <= 0.0 {
        return None;
    }
    let effective_n = weight * weight / squared;
    // n_eff of one respondent is exactly 1, but rounding can leave it a hair above.
    let spread = (n > 1 && effective_n > 1.0 + 1e-9).then(|| {
        let variance = m2 / weight * effective_n / (effective_n - 1.0);
        let sd = variance.sqrt();
        (sd, sd / effective_n.sqrt())
    });
    let (lower, upper) = match spread {
        Some((_, se)) => {
            let t = student_t_quantile(1.0 - confidence.alpha() / 2.0, effective_n - 1.0);
            (mean - t * se, mean + t * se)
        }
        None => (mean, mean),
    };
    Some(WeightedMeanEstimate {
        n,
        effective_n,
        design_effect: n as f64 / effective_n,
        mean,
        sd: spread.map(|(sd, _)| sd),
        se: spread.map(|(_, se)| se),
        lower,
        upper,
    })
}
