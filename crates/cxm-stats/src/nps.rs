//! Net Promoter Score: the mergeable promoter/passive/detractor accumulator, the point
//! estimate with its standard error and interval, and the two-sample difference test.
//!
//! Definitions (Rocks 2016; Rocks' R package `NPS`; Sauro & Lewis 2021):
//! - scores 9–10 are promoters, 7–8 passives, 0–6 detractors; NPS = (P − D)/n on [−1, 1];
//! - the per-observation variance is the population variance of the +1/0/−1 scores,
//!   `(p + d) − (p − d)²`, and `se = sqrt(var / n)`;
//! - Wald: `nps ± z·se`, not clipped;
//! - adjusted Wald: add 0.75 promoters, 1.5 passives and 0.75 detractors (n + 3) and centre
//!   the Wald interval on the adjusted NPS; not clipped. Better coverage at small n and at the
//!   boundaries (10/0/0 gives [0.475, 1.063], not the degenerate [1, 1]).
//!
//! Edge cases: `n = 0` gives `None`; a sample of one category has `se = 0` and a Wald interval
//! of zero width, which is why adjusted Wald is the default.

use crate::{Confidence, normal_two_sided_p};

/// How an NPS interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NpsMethod {
    /// Plain Wald interval around the observed NPS.
    Wald,
    /// Adjusted Wald: 3 pseudo-observations (¾ promoter, 1½ passive, ¾ detractor).
    #[default]
    AdjustedWald,
    /// Rocks' iterative score interval ([`NpsCounts::score_interval`]); comparisons use the
    /// Wald test.
    Score,
}

/// Counts of promoters, passives and detractors; merges by addition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NpsCounts {
    /// Respondents who scored 9 or 10.
    pub promoters: u64,
    /// Respondents who scored 7 or 8.
    pub passives: u64,
    /// Respondents who scored 0 to 6.
    pub detractors: u64,
}

/// An NPS interval: its centre (the adjusted NPS for adjusted Wald), standard error and limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NpsInterval {
    /// The method that produced it.
    pub method: NpsMethod,
    /// The two-sided confidence level.
    pub confidence: f64,
    /// The centre on [−1, 1]; equals the observed NPS for Wald.
    pub centre: f64,
    /// The standard error used for the width.
    pub se: f64,
    /// Lower limit on [−1, 1] scale, unclipped.
    pub lower: f64,
    /// Upper limit on [−1, 1] scale, unclipped.
    pub upper: f64,
}

/// An NPS estimate from a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NpsEstimate {
    /// Respondents counted.
    pub n: u64,
    /// The counts behind the estimate.
    pub counts: NpsCounts,
    /// NPS on [−1, 1].
    pub nps: f64,
    /// Standard error of the observed NPS.
    pub se: f64,
    /// The interval by the requested method.
    pub interval: NpsInterval,
}

/// The difference between two NPS values (a − b) with its z test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NpsDifference {
    /// `nps_a − nps_b` on [−1, 1] (adjusted NPS values for adjusted Wald).
    pub diff: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// z statistic; `None` when `se = 0`.
    pub z: Option<f64>,
    /// Two-sided p-value `2(1 − Φ(|z|))`; `None` when `se = 0`.
    pub p_value: Option<f64>,
    /// Lower limit of `diff ± z·se`.
    pub lower: f64,
    /// Upper limit of `diff ± z·se`.
    pub upper: f64,
}

impl NpsCounts {
    /// Counts from the three categories.
    pub fn new(promoters: u64, passives: u64, detractors: u64) -> Self {
        NpsCounts {
            promoters,
            passives,
            detractors,
        }
    }

    /// Adds one 0–10 score; values outside 0..=10 are ignored and reported as `false`.
    pub fn add_score(&mut self, score: i64) -> bool {
        self.add_score_count(score, 1)
    }

    /// Adds `count` respondents who gave `score`; `false` (and nothing added) outside 0..=10.
    pub fn add_score_count(&mut self, score: i64, count: u64) -> bool {
        match score {
            9 | 10 => self.promoters += count,
            7 | 8 => self.passives += count,
            0..=6 => self.detractors += count,
            _ => return false,
        }
        true
    }

    /// Adds another accumulator's counts.
    pub fn merge(&mut self, other: &NpsCounts) {
        self.promoters += other.promoters;
        self.passives += other.passives;
        self.detractors += other.detractors;
    }

