//! Key-driver analysis: which attributes (predictors, e.g. ratings of delivery, price, staff)
//! move an outcome (overall satisfaction, likelihood to recommend), and by how much.
//!
//! From the correlations of the predictors and the outcome: Pearson r; standardized regression
//! coefficients (betas) and R²; Johnson's (2000) relative weights, which split R² among
//! correlated predictors through the orthogonal counterpart R^½ of the predictors' correlation
//! matrix (raw weights sum to R²; rescaled to percent of R²); and the Shapley (LMG) value of each
//! predictor, its R² gain averaged over every order of entry, computed exactly over all 2^p
//! subsets for up to 15 predictors. Beyond 15 predictors the Shapley values are estimated from
//! 2,000 random orders (a fixed seed, so the result is the same on every run), whose standard
//! error is about 1% of R².
//!
//! Bootstrap intervals resample respondents with replacement (a fixed seed) and report the
//! percentile interval of each relative weight.
//!
//! Edge cases: fewer rows than predictors + 2, a constant column, or perfectly collinear
//! predictors give [`StatsError::Drivers`]; nothing is guessed.

use crate::StatsError;
use crate::matrix::Square;
use crate::random::SplitMix64;
use crate::shapley::shapley_values;

/// What a key-driver analysis found, one entry per predictor in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverAnalysis {
    /// R² of the regression of the outcome on all predictors.
    pub r_squared: f64,
    /// Respondents (rows) used.
    pub n: usize,
    /// Per predictor.
    pub drivers: Vec<Driver>,
}

/// One predictor's importance.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// Pearson correlation with the outcome.
    pub pearson_r: f64,
    /// Standardized regression coefficient.
    pub beta: f64,
    /// Johnson's raw relative weight (the weights sum to R²).
    pub relative_weight: f64,
    /// The relative weight in percent of R².
    pub relative_weight_pct: f64,
    /// Shapley (LMG) share of R² (the values sum to R²).
    pub shapley: f64,
    /// Mean of the predictor: its performance, for importance–performance charts.
    pub mean: f64,
}

/// A percentile bootstrap interval of each predictor's relative weight (raw, on R²'s scale).
#[derive(Debug, Clone, PartialEq)]
pub struct DriverIntervals {
    /// `(lower, upper)` per predictor.
    pub relative_weight: Vec<(f64, f64)>,
    /// Replicates that could be analysed (a resample can be collinear and is then skipped).
    pub replicates: usize,
}

/// The importance–performance quadrant of a driver, split at the mean importance and the mean
/// performance of all drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// Important and performing well: keep it up.
    Strength,
    /// Important and performing poorly: fix first.
    Priority,
    /// Less important, performing well: possibly over-invested.
    Surplus,
    /// Less important and performing poorly: watch.
    Secondary,
}

/// Analyses `outcome` against `predictors` (each a column as long as the outcome).
///
/// # Errors
/// [`StatsError::Drivers`] for ragged or too short columns, constant columns or collinear
/// predictors.
pub fn key_drivers(outcome: &[f64], predictors: &[Vec<f64>]) -> Result<DriverAnalysis, StatsError> {
    let n = outcome.len();
    let p = predictors.len();
    if p == 0 || n < p + 2 {
        return Err(StatsError::Drivers(format!(
            "{n} rows cannot support {p} predictors (need at least p + 2)"
        )));
    }
    if let Some(column) = predictors.iter().position(|c| c.len() != n) {
        return Err(StatsError::Drivers(format!(
            "predictor {column} has {} rows, the outcome {n}",
            predictors[column].len()
        )));
    }
    if outcome
        .iter()
        .chain(predictors.iter().flatten())
        .any(|v| !v.is_finite())
    {
        return Err(StatsError::Drivers("every value must be finite".to_owned()));
    }
    let columns: Vec<&[f64]> = predictors
        .iter()
        .map(Vec::as_slice)
        .chain([outcome])
        .collect();
    let (means, correlation) = correlations(&columns)?;
    let mut rxx = Square::zeros(p);
    for i in 0..p {
        for j in 0..p {
            rxx.set(i, j, correlation.at(i, j));
        }
    }
    let rxy: Vec<f64> = (0..p).map(|i| correlation.at(i, p)).collect();
    let betas = rxx.solve(&rxy).ok_or_else(collinear)?;
    let r_squared: f64 = betas.iter().zip(&rxy).map(|(b, r)| b * r).sum();
    let weights = relative_weights(&rxx, &rxy)?;
    let shapley = shapley_values(&rxx, &rxy)?;
    let drivers = (0..p)
        .map(|j| Driver {
            pearson_r: rxy[j],
            beta: betas[j],
            relative_weight: weights[j],
            relative_weight_pct: 100.0 * weights[j] / r_squared,
            shapley: shapley[j],
            mean: means[j],
        })
        .collect();
    Ok(DriverAnalysis {
        r_squared,
        n,
        drivers,
    })
}

