//! Customer-base models for churn and lifetime value: the BG/NBD model of repeat purchasing
//! (Fader, Hardie & Lee 2005) and the Gamma–Gamma model of spend per purchase (Fader & Hardie
//! 2013, note 025), fitted by maximum likelihood, with their predictions and a discounted
//! customer lifetime value.
//!
//! A customer is summarised as `Rfm`: repeat purchases x (frequency), the time of the last
//! purchase t_x (recency) and the age T, both from the first purchase, and the mean value of the
//! repeat purchases. `rfm.rs` builds these from raw transactions.
//!
//! Precision: log-likelihoods use statrs' `ln_gamma` (about 1e-15 relative); the hypergeometric
//! function ₂F₁ is summed as its Gauss series until terms fall below 1e-17 of the sum (its
//! argument is below 1 in every prediction here). Fits run BFGS on log-parameters with analytic
//! gradients (digamma from statrs) until every gradient component is below 1e-9 of the
//! log-likelihood (about where a sum over a million customers stops being exact); they agree with lifetimes' fits to about 1e-5 relative in the parameters (the
//! likelihood is flat in a and b, and lifetimes stops earlier). Customers with identical
//! histories are summed once, and above 50,000 distinct histories the sum is split over the
//! available cores.

use statrs::function::gamma::ln_gamma;

use crate::StatsError;
use crate::optimize::bfgs;

mod likelihood;

use likelihood::{Histories, Repeaters};

/// One customer's purchase history in the model's terms (times in one unit, e.g. weeks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    /// Repeat purchases (purchase days after the first).
    pub frequency: f64,
    /// Time from the first to the last purchase.
    pub recency: f64,
    /// Time from the first purchase to the end of observation.
    pub age: f64,
    /// Mean value of the repeat purchases (0 without repeats).
    pub monetary: f64,
}

/// BG/NBD parameters: purchase rates ~ Gamma(r, α), dropout probabilities ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Scale of the purchase-rate distribution.
    pub alpha: f64,
    /// First shape of the dropout distribution.
    pub a: f64,
    /// Second shape of the dropout distribution.
    pub b: f64,
}

/// Gamma–Gamma parameters of spend per purchase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    /// Shape of a purchase's value around the customer's mean.
    pub p: f64,
    /// Shape of the customers' mean values.
    pub q: f64,
    /// Scale of the customers' mean values.
    pub gamma: f64,
}

/// A fitted model with the log-likelihood it reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fitted<M> {
    /// The parameters.
    pub model: M,
    /// Total log-likelihood at the parameters.
    pub log_likelihood: f64,
}

