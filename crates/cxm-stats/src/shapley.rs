//! Shapley (LMG) decomposition of R² among correlated predictors, from their correlation matrix.
//!
//! Every subset's R² comes from a Cholesky factor of the predictors' correlations grown one
//! predictor at a time: appending predictor j to a factor L of subset S costs one triangular
//! solve (O(|S|²)), and R² grows by the square of one new element of L⁻¹r. Walking all 2^p
//! subsets depth first, each from its parent, takes about p²·2^p / 6 multiply-adds and no
//! allocation, where solving each subset's normal equations afresh would take p³·2^p / 24.
//!
//! Precision: the factor is the same one a direct Cholesky of the subset's matrix would give, so
//! R² agrees with a direct solve to about 1e-14 on well-conditioned matrices. A predictor whose
//! squared distance from the span of those before it falls below 1e-12 (perfect collinearity)
//! makes the decomposition fail.

use crate::StatsError;
use crate::matrix::Square;
use crate::random::SplitMix64;

/// Predictors above which Shapley values are estimated rather than computed exactly.
pub const EXACT_SHAPLEY_LIMIT: usize = 15;

/// Orders drawn when Shapley values are estimated.
const SAMPLED_ORDERS: usize = 2_000;

/// A Cholesky factor of a growing set of predictors, with the running R².
struct Chain<'a> {
    rxx: &'a Square,
    rxy: &'a [f64],
    /// Row k holds the k-th member's row of L (p × p, row by row).
    factor: Vec<f64>,
    /// L⁻¹ r for the members.
    z: Vec<f64>,
    members: Vec<usize>,
    /// R² of the members so far, after each push (`r_squared[0]` = 0).
    r_squared: Vec<f64>,
}

impl<'a> Chain<'a> {
    fn new(rxx: &'a Square, rxy: &'a [f64]) -> Chain<'a> {
        let p = rxx.size;
        Chain {
            rxx,
            rxy,
            factor: vec![0.0; p * p],
            z: vec![0.0; p],
            members: Vec::with_capacity(p),
            r_squared: vec![0.0],
        }
    }

    /// Appends predictor `j`; returns the R² of the members with it.
    fn push(&mut self, j: usize) -> Result<f64, StatsError> {
        let p = self.rxx.size;
        let depth = self.members.len();
        let (done, row) = self.factor.split_at_mut(depth * p);
        let row = &mut row[..p];
        let mut norm = 0.0;
        let mut projection = 0.0;
        for (i, &member) in self.members.iter().enumerate() {
            let previous = &done[i * p..i * p + i];
            let sum: f64 = previous.iter().zip(&row[..i]).map(|(a, b)| a * b).sum();
            let value = (self.rxx.at(member, j) - sum) / done[i * p + i];
            row[i] = value;
            norm += value * value;
            projection += value * self.z[i];
        }
        let remainder = self.rxx.at(j, j) - norm;
        if remainder <= 1e-12 {
            return Err(StatsError::Drivers(
                "the predictors are perfectly collinear".to_owned(),
            ));
        }
        let diagonal = remainder.sqrt();
        row[depth] = diagonal;
        let z = (self.rxy[j] - projection) / diagonal;
        self.z[depth] = z;
        self.members.push(j);
        let r_squared = self.r_squared[depth] + z * z;
        self.r_squared.push(r_squared);
        Ok(r_squared)
    }

    /// Drops members back to the first `depth`.
    fn truncate(&mut self, depth: usize) {
        self.members.truncate(depth);
        self.r_squared.truncate(depth + 1);
    }

    /// Fills `r2[S ∪ {j}]` for every j ≥ `next`, and below each, depth first.
    fn descend(&mut self, subset: usize, next: usize, r2: &mut [f64]) -> Result<(), StatsError> {
        let depth = self.members.len();
        for j in next..self.rxx.size {
            let with = subset | (1 << j);
            r2[with] = self.push(j)?;
            self.descend(with, j + 1, r2)?;
            self.truncate(depth);
        }
        Ok(())
    }
}

/// R² of every subset of the predictors, indexed by the subset's bit set.
pub(crate) fn all_subset_r_squared(rxx: &Square, rxy: &[f64]) -> Result<Vec<f64>, StatsError> {
    let mut r2 = vec![0.0; 1 << rxx.size];
    Chain::new(rxx, rxy).descend(0, 0, &mut r2)?;
    Ok(r2)
}

/// Each predictor's Shapley share of R²: exact up to [`EXACT_SHAPLEY_LIMIT`] predictors, else
/// the mean over [`SAMPLED_ORDERS`] random orders drawn from a fixed seed.
pub(crate) fn shapley_values(rxx: &Square, rxy: &[f64]) -> Result<Vec<f64>, StatsError> {
    let p = rxx.size;
    if p > EXACT_SHAPLEY_LIMIT {
        return sampled_shapley(rxx, rxy, SAMPLED_ORDERS, 0x5EED);
    }
    let r2 = all_subset_r_squared(rxx, rxy)?;
    // weight(|S|) = |S|! (p − |S| − 1)! / p!
    let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let weights: Vec<f64> = (0..p)
        .map(|size| factorial(size) * factorial(p - size - 1) / factorial(p))
        .collect();
    let mut values = vec![0.0; p];
    for (subset, &base) in r2.iter().enumerate() {
        let weight = weights.get(subset.count_ones() as usize).copied();
        for (j, value) in values.iter_mut().enumerate() {
            if subset & (1 << j) == 0 {
                *value += weight.unwrap_or(0.0) * (r2[subset | (1 << j)] - base);
            }
        }
    }
    Ok(values)
}

fn sampled_shapley(
    rxx: &Square,
    rxy: &[f64],
    orders: usize,
    seed: u64,
) -> Result<Vec<f64>, StatsError> {
    let p = rxx.size;
    let mut rng = SplitMix64::new(seed);
    let mut values = vec![0.0; p];
    let mut chain = Chain::new(rxx, rxy);
    let mut order: Vec<usize> = (0..p).collect();
    for _ in 0..orders {
        rng.shuffle(&mut order);
        chain.truncate(0);
        let mut previous = 0.0;
        for &j in &order {
            let r2 = chain.push(j)?;
            values[j] += r2 - previous;
            previous = r2;
        }
    }
    Ok(values.into_iter().map(|v| v / orders as f64).collect())
}