/// Percentile bootstrap intervals (at `confidence`, e.g. 0.95) of the relative weights, from
/// `replicates` resamples drawn with `seed`.
///
/// # Errors
/// As [`key_drivers`] on the full data; [`StatsError::Drivers`] when fewer than half the
/// resamples can be analysed.
pub fn bootstrap_relative_weights(
    outcome: &[f64],
    predictors: &[Vec<f64>],
    replicates: usize,
    confidence: crate::Confidence,
    seed: u64,
) -> Result<DriverIntervals, StatsError> {
    key_drivers(outcome, predictors)?;
    let n = outcome.len();
    let mut rng = SplitMix64::new(seed);
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(replicates); predictors.len()];
    let mut used = 0;
    for _ in 0..replicates {
        let rows: Vec<usize> = (0..n)
            .map(|_| (rng.next_u64() % n as u64) as usize)
            .collect();
        let y: Vec<f64> = rows.iter().map(|&r| outcome[r]).collect();
        let x: Vec<Vec<f64>> = predictors
            .iter()
            .map(|c| rows.iter().map(|&r| c[r]).collect())
            .collect();
        if let Ok(analysis) = key_drivers(&y, &x) {
            for (sample, driver) in samples.iter_mut().zip(&analysis.drivers) {
                sample.push(driver.relative_weight);
            }
            used += 1;
        }
    }
    if used * 2 < replicates.max(1) {
        return Err(StatsError::Drivers(format!(
            "only {used} of {replicates} resamples could be analysed"
        )));
    }
    let alpha = confidence.alpha();
    let relative_weight = samples
        .into_iter()
        .map(|mut sample| {
            sample.sort_by(f64::total_cmp);
            (
                crate::quantile::sorted_quantile(&sample, alpha / 2.0),
                crate::quantile::sorted_quantile(&sample, 1.0 - alpha / 2.0),
            )
        })
        .collect();
    Ok(DriverIntervals {
        relative_weight,
        replicates: used,
    })
}

impl DriverAnalysis {
    /// Each driver's importance–performance quadrant, with importance as the relative weight and
    /// performance as the predictor's mean (predictors should share a scale).
    pub fn quadrants(&self) -> Vec<Quadrant> {
        let count = self.drivers.len().max(1) as f64;
        let importance = self.drivers.iter().map(|d| d.relative_weight).sum::<f64>() / count;
        let performance = self.drivers.iter().map(|d| d.mean).sum::<f64>() / count;
        self.drivers
            .iter()
            .map(
                |d| match (d.relative_weight >= importance, d.mean >= performance) {
                    (true, true) => Quadrant::Strength,
                    (true, false) => Quadrant::Priority,
                    (false, true) => Quadrant::Surplus,
                    (false, false) => Quadrant::Secondary,
                },
            )
            .collect()
    }
}

fn collinear() -> StatsError {
    StatsError::Drivers("the predictors are perfectly collinear".to_owned())
}

/// Σ xᵢyᵢ with four running sums, which the compiler can keep in vector registers.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut sums = [0.0; 4];
    let (x_chunks, y_chunks) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = x_chunks
        .remainder()
        .iter()
        .zip(y_chunks.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in x_chunks.zip(y_chunks) {
        for k in 0..4 {
            sums[k] += a[k] * b[k];
        }
    }
    sums.iter().sum::<f64>() + tail
}

/// Rows per block of the cross-product pass: the centred block of every column stays in the
/// core's first-level cache while all pairs of columns are multiplied.
const BLOCK_ROWS: usize = 256;

/// The columns' means and their correlation matrix: the means first, then the cross products
/// of the centred values, summed block by block so that each column is read from memory once.
fn correlations(columns: &[&[f64]]) -> Result<(Vec<f64>, Square), StatsError> {
    let m = columns.len();
    let n = columns.first().map_or(0, |c| c.len());
    let means: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect();
    let mut cross = Square::zeros(m);
    let mut block = vec![0.0; m * BLOCK_ROWS];
    for start in (0..n).step_by(BLOCK_ROWS) {
        let rows = BLOCK_ROWS.min(n - start);
        for (k, column) in columns.iter().enumerate() {
            let centred = &mut block[k * BLOCK_ROWS..k * BLOCK_ROWS + rows];
            for (out, value) in centred.iter_mut().zip(&column[start..start + rows]) {
                *out = value - means[k];
            }
        }
        for i in 0..m {
            let a = &block[i * BLOCK_ROWS..i * BLOCK_ROWS + rows];
            for j in i..m {
                let b = &block[j * BLOCK_ROWS..j * BLOCK_ROWS + rows];
                cross.values[i * m + j] += dot(a, b);
            }
        }
    }
    let scale: Vec<f64> = (0..m).map(|i| cross.at(i, i).sqrt()).collect();
    // A constant column leaves only the rounding of its mean: a spread below 1e-12 of its size.
    let constant = |i: usize| {
        let spread = scale[i] / (n as f64).sqrt();
        spread.is_nan() || spread <= 1e-12 * (1.0 + means[i].abs())
    };
    if let Some(index) = (0..m).find(|&i| constant(i)) {
        return Err(StatsError::Drivers(format!("column {index} is constant")));
    }
    let mut correlation = Square::zeros(m);
    for i in 0..m {
        correlation.set(i, i, 1.0);
        for j in i + 1..m {
            let r = cross.at(i, j) / (scale[i] * scale[j]);
            correlation.set(i, j, r);
            correlation.set(j, i, r);
        }
    }
    Ok((means, correlation))
}

/// Johnson's raw relative weights: with Λ = R^½, β = Λ⁻¹ r, ε_j = Σ_k Λ_jk² β_k².
fn relative_weights(rxx: &Square, rxy: &[f64]) -> Result<Vec<f64>, StatsError> {
    let p = rxx.size;
    let (values, vectors) = rxx.symmetric_eigen();
    if values.iter().any(|v| *v <= 1e-12) {
        return Err(collinear());
    }
    let mut root = Square::zeros(p);
    for i in 0..p {
        for j in 0..p {
            root.set(
                i,
                j,
                (0..p)
                    .map(|k| vectors.at(i, k) * values[k].sqrt() * vectors.at(j, k))
                    .sum(),
            );
        }
    }
    let beta = root.solve(rxy).ok_or_else(collinear)?;
    Ok((0..p)
        .map(|j| {
            (0..p)
                .map(|k| root.at(j, k).powi(2) * beta[k].powi(2))
                .sum()
        })
        .collect())
}