impl BgNbd {
    /// The log-likelihood of one customer (FHL 2005 eq. 6).
    pub fn log_likelihood_of(&self, customer: &Rfm) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let (x, t_x, age) = (customer.frequency, customer.recency, customer.age);
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        let a3 = -(r + x) * (alpha + age).ln();
        if x > 0.0 {
            let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln();
            let top = a3.max(a4);
            a1 + a2 + top + ((a3 - top).exp() + (a4 - top).exp()).ln()
        } else {
            a1 + a2 + a3
        }
    }

    /// The total log-likelihood of `customers`.
    pub fn log_likelihood(&self, customers: &[Rfm]) -> f64 {
        customers.iter().map(|c| self.log_likelihood_of(c)).sum()
    }

    /// Fits the model by maximum likelihood.
    ///
    /// # Errors
    /// [`StatsError::CustomerModel`] when there are no customers, a history is impossible
    /// (negative or non-finite values, a last purchase after the end of observation), or the fit
    /// does not converge to finite parameters.
    pub fn fit(customers: &[Rfm]) -> Result<Fitted<BgNbd>, StatsError> {
        if customers.is_empty() {
            return Err(StatsError::CustomerModel(
                "BG/NBD needs customers".to_owned(),
            ));
        }
        if let Some((index, customer)) = customers.iter().enumerate().find(|(_, c)| {
            !(c.frequency >= 0.0 && c.recency >= 0.0 && c.recency <= c.age && c.age.is_finite())
        }) {
            return Err(StatsError::CustomerModel(format!(
                "customer {index} has an impossible history: {} repeat purchases, last at {}, \
                 observed for {} (need 0 ≤ recency ≤ age, frequency ≥ 0)",
                customer.frequency, customer.recency, customer.age
            )));
        }
        let histories = Histories::of(customers);
        let model = |x: &[f64]| BgNbd {
            r: x[0].exp(),
            alpha: x[1].exp(),
            a: x[2].exp(),
            b: x[3].exp(),
        };
        let objective = |x: &[f64], gradient: &mut [f64]| {
            let (value, slope) = histories.bg_nbd(&model(x));
            for (g, s) in gradient.iter_mut().zip(slope) {
                *g = -s;
            }
            -value
        };
        let minimum = bfgs(objective, &[0.0, 1.0, 0.0, 1.0], 1e-9, 500);
        let fitted = model(&minimum.point);
        if !minimum.value.is_finite() {
            return Err(StatsError::CustomerModel(
                "the BG/NBD likelihood did not reach a finite maximum".to_owned(),
            ));
        }
        Ok(Fitted {
            model: fitted,
            log_likelihood: -minimum.value,
        })
    }

    /// The probability that the customer is still active at the end of observation.
    pub fn probability_alive(&self, customer: &Rfm) -> f64 {
        1.0 / (1.0 + self.dropout_odds(customer))
    }

    /// `δ(x > 0) · a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x)`.
    fn dropout_odds(&self, customer: &Rfm) -> f64 {
        let x = customer.frequency;
        if x == 0.0 {
            return 0.0;
        }
        let log_odds = self.a.ln() - (self.b + x - 1.0).ln()
            + (self.r + x)
                * ((self.alpha + customer.age).ln() - (self.alpha + customer.recency).ln());
        log_odds.exp()
    }

    /// Expected purchases in the next `time` by this customer (FHL 2005 eq. 10).
    pub fn conditional_expected_purchases(&self, time: f64, customer: &Rfm) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let (x, age) = (customer.frequency, customer.age);
        let ratio = (alpha + age) / (alpha + age + time);
        let hyper = hyp2f1(r + x, b + x, a + b + x - 1.0, time / (alpha + age + time));
        let head = (a + b + x - 1.0) / (a - 1.0);
        head * (1.0 - ratio.powf(r + x) * hyper) / (1.0 + self.dropout_odds(customer))
    }

    /// Expected purchases in `time` by a new customer (FHL 2005 eq. 9).
    pub fn expected_purchases(&self, time: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let hyper = hyp2f1(r, b, a + b - 1.0, time / (alpha + time));
        (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + time)).powf(r) * hyper)
    }

    /// The probability that a new customer makes exactly `n` purchases in `time` (FHL eq. 8).
    pub fn probability_of_purchases(&self, time: f64, n: u32) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let x = f64::from(n);
        let ln_beta = |p: f64, q: f64| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
        let share = (alpha / (alpha + time)).ln();
        let rest = (time / (alpha + time)).ln();
        let first =
            (ln_beta(a, b + x) - ln_beta(a, b) + ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
                + r * share
                + x * rest)
                .exp();
        if n == 0 {
            return first;
        }
        let tail: f64 = (0..n)
            .map(|j| {
                let j = f64::from(j);
                (ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + j * rest).exp()
            })
            .sum();
        let second = (ln_beta(a + 1.0, b + x - 1.0) - ln_beta(a, b)).exp()
            * (1.0 - (r * share).exp() * tail);
        first + second
    }
}

