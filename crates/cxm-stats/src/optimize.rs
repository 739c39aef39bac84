//! Minimisation of a smooth function of a few parameters (model fitting by least squares or
//! maximum likelihood).
//!
//! - Nelder–Mead, with restarts from the best point found, needs no gradients and is robust on
//!   the small, flat surfaces of smoothing models; it stops when the simplex's values agree to
//!   `tolerance` (relative) or after `max_evaluations`.
//! - BFGS with a backtracking line search uses an analytic gradient and needs a few dozen
//!   evaluations where the simplex needs hundreds; it stops when the largest gradient component
//!   falls below `tolerance` × (1 + |f|), when a step no longer lowers f, or after
//!   `max_iterations`.
//!
//! Constraints are the caller's: return `f64::INFINITY` (or NaN) outside the domain.

/// Where a minimisation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The best point.
    pub point: Vec<f64>,
    /// The function's value there.
    pub value: f64,
    /// Function evaluations used.
    pub evaluations: usize,
}

/// Minimises `f` from `start`, with initial steps `step` per coordinate.
pub fn nelder_mead(
    f: impl Fn(&[f64]) -> f64,
    start: &[f64],
    step: &[f64],
    tolerance: f64,
    max_evaluations: usize,
) -> Minimum {
    let dimensions = start.len();
    let evaluations = std::cell::Cell::new(0usize);
    let evaluate = |x: &[f64]| {
        evaluations.set(evaluations.get() + 1);
        let value = f(x);
        if value.is_nan() { f64::INFINITY } else { value }
    };
    let mut best = (start.to_vec(), evaluate(start));
    // Restart from the best point until a restart no longer improves it.
    for _restart in 0..8 {
        let mut simplex: Vec<(Vec<f64>, f64)> = vec![best.clone()];
        for i in 0..dimensions {
            let mut point = best.0.clone();
            point[i] += step[i];
            let value = evaluate(&point);
            simplex.push((point, value));
        }
        while evaluations.get() < max_evaluations {
            simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
            let (lowest, highest) = (simplex[0].1, simplex[dimensions].1);
            if (highest - lowest).abs() <= tolerance * (lowest.abs() + tolerance) {
                break;
            }
            let centroid: Vec<f64> = (0..dimensions)
                .map(|i| {
                    simplex[..dimensions].iter().map(|(p, _)| p[i]).sum::<f64>() / dimensions as f64
                })
                .collect();
            let toward = |t: f64| -> Vec<f64> {
                centroid
                    .iter()
                    .zip(&simplex[dimensions].0)
                    .map(|(c, w)| c + t * (w - c))
                    .collect()
            };
            let reflected = toward(-1.0);
            let reflected_value = evaluate(&reflected);
            if reflected_value < simplex[0].1 {
                let expanded = toward(-2.0);
                let expanded_value = evaluate(&expanded);
                simplex[dimensions] = if expanded_value < reflected_value {
                    (expanded, expanded_value)
                } else {
                    (reflected, reflected_value)
                };
            } else if reflected_value < simplex[dimensions - 1].1 {
                simplex[dimensions] = (reflected, reflected_value);
            } else {
                let contracted = if reflected_value < simplex[dimensions].1 {
                    toward(-0.5)
                } else {
                    toward(0.5)
                };
                let contracted_value = evaluate(&contracted);
                if contracted_value < simplex[dimensions].1.min(reflected_value) {
                    simplex[dimensions] = (contracted, contracted_value);
                } else {
                    let anchor = simplex[0].0.clone();
                    for vertex in simplex.iter_mut().skip(1) {
                        let point: Vec<f64> = anchor
                            .iter()
                            .zip(&vertex.0)
                            .map(|(a, v)| a + 0.5 * (v - a))
                            .collect();
                        let value = evaluate(&point);
                        *vertex = (point, value);
                    }
                }
            }
        }
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let improved = simplex[0].1 < best.1 * (1.0 - tolerance) - tolerance;
        best = if simplex[0].1 <= best.1 {
            simplex[0].clone()
        } else {
            best
        };
        if !improved || evaluations.get() >= max_evaluations {
            break;
        }
    }
    Minimum {
        point: best.0,
        value: best.1,
        evaluations: evaluations.get(),
    }
}

