//! The likelihoods that the customer-base fits maximise, summed fast and with their gradients:
//! BG/NBD over customers grouped by identical history, Gamma–Gamma over repeaters grouped by
//! their number of repeat purchases. Gradients are analytic (digamma from statrs) and taken in
//! the log-parameters that the fits optimise; a unit test checks them against central
//! differences.

use statrs::function::gamma::{digamma, ln_gamma};

use super::{BgNbd, GammaGamma, Rfm};

/// Customers grouped for fast likelihoods: identical histories once, with their count, and the
/// terms that depend only on the number of repeat purchases computed once per distinct number.
/// Purchase times recorded by day give few distinct histories even among millions of customers.
pub(super) struct Histories {
    /// Distinct repeat counts.
    frequencies: Vec<f64>,
    /// Distinct histories.
    groups: Vec<Group>,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    /// Index into `frequencies`.
    frequency: usize,
    recency: f64,
    age: f64,
    /// Customers with this history.
    count: f64,
}

/// Histories above which the likelihood is summed on every available core.
const PARALLEL_GROUPS: usize = 50_000;

/// The BG/NBD log-likelihood and its gradient in the log-parameters (ln r, ln α, ln a, ln b).
type ValueAndGradient = (f64, [f64; 4]);

impl Histories {
    pub(super) fn of(customers: &[Rfm]) -> Histories {
        let mut keys: Vec<(u64, u64, u64)> = customers
            .iter()
            .map(|c| (c.frequency.to_bits(), c.recency.to_bits(), c.age.to_bits()))
            .collect();
        // Frequencies are non-negative, so their bit patterns sort as the numbers do.
        keys.sort_unstable();
        let mut frequencies: Vec<f64> = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut previous = None;
        for key in keys {
            if previous == Some(key) {
                if let Some(last) = groups.last_mut() {
                    last.count += 1.0;
                }
                continue;
            }
            previous = Some(key);
            let x = f64::from_bits(key.0);
            if frequencies.last() != Some(&x) {
                frequencies.push(x);
            }
            groups.push(Group {
                frequency: frequencies.len() - 1,
                recency: f64::from_bits(key.1),
                age: f64::from_bits(key.2),
                count: 1.0,
            });
        }
        Histories {
            frequencies,
            groups,
        }
    }

    /// The same sum as [`BgNbd::log_likelihood`], grouped, with its gradient.
    pub(super) fn bg_nbd(&self, model: &BgNbd) -> ValueAndGradient {
        let BgNbd { r, alpha, a, b } = *model;
        let constant = r * alpha.ln() - ln_gamma(r) + ln_gamma(a + b) - ln_gamma(b);
        let (psi_r, psi_ab, psi_b) = (digamma(r), digamma(a + b), digamma(b));
        let by_frequency: Vec<FrequencyTerms> = self
            .frequencies
            .iter()
            .map(|&x| {
                let psi_abx = digamma(a + b + x);
                FrequencyTerms {
                    x,
                    head: constant + ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x),
                    head_r: alpha.ln() - psi_r + digamma(r + x),
                    head_a: psi_ab - psi_abx,
                    head_b: psi_ab - psi_b + digamma(b + x) - psi_abx,
                    dropout: if x > 0.0 {
                        a.ln() - (b + x - 1.0).ln()
                    } else {
                        f64::NEG_INFINITY
                    },
                    dropout_b: if x > 0.0 { -1.0 / (b + x - 1.0) } else { 0.0 },
                }
            })
            .collect();
        let sum = |groups: &[Group]| bg_nbd_sum(groups, &by_frequency, r, alpha, a);
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let (value, gradient) = if self.groups.len() < PARALLEL_GROUPS || threads < 2 {
            sum(&self.groups)
        } else {
            let chunk = self.groups.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let parts: Vec<_> = self
                    .groups
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || sum(part)))
                    .collect();
                parts
                    .into_iter()
                    .map(|part| part.join().unwrap_or((f64::NAN, [f64::NAN; 4])))
                    .fold((0.0, [0.0; 4]), |(v, g), (pv, pg)| {
                        (
                            v + pv,
                            [g[0] + pg[0], g[1] + pg[1], g[2] + pg[2], g[3] + pg[3]],
                        )
                    })
            })
        };
        // d/d ln θ = θ · d/dθ
        let scaled = [
            r * gradient[0],
            alpha * gradient[1],
            a * gradient[2],
            b * gradient[3],
        ];
        (value, scaled)
    }
}

