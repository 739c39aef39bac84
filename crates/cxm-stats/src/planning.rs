//! Planning a survey: the margin of error a sample of n gives, and how many responses are
//! needed to detect a given change in a proportion (CSAT top box, a choice share) or in NPS.
//!
//! Formulas: margins are z·se with the estimators' own variances (p(1 − p)/n for a proportion;
//! [(p + d) − (p − d)²]/n for NPS, see `nps.rs`). Sample sizes are per group, for comparing two
//! independent samples of equal size with a two-sided test at level α and the given power:
//! for proportions Fleiss' formula without continuity correction,
//! n = [z₁₋α/₂·sqrt(2·p̄(1 − p̄)) + z₁₋β·sqrt(p₁(1 − p₁) + p₂(1 − p₂))]² / (p₁ − p₂)²;
//! for NPS, n = (z₁₋α/₂ + z₁₋β)²·2·var / Δ², with the variance of the baseline shares.
//! Results are rounded up.

use crate::{Confidence, StatsError, normal_quantile};

/// The margin of error of a proportion `p` estimated from `n` answers; `None` for n = 0.
///
/// # Errors
/// [`StatsError::Probability`] unless `0 ≤ p ≤ 1`.
pub fn proportion_margin_of_error(
    p: f64,
    n: u64,
    confidence: Confidence,
) -> Result<Option<f64>, StatsError> {
    probability("p", p)?;
    Ok((n > 0).then(|| confidence.z() * (p * (1.0 - p) / n as f64).sqrt()))
}

/// The margin of error of NPS (on the −1..1 scale) with the given promoter and detractor shares
/// from `n` answers; `None` for n = 0.
///
/// # Errors
/// [`StatsError::Probability`] unless both shares and their sum lie in [0, 1].
pub fn nps_margin_of_error(
    promoters: f64,
    detractors: f64,
    n: u64,
    confidence: Confidence,
) -> Result<Option<f64>, StatsError> {
    let variance = nps_variance(promoters, detractors)?;
    Ok((n > 0).then(|| confidence.z() * (variance / n as f64).sqrt()))
}

/// Answers needed in each of two groups to detect proportions `p1` and `p2` apart.
///
/// # Errors
/// [`StatsError::Probability`] for shares or power outside their ranges, or equal shares.
pub fn proportion_sample_size(
    p1: f64,
    p2: f64,
    confidence: Confidence,
    power: f64,
) -> Result<u64, StatsError> {
    probability("p1", p1)?;
    probability("p2", p2)?;
    let z_beta = power_quantile(power)?;
    if p1 == p2 {
        return Err(StatsError::Probability {
            what: "p2 (must differ from p1)",
            value: p2,
        });
    }
    let mean = (p1 + p2) / 2.0;
    let numerator = confidence.z() * (2.0 * mean * (1.0 - mean)).sqrt()
        + z_beta * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    Ok((numerator.powi(2) / (p1 - p2).powi(2)).ceil() as u64)
}

/// Answers needed in each of two groups to detect a change of `change` in NPS (on the −1..1
/// scale; 0.05 is five points) from a baseline with the given promoter and detractor shares.
///
/// # Errors
/// [`StatsError::Probability`] for shares or power outside their ranges or a zero change.
pub fn nps_sample_size(
    promoters: f64,
    detractors: f64,
    change: f64,
    confidence: Confidence,
    power: f64,
) -> Result<u64, StatsError> {
    let variance = nps_variance(promoters, detractors)?;
    let z_beta = power_quantile(power)?;
    if !(change.is_finite() && change != 0.0) {
        return Err(StatsError::Probability {
            what: "change (must be non-zero)",
            value: change,
        });
    }
    Ok(((confidence.z() + z_beta).powi(2) * 2.0 * variance / change.powi(2)).ceil() as u64)
}

fn probability(what: &'static str, value: f64) -> Result<f64, StatsError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(StatsError::Probability { what, value })
    }
}

fn power_quantile(power: f64) -> Result<f64, StatsError> {
    if power > 0.0 && power < 1.0 {
        Ok(normal_quantile(power))
    } else {
        Err(StatsError::Probability {
            what: "power",
            value: power,
        })
    }
}

fn nps_variance(promoters: f64, detractors: f64) -> Result<f64, StatsError> {
    probability("promoter share", promoters)?;
    probability("detractor share", detractors)?;
    probability("promoter + detractor share", promoters + detractors)?;
    Ok((promoters + detractors) - (promoters - detractors).powi(2))
}