/// Minimises `f` from `start` by BFGS; `f` returns the value at a point and writes the gradient
/// into its second argument.
pub fn bfgs(
    f: impl Fn(&[f64], &mut [f64]) -> f64,
    start: &[f64],
    tolerance: f64,
    max_iterations: usize,
) -> Minimum {
    let n = start.len();
    let mut evaluations = 0usize;
    let mut evaluate = |x: &[f64], gradient: &mut [f64]| {
        evaluations += 1;
        let value = f(x, gradient);
        if value.is_nan() || gradient.iter().any(|g| !g.is_finite()) {
            f64::INFINITY
        } else {
            value
        }
    };
    let mut x = start.to_vec();
    let mut gradient = vec![0.0; n];
    let mut value = evaluate(&x, &mut gradient);
    // The inverse Hessian estimate, row by row; the first step is scaled to a unit move.
    let mut inverse = vec![0.0; n * n];
    let largest = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    for i in 0..n {
        inverse[i * n + i] = 1.0 / largest.max(1.0);
    }
    let (mut candidate, mut candidate_gradient) = (vec![0.0; n], vec![0.0; n]);
    let mut first_update = true;
    for _ in 0..max_iterations {
        let largest = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if !value.is_finite() || largest <= tolerance * (1.0 + value.abs()) {
            break;
        }
        let direction: Vec<f64> = (0..n)
            .map(|i| {
                -(0..n)
                    .map(|j| inverse[i * n + j] * gradient[j])
                    .sum::<f64>()
            })
            .collect();
        let mut slope: f64 = direction.iter().zip(&gradient).map(|(d, g)| d * g).sum();
        let direction = if slope < 0.0 {
            direction
        } else {
            // Not a descent direction: restart from steepest descent.
            inverse.iter_mut().for_each(|v| *v = 0.0);
            for i in 0..n {
                inverse[i * n + i] = 1.0 / largest;
            }
            slope = -gradient.iter().map(|g| g * g).sum::<f64>() / largest;
            gradient.iter().map(|g| -g / largest).collect()
        };
        // Backtracking until the Armijo condition holds.
        let mut step = 1.0;
        let mut candidate_value = f64::INFINITY;
        for _ in 0..60 {
            for i in 0..n {
                candidate[i] = x[i] + step * direction[i];
            }
            candidate_value = evaluate(&candidate, &mut candidate_gradient);
            if candidate_value <= value + 1e-4 * step * slope {
                break;
            }
            step *= if candidate_value.is_finite() {
                0.5
            } else {
                0.1
            };
        }
        if candidate_value >= value {
            break;
        }
        let s: Vec<f64> = (0..n).map(|i| candidate[i] - x[i]).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| candidate_gradient[i] - gradient[i])
            .collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-12 * norm(&s) * norm(&y) {
            if first_update {
                // Scale the initial estimate to the curvature just seen (Nocedal & Wright 6.20).
                let scale = sy / y.iter().map(|v| v * v).sum::<f64>();
                inverse.iter_mut().for_each(|v| *v = 0.0);
                for i in 0..n {
                    inverse[i * n + i] = scale;
                }
                first_update = false;
            }
            // H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ
            let rho = 1.0 / sy;
            let hy: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| inverse[i * n + j] * y[j]).sum())
                .collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            for i in 0..n {
                for j in 0..n {
                    inverse[i * n + j] +=
                        rho * ((1.0 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
                }
            }
        }
        x.copy_from_slice(&candidate);
        gradient.copy_from_slice(&candidate_gradient);
        value = candidate_value;
    }
    Minimum {
        point: x,
        value,
        evaluations,
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::{bfgs, nelder_mead};

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let rosenbrock = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let minimum = nelder_mead(rosenbrock, &[-1.2, 1.0], &[0.5, 0.5], 1e-14, 20_000);
        assert!(
            (minimum.point[0] - 1.0).abs() < 1e-5 && (minimum.point[1] - 1.0).abs() < 1e-5,
            "{minimum:?}"
        );
    }

    #[test]
    fn bfgs_finds_the_minimum_of_rosenbrock() {
        let rosenbrock = |x: &[f64], g: &mut [f64]| {
            g[0] = -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]);
            g[1] = 200.0 * (x[1] - x[0] * x[0]);
            (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2)
        };
        let minimum = bfgs(rosenbrock, &[-1.2, 1.0], 1e-12, 1_000);
        assert!(
            (minimum.point[0] - 1.0).abs() < 1e-6 && (minimum.point[1] - 1.0).abs() < 1e-6,
            "{minimum:?}"
        );
        assert!(minimum.evaluations < 200, "{minimum:?}");
    }
}