/// What depends on the number of repeat purchases x alone, and its derivatives.
struct FrequencyTerms {
    x: f64,
    head: f64,
    head_r: f64,
    head_a: f64,
    head_b: f64,
    dropout: f64,
    dropout_b: f64,
}

/// Σ count · ln L over `groups`, and its gradient in (r, α, a, b).
///
/// ln L = head(x) + ln(e^A + e^B) with A = −(r + x) ln(α + T) and, for x > 0,
/// B = ln a − ln(b + x − 1) − (r + x) ln(α + tₓ).
fn bg_nbd_sum(
    groups: &[Group],
    terms: &[FrequencyTerms],
    r: f64,
    alpha: f64,
    a: f64,
) -> ValueAndGradient {
    let (mut value, mut gradient) = (0.0, [0.0; 4]);
    let r_alpha = r / alpha;
    for group in groups {
        let term = &terms[group.frequency];
        let rx = r + term.x;
        let log_age = (alpha + group.age).ln();
        let first = -rx * log_age;
        let (log_sum, w_first, w_second, log_recency) = if term.x > 0.0 {
            let log_recency = (alpha + group.recency).ln();
            let second = term.dropout - rx * log_recency;
            let top = first.max(second);
            let (e_first, e_second) = ((first - top).exp(), (second - top).exp());
            let total = e_first + e_second;
            (
                top + total.ln(),
                e_first / total,
                e_second / total,
                log_recency,
            )
        } else {
            (first, 1.0, 0.0, 0.0)
        };
        let count = group.count;
        value += count * (term.head + log_sum);
        gradient[0] += count * (term.head_r - w_first * log_age - w_second * log_recency);
        gradient[1] += count
            * (r_alpha - rx * (w_first / (alpha + group.age) + w_second / (alpha + group.recency)));
        gradient[2] += count * (term.head_a + w_second / a);
        gradient[3] += count * (term.head_b + w_second * term.dropout_b);
    }
    (value, gradient)
}

/// The repeaters of a Gamma–Gamma fit, with what depends only on their number of repeat
/// purchases summed once per distinct number.
pub(super) struct Repeaters {
    /// Per distinct repeat count x: (x, customers, Σ ln m).
    frequencies: Vec<(f64, f64, f64)>,
    /// Per repeater: (x, m·x).
    spend: Vec<(f64, f64)>,
}