    /// Number of respondents.
    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// The estimate and interval; `None` when there are no respondents.
    pub fn estimate(&self, method: NpsMethod, confidence: Confidence) -> Option<NpsEstimate> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let (nps, variance) = moments(self.promoters as f64, self.detractors as f64, n as f64);
        let se = (variance / n as f64).sqrt();
        let (centre, interval_se) = match method {
            NpsMethod::Wald | NpsMethod::Score => (nps, se),
            NpsMethod::AdjustedWald => {
                let (p, d, n) = self.adjusted();
                let (centre, variance) = moments(p, d, n);
                (centre, (variance / n).sqrt())
            }
        };
        let z = confidence.z();
        let (lower, upper) = match method {
            NpsMethod::Score => self.score_interval(confidence)?,
            _ => (centre - z * interval_se, centre + z * interval_se),
        };
        Some(NpsEstimate {
            n,
            counts: *self,
            nps,
            se,
            interval: NpsInterval {
                method,
                confidence: confidence.level(),
                centre,
                se: interval_se,
                lower,
                upper,
            },
        })
    }

    /// The two-sample z test of `self − other` (Rocks' `nps_test`); `None` if either is empty.
    pub fn difference(
        &self,
        other: &NpsCounts,
        method: NpsMethod,
        confidence: Confidence,
    ) -> Option<NpsDifference> {
        if self.n() == 0 || other.n() == 0 {
            return None;
        }
        let part = |counts: &NpsCounts| -> (f64, f64) {
            let (p, d, n) = match method {
                NpsMethod::Wald | NpsMethod::Score => (
                    counts.promoters as f64,
                    counts.detractors as f64,
                    counts.n() as f64,
                ),
                NpsMethod::AdjustedWald => counts.adjusted(),
            };
            let (nps, variance) = moments(p, d, n);
            (nps, variance / n)
        };
        let (nps_a, var_a) = part(self);
        let (nps_b, var_b) = part(other);
        let diff = nps_a - nps_b;
        let se = (var_a + var_b).sqrt();
        let (z, p_value) = if se > 0.0 {
            let z = diff / se;
            (Some(z), Some(normal_two_sided_p(z)))
        } else {
            (None, None)
        };
        let critical = confidence.z();
        Some(NpsDifference {
            diff,
            se,
            z,
            p_value,
            lower: diff - critical * se,
            upper: diff + critical * se,
        })
    }

    fn adjusted(&self) -> (f64, f64, f64) {
        (
            self.promoters as f64 + 0.75,
            self.detractors as f64 + 0.75,
            self.n() as f64 + 3.0,
        )
    }
}

impl NpsCounts {
    /// Rocks' (2016) iterative score interval (Tango-type), solved by bisection to machine
    /// precision: the NPS values δ whose score statistic, with the detractor share at its
    /// maximum-likelihood value under NPS = δ, lies within ±z. Returns `(lower, upper)` on the
    /// −1..1 scale, reaching 1 (or −1) when every respondent is a promoter (or detractor);
    /// `None` when empty. It stays inside [−1, 1] and is the method Rocks found to perform best
    /// with the adjusted Wald.
    pub fn score_interval(&self, confidence: Confidence) -> Option<(f64, f64)> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let (promoters, detractors) = (self.promoters as f64, self.detractors as f64);
        let n = n as f64;
        let centre = (promoters - detractors) / n;
        let z = confidence.z();
        let score = |delta: f64| -> f64 {
            let pa = 2.0 * n;
            let pb = -detractors - promoters + (2.0 * n - promoters + detractors) * delta;
            let pc = -detractors * delta * (1.0 - delta);
            let q = ((pb * pb - 4.0 * pa * pc).max(0.0).sqrt() - pb) / (2.0 * pa);
            let variance = n * (2.0 * q + delta * (1.0 - delta));
            let numerator = promoters - detractors - n * delta;
            if numerator == 0.0 {
                0.0
            } else if variance > 0.0 {
                numerator / variance.sqrt()
            } else {
                f64::INFINITY.copysign(numerator)
            }
        };
        // score(δ) falls as δ rises: bisect for score = −z above the centre and +z below it.
        let solve = |mut low: f64, mut high: f64, target: f64| -> f64 {
            for _ in 0..200 {
                let middle = 0.5 * (low + high);
                if middle <= low || middle >= high {
                    break;
                }
                if score(middle) > target {
                    low = middle
                } else {
                    high = middle
                }
            }
            0.5 * (low + high)
        };
        let upper = if self.promoters as f64 == n {
            1.0
        } else {
            solve(centre, 1.0 - 1e-15, -z)
        };
        let lower = if self.detractors as f64 == n {
            -1.0
        } else {
            solve(-1.0 + 1e-15, centre, z)
        };
        Some((lower, upper))
    }
}

impl NpsEstimate {
    /// NPS on the customary −100..100 scale.
    pub fn points(&self) -> f64 {
        self.nps * 100.0
    }

    /// Share of promoters in [0, 1].
    pub fn promoter_share(&self) -> f64 {
        self.counts.promoters as f64 / self.n as f64
    }

    /// Share of passives in [0, 1].
    pub fn passive_share(&self) -> f64 {
        self.counts.passives as f64 / self.n as f64
    }

    /// Share of detractors in [0, 1].
    pub fn detractor_share(&self) -> f64 {
        self.counts.detractors as f64 / self.n as f64
    }
}

impl NpsInterval {
    /// The interval with both limits clipped to [−1, 1], for display.
    pub fn clipped(&self) -> (f64, f64) {
        (self.lower.max(-1.0), self.upper.min(1.0))
    }
}

/// NPS and the per-observation variance `(p + d) − (p − d)²` from (possibly fractional) counts.
fn moments(promoters: f64, detractors: f64, n: f64) -> (f64, f64) {
    let p = promoters / n;
    let d = detractors / n;
    let nps = p - d;
    (nps, ((p + d) - nps * nps).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rocks_package_variance_unit_tests() {
        // tests/testthat/test_01_basics.R in brendan-r/NPS: nps_se_(1:3) = 0.304.
        let estimate = NpsCounts::new(3, 2, 1)
            .estimate(NpsMethod::Wald, Confidence::NINETY_FIVE)
            .unwrap();
        assert!((estimate.se - 0.304_290_309_725_092_25).abs() < 1e-12);
    }

    #[test]
    fn empty_counts_have_no_estimate() {
        assert!(
            NpsCounts::default()
                .estimate(NpsMethod::AdjustedWald, Confidence::NINETY_FIVE)
                .is_none()
        );
    }

    #[test]
    fn scores_outside_zero_to_ten_are_refused() {
        let mut counts = NpsCounts::default();
        assert!(!counts.add_score(11));
        assert!(!counts.add_score(-1));
        assert_eq!(counts.n(), 0);
    }
}
