//! Nelder–Mead minimisation of a smooth function of a few parameters (model fitting by least
//! squares or maximum likelihood), with restarts from the best point found.
//!
//! The simplex method needs no gradients and is robust on the small, flat surfaces of
//! smoothing models; it stops when the simplex's values agree to `tolerance` (relative) or after
//! `max_evaluations`. Constraints are the caller's: return `f64::INFINITY` outside the domain.

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

#[cfg(test)]
mod tests {
    use super::nelder_mead;

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let rosenbrock = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let minimum = nelder_mead(rosenbrock, &[-1.2, 1.0], &[0.5, 0.5], 1e-14, 20_000);
        assert!(
            (minimum.point[0] - 1.0).abs() < 1e-5 && (minimum.point[1] - 1.0).abs() < 1e-5,
            "{minimum:?}"
        );
    }
}