impl GammaGamma {
    /// The log-density of one repeater's mean spend (note 025 eq. 1a); customers without
    /// repeat purchases carry no information and add 0.
    pub fn log_likelihood_of(&self, customer: &Rfm) -> f64 {
        let GammaGamma { p, q, gamma } = *self;
        let (x, m) = (customer.frequency, customer.monetary);
        if x <= 0.0 || m <= 0.0 {
            return 0.0;
        }
        ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
            + q * gamma.ln()
            + (p * x - 1.0) * m.ln()
            + (p * x) * x.ln()
            - (p * x + q) * (gamma + m * x).ln()
    }

    /// The total log-likelihood of `customers` (their repeaters).
    pub fn log_likelihood(&self, customers: &[Rfm]) -> f64 {
        customers.iter().map(|c| self.log_likelihood_of(c)).sum()
    }

    /// Fits the model on the repeaters among `customers`.
    ///
    /// # Errors
    /// [`StatsError::CustomerModel`] without repeaters, for a non-finite or negative mean
    /// value, or when the fit does not converge.
    pub fn fit(customers: &[Rfm]) -> Result<Fitted<GammaGamma>, StatsError> {
        if let Some(index) = customers
            .iter()
            .position(|c| !(c.monetary >= 0.0 && c.monetary.is_finite()))
        {
            return Err(StatsError::CustomerModel(format!(
                "customer {index} has a mean purchase value of {}",
                customers[index].monetary
            )));
        }
        let repeaters = Repeaters::of(customers);
        if repeaters.is_empty() {
            return Err(StatsError::CustomerModel(
                "Gamma-Gamma needs customers with repeat purchases".to_owned(),
            ));
        }
        let model = |x: &[f64]| GammaGamma {
            p: x[0].exp(),
            q: x[1].exp(),
            gamma: x[2].exp(),
        };
        let objective = |x: &[f64], gradient: &mut [f64]| {
            let (value, slope) = repeaters.gamma_gamma(&model(x));
            for (g, s) in gradient.iter_mut().zip(slope) {
                *g = -s;
            }
            -value
        };
        let minimum = bfgs(objective, &[1.0, 1.0, 1.0], 1e-9, 500);
        if !minimum.value.is_finite() {
            return Err(StatsError::CustomerModel(
                "the Gamma-Gamma likelihood did not reach a finite maximum".to_owned(),
            ));
        }
        Ok(Fitted {
            model: model(&minimum.point),
            log_likelihood: -minimum.value,
        })
    }

    /// The expected value of this customer's future purchases: a weighted mean of the
    /// population mean p·γ/(q − 1) and the customer's own mean.
    pub fn conditional_expected_spend(&self, customer: &Rfm) -> f64 {
        let GammaGamma { p, q, gamma } = *self;
        let x = customer.frequency;
        let population = p * gamma / (q - 1.0);
        if x <= 0.0 {
            return population;
        }
        let weight = p * x / (p * x + q - 1.0);
        (1.0 - weight) * population + weight * customer.monetary
    }

    /// Discounted lifetime value over `months` (lifetimes' discrete formula): expected spend per
    /// purchase times the expected purchases in each month, discounted at `monthly_rate`, with
    /// `weeks_per_month` when the BG/NBD model's time unit is weeks (4.345), or 1.0 when it is
    /// months.
    pub fn lifetime_value(
        &self,
        purchases: &BgNbd,
        customer: &Rfm,
        months: u32,
        monthly_rate: f64,
        weeks_per_month: f64,
    ) -> f64 {
        let spend = self.conditional_expected_spend(customer);
        let mut previous = 0.0;
        (1..=months)
            .map(|k| {
                let expected = purchases
                    .conditional_expected_purchases(weeks_per_month * f64::from(k), customer);
                let value = spend * (expected - previous) / (1.0 + monthly_rate).powi(k as i32);
                previous = expected;
                value
            })
            .sum()
    }
}

/// Gauss's hypergeometric function ₂F₁(a, b; c; z) for |z| < 1, by its series.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 0..1_000_000u32 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() < 1e-17 * sum.abs() {
            break;
        }
    }
    sum
}