impl Repeaters {
    /// Customers with repeat purchases and a positive mean value; the others carry no
    /// information about spend.
    pub(super) fn of(customers: &[Rfm]) -> Repeaters {
        let mut spend: Vec<(f64, f64)> = customers
            .iter()
            .filter(|c| c.frequency > 0.0 && c.monetary > 0.0)
            .map(|c| (c.frequency, c.monetary))
            .collect();
        spend.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut frequencies: Vec<(f64, f64, f64)> = Vec::new();
        for &(x, m) in &spend {
            match frequencies.last_mut() {
                Some(last) if last.0 == x => {
                    last.1 += 1.0;
                    last.2 += m.ln();
                }
                _ => frequencies.push((x, 1.0, m.ln())),
            }
        }
        Repeaters {
            frequencies,
            spend: spend.into_iter().map(|(x, m)| (x, m * x)).collect(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.spend.is_empty()
    }

    /// The Gamma–Gamma log-likelihood (note 025 eq. 1a summed) and its gradient in
    /// (ln p, ln q, ln γ).
    pub(super) fn gamma_gamma(&self, model: &GammaGamma) -> (f64, [f64; 3]) {
        let GammaGamma { p, q, gamma } = *model;
        let (ln_gamma_q, digamma_q, ln_scale) = (ln_gamma(q), digamma(q), gamma.ln());
        let (mut value, mut gradient) = (0.0, [0.0; 3]);
        for &(x, customers, sum_ln_m) in &self.frequencies {
            let px = p * x;
            let digamma_pxq = digamma(px + q);
            value += customers
                * (ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_scale + px * x.ln())
                + (px - 1.0) * sum_ln_m;
            gradient[0] += x * (customers * (digamma_pxq - digamma(px) + x.ln()) + sum_ln_m);
            gradient[1] += customers * (digamma_pxq - digamma_q + ln_scale);
            gradient[2] += customers * q / gamma;
        }
        for &(x, total) in &self.spend {
            let px_q = p * x + q;
            let ln_total = (gamma + total).ln();
            value -= px_q * ln_total;
            gradient[0] -= x * ln_total;
            gradient[1] -= ln_total;
            gradient[2] -= px_q / (gamma + total);
        }
        (
            value,
            [p * gradient[0], q * gradient[1], gamma * gradient[2]],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{BgNbd, GammaGamma, Histories, Repeaters, Rfm};

    /// `n` made-up customers: repeat purchases cycling below `repeats`, ages from `age`.
    fn synthetic(n: usize, repeats: f64, age: impl Fn(f64) -> f64) -> Vec<Rfm> {
        (0..n)
            .map(|i| {
                let i = i as f64;
                let frequency = (i * 7.0) % repeats;
                let age = age(i);
                let repeat = frequency > 0.0;
                Rfm {
                    frequency,
                    recency: if repeat {
                        age * ((i * 0.37) % 1.0)
                    } else {
                        0.0
                    },
                    age,
                    monetary: if repeat { 5.0 + (i * 1.7) % 40.0 } else { 0.0 },
                }
            })
            .collect()
    }

    fn customers() -> Vec<Rfm> {
        synthetic(60, 5.0, |i| 10.0 + (i * 3.0) % 29.0)
    }

    /// Central differences of the log-likelihood in one log-parameter.
    fn numeric(f: impl Fn(&[f64]) -> f64, at: &[f64], k: usize) -> f64 {
        let h = 1e-6;
        let (mut up, mut down) = (at.to_vec(), at.to_vec());
        up[k] += h;
        down[k] -= h;
        (f(&up) - f(&down)) / (2.0 * h)
    }

    #[test]
    fn analytic_gradients_match_central_differences() {
        let customers = customers();
        let histories = Histories::of(&customers);
        let point = [-1.2f64, 1.4, -0.3, 0.8];
        let bg = |x: &[f64]| BgNbd {
            r: x[0].exp(),
            alpha: x[1].exp(),
            a: x[2].exp(),
            b: x[3].exp(),
        };
        let (value, gradient) = histories.bg_nbd(&bg(&point));
        let direct = bg(&point).log_likelihood(&customers);
        assert!(
            (value - direct).abs() < 1e-9 * direct.abs(),
            "{value} {direct}"
        );
        for (k, g) in gradient.iter().enumerate() {
            let expected = numeric(|x| bg(x).log_likelihood(&customers), &point, k);
            assert!(
                (g - expected).abs() < 1e-5 * (1.0 + expected.abs()),
                "BG/NBD {k}: {g} {expected}"
            );
        }
        let gg = |x: &[f64]| GammaGamma {
            p: x[0].exp(),
            q: x[1].exp(),
            gamma: x[2].exp(),
        };
        let repeaters = Repeaters::of(&customers);
        let point = [1.1f64, 0.9, 2.3];
        let (value, gradient) = repeaters.gamma_gamma(&gg(&point));
        assert!((value - gg(&point).log_likelihood(&customers)).abs() < 1e-9 * value.abs());
        for (k, g) in gradient.iter().enumerate() {
            let expected = numeric(|x| gg(x).log_likelihood(&customers), &point, k);
            assert!(
                (g - expected).abs() < 1e-5 * (1.0 + expected.abs()),
                "Gamma-Gamma {k}: {g} {expected}"
            );
        }
    }

    #[test]
    fn the_split_sum_over_many_histories_equals_the_direct_sum() {
        let customers = synthetic(2 * super::PARALLEL_GROUPS, 6.0, |i| 40.0 + i * 1e-4);
        let model = BgNbd {
            r: 0.25,
            alpha: 4.4,
            a: 0.8,
            b: 2.4,
        };
        let histories = Histories::of(&customers);
        assert!(histories.groups.len() > super::PARALLEL_GROUPS);
        let (value, _) = histories.bg_nbd(&model);
        let direct = model.log_likelihood(&customers);
        assert!(
            (value - direct).abs() < 1e-9 * direct.abs(),
            "{value} {direct}"
        );
    }
}
