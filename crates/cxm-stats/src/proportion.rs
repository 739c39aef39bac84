//! Intervals for a proportion (top-box CSAT, share of a choice) and the difference of two
//! proportions.
//!
//! The five interval methods follow statsmodels' `proportion_confint` exactly, including its
//! conventions: `Normal` (Wald) and `AgrestiCoull` are clipped to [0, 1]; `ClopperPearson`
//! returns exactly 0 or 1 at the boundaries; `Jeffreys` has no boundary special case (at k = 0
//! its lower limit is small but positive). `Wilson` is the default: it behaves well at small n
//! and near 0 or 1, and never leaves [0, 1].

use statrs::distribution::{Beta, ContinuousCDF};

use crate::{Confidence, StatsError, normal_two_sided_p};

/// How a proportion interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProportionMethod {
    /// Wilson score interval without continuity correction.
    #[default]
    Wilson,
    /// Agresti–Coull ("add z²/2 successes and failures"), clipped to [0, 1].
    AgrestiCoull,
    /// Wald normal approximation, clipped to [0, 1].
    Normal,
    /// Clopper–Pearson exact interval from beta quantiles.
    ClopperPearson,
    /// Jeffreys equal-tailed interval, Beta(k + ½, n − k + ½).
    Jeffreys,
}

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// The difference of two proportions (a − b) with its two-sided z test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProportionDifference {
    /// `p_a − p_b`.
    pub diff: f64,
    /// Unpooled standard error, used for the interval.
    pub se: f64,
    /// Pooled z statistic for H0: p_a = p_b; `None` when the pooled se is 0.
    pub z: Option<f64>,
    /// Two-sided p-value of the pooled z test; `None` when the pooled se is 0.
    pub p_value: Option<f64>,
    /// Lower limit of `diff ± z·se`.
    pub lower: f64,
    /// Upper limit of `diff ± z·se`.
    pub upper: f64,
}

/// The interval for `successes` out of `trials`; `Ok(None)` when `trials = 0`.
///
/// # Errors
/// [`StatsError::SuccessesExceedTrials`] when `successes > trials`.
pub fn proportion_interval(
    successes: u64,
    trials: u64,
    method: ProportionMethod,
    confidence: Confidence,
) -> Result<Option<Interval>, StatsError> {
    if successes > trials {
        return Err(StatsError::SuccessesExceedTrials { successes, trials });
    }
    if trials == 0 {
        return Ok(None);
    }
    let k = successes as f64;
    let n = trials as f64;
    let p = k / n;
    let alpha = confidence.alpha();
    let z = confidence.z();
    let interval = match method {
        ProportionMethod::Wilson => {
            let z2 = z * z;
            let denominator = 1.0 + z2 / n;
            let centre = (p + z2 / (2.0 * n)) / denominator;
            let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
            Interval {
                lower: centre - half,
                upper: centre + half,
            }
        }
        ProportionMethod::AgrestiCoull => {
            let n_tilde = n + z * z;
            let p_tilde = (k + z * z / 2.0) / n_tilde;
            let half = z * (p_tilde * (1.0 - p_tilde) / n_tilde).sqrt();
            clip(p_tilde - half, p_tilde + half)
        }
        ProportionMethod::Normal => {
            let half = z * (p * (1.0 - p) / n).sqrt();
            clip(p - half, p + half)
        }
        ProportionMethod::ClopperPearson => Interval {
            lower: if successes == 0 {
                0.0
            } else {
                beta_quantile(k, n - k + 1.0, alpha / 2.0)
            },
            upper: if successes == trials {
                1.0
            } else {
                beta_quantile(k + 1.0, n - k, 1.0 - alpha / 2.0)
            },
        },
        ProportionMethod::Jeffreys => Interval {
            lower: beta_quantile(k + 0.5, n - k + 0.5, alpha / 2.0),
            upper: beta_quantile(k + 0.5, n - k + 0.5, 1.0 - alpha / 2.0),
        },
    };
    Ok(Some(interval))
}

/// The difference `a − b` of two proportions: unpooled interval, pooled z test.
///
/// `Ok(None)` when either sample is empty.
///
/// # Errors
/// [`StatsError::SuccessesExceedTrials`] when a count of successes exceeds its trials.
pub fn proportion_difference(
    successes_a: u64,
    trials_a: u64,
    successes_b: u64,
    trials_b: u64,
    confidence: Confidence,
) -> Result<Option<ProportionDifference>, StatsError> {
    for (successes, trials) in [(successes_a, trials_a), (successes_b, trials_b)] {
        if successes > trials {
            return Err(StatsError::SuccessesExceedTrials { successes, trials });
        }
    }
    if trials_a == 0 || trials_b == 0 {
        return Ok(None);
    }
    let (n_a, n_b) = (trials_a as f64, trials_b as f64);
    let (p_a, p_b) = (successes_a as f64 / n_a, successes_b as f64 / n_b);
    let diff = p_a - p_b;
    let se = (p_a * (1.0 - p_a) / n_a + p_b * (1.0 - p_b) / n_b).sqrt();
    let pooled = (successes_a + successes_b) as f64 / (n_a + n_b);
    let se_pooled = (pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b)).sqrt();
    let (z, p_value) = if se_pooled > 0.0 {
        let z = diff / se_pooled;
        (Some(z), Some(normal_two_sided_p(z)))
    } else {
        (None, None)
    };
    let critical = confidence.z();
    Ok(Some(ProportionDifference {
        diff,
        se,
        z,
        p_value,
        lower: diff - critical * se,
        upper: diff + critical * se,
    }))
}

fn clip(lower: f64, upper: f64) -> Interval {
    Interval {
        lower: lower.clamp(0.0, 1.0),
        upper: upper.clamp(0.0, 1.0),
    }
}

/// Quantile of Beta(a, b), refined by Newton steps on statrs' CDF so that the result is
/// accurate to ~1e-13 rather than to the tolerance of statrs' generic bisection.
fn beta_quantile(a: f64, b: f64, probability: f64) -> f64 {
    let Ok(beta) = Beta::new(a, b) else {
        return f64::NAN;
    };
    let mut x = beta.inverse_cdf(probability);
    for _ in 0..8 {
        let density = statrs::distribution::Continuous::pdf(&beta, x);
        if !(density.is_finite() && density > 0.0) {
            break;
        }
        let step = (beta.cdf(x) - probability) / density;
        let next = (x - step).clamp(0.0, 1.0);
        if (next - x).abs() < 1e-16 {
            x = next;
            break;
        }
        x = next;
    }
    x
}
