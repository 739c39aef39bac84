//! Survey weights: raking (iterative proportional fitting) of respondents' weights to known
//! population margins, and Kish's effective sample size and design effect of a set of weights.
//!
//! Raking follows Deming & Stephan (1940): each sweep scales, variable by variable, the weights
//! of every category so that its weighted share equals its target share; sweeps repeat until the
//! largest gap between a weighted share and its target, after a full sweep, is below the
//! tolerance. Weights are scaled to sum to the number of respondents (mean weight 1, as the
//! reference implementation and ipfn do); multiply by N / n for population totals. A sample whose
//! margins cannot be matched (an empty category with a positive target, or bounds that trimming
//! cannot meet) is an error, never a silent result.
//!
//! Every respondent in the same combination of categories is scaled by the same factors, so
//! without trimming the sweeps run on the totals of those cells (a few dozen, typically) and
//! each respondent's weight is its base weight times its cell's factor: the same weights, in
//! two passes over the respondents instead of two per variable per sweep. Trimming clamps
//! individual weights, so with it the sweeps run over respondents.

use crate::StatsError;

/// One raking variable: each respondent's category and each category's target share.
#[derive(Debug, Clone, PartialEq)]
pub struct RakingVariable {
    /// Name, for error messages.
    pub name: String,
    /// The category index of each respondent, `0..targets.len()`.
    pub categories: Vec<usize>,
    /// Target share of each category; they sum to 1.
    pub targets: Vec<f64>,
}

/// Stopping and trimming rules of raking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RakingOptions {
    /// Stop when every weighted share is within this of its target after a sweep.
    pub tolerance: f64,
    /// Give up after this many sweeps.
    pub max_sweeps: usize,
    /// Keep every weight within `[lower, upper]` times the mean weight, re-raking after each
    /// clamp (trimming); `None` leaves weights unbounded.
    pub trim: Option<(f64, f64)>,
}

impl Default for RakingOptions {
    fn default() -> Self {
        RakingOptions {
            tolerance: 1e-10,
            max_sweeps: 100,
            trim: None,
        }
    }
}

/// Raked weights and how they were reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Raking {
    /// One weight per respondent.
    pub weights: Vec<f64>,
    /// Sweeps made.
    pub sweeps: usize,
    /// Largest |weighted share − target| after the last sweep.
    pub max_margin_error: f64,
}

/// Kish's summary of a set of weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightSummary {
    /// Respondents.
    pub n: usize,
    /// Effective sample size, (Σw)² / Σw².
    pub effective_n: f64,
    /// Design effect of weighting, n / effective n = n Σw² / (Σw)².
    pub design_effect: f64,
}

/// Rakes `base_weights` to the variables' target margins.
///
/// # Errors
/// [`StatsError::Raking`] when the inputs are inconsistent (lengths, categories out of range,
/// targets that do not sum to 1, non-positive base weights, an empty category with a positive
/// target) or the margins are not met within `max_sweeps`.
pub fn rake(
    base_weights: &[f64],
    variables: &[RakingVariable],
    options: RakingOptions,
) -> Result<Raking, StatsError> {
    let n = base_weights.len();
    let fail = |message: String| Err(StatsError::Raking(message));
    if n == 0 || variables.is_empty() {
        return fail("raking needs respondents and at least one variable".to_owned());
    }
    if let Some(bad) = base_weights.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
        return fail(format!(
            "base weights must be positive and finite, got {bad}"
        ));
    }
    for variable in variables {
        if variable.categories.len() != n {
            return fail(format!(
                "{}: {} categories for {n} respondents",
                variable.name,
                variable.categories.len()
            ));
        }
        if let Some(&c) = variable
            .categories
            .iter()
            .find(|&&c| c >= variable.targets.len())
        {
            return fail(format!("{}: category {c} has no target", variable.name));
        }
        let total: f64 = variable.targets.iter().sum();
        if (total - 1.0).abs() > 1e-9 || variable.targets.iter().any(|t| t.is_nan() || *t < 0.0) {
            return fail(format!(
                "{}: targets must be non-negative and sum to 1, they sum to {total}",
                variable.name
            ));
        }
        let mut present = vec![false; variable.targets.len()];
        for &c in &variable.categories {
            present[c] = true;
        }
        if let Some(c) = (0..present.len()).find(|&c| !present[c] && variable.targets[c] > 0.0) {
            return fail(format!(
                "{}: category {c} has a target of {} but no respondents",
                variable.name, variable.targets[c]
            ));
        }
    }
    let total = n as f64;
    if options.trim.is_none()
        && let Some(cells) = Cells::of(variables, n)
    {
        // Every respondent of a cell is scaled by the same factors: rake the cells' totals,
        // then scale each respondent by its cell's overall factor.
        let mut cell_weights = vec![0.0; cells.count];
        for (&cell, &weight) in cells.of_respondent.iter().zip(base_weights) {
            cell_weights[cell as usize] += weight;
        }
        let base = cell_weights.clone();
        let cell_variables: Vec<RakingVariable> = variables
            .iter()
            .zip(&cells.categories)
            .map(|(variable, categories)| RakingVariable {
                name: variable.name.clone(),
                categories: categories.clone(),
                targets: variable.targets.clone(),
            })
            .collect();
        let (sweeps, error) = sweep(&mut cell_weights, &cell_variables, total, options)?;
        let factors: Vec<f64> = cell_weights.iter().zip(&base).map(|(w, b)| w / b).collect();
        let weights = cells
            .of_respondent
            .iter()
            .zip(base_weights)
            .map(|(&cell, weight)| weight * factors[cell as usize])
            .collect();
        return Ok(Raking {
            weights,
            sweeps,
            max_margin_error: error,
        });
    }
    let mut weights = base_weights.to_vec();
    let (sweeps, error) = sweep(&mut weights, variables, total, options)?;
    Ok(Raking {
        weights,
        sweeps,
        max_margin_error: error,
    })
}

/// Sweeps `weights` (of respondents, or of cells of respondents) until the margins are met;
/// returns the sweeps made and the largest remaining gap.
fn sweep(
    weights: &mut [f64],
    variables: &[RakingVariable],
    total: f64,
    options: RakingOptions,
) -> Result<(usize, f64), StatsError> {
    for sweep in 1..=options.max_sweeps {
        for variable in variables {
            let sums = category_sums(weights, variable);
            for (weight, &c) in weights.iter_mut().zip(&variable.categories) {
                *weight *= variable.targets[c] * total / sums[c];
            }
        }
        if let Some((lower, upper)) = options.trim {
            let mean = total / weights.len() as f64;
            for weight in weights.iter_mut() {
                *weight = weight.clamp(lower * mean, upper * mean);
            }
        }
        let error = max_margin_error(weights, variables);
        if error < options.tolerance {
            return Ok((sweep, error));
        }
    }
    let error = max_margin_error(weights, variables);
    Err(StatsError::Raking(format!(
        "margins not met after {} sweeps (largest gap {error:e}, tolerance {:e})",
        options.max_sweeps, options.tolerance
    )))
}

/// Respondents grouped by their combination of categories across all raking variables.
struct Cells {
    /// Distinct combinations present.
    count: usize,
    /// Each respondent's cell.
    of_respondent: Vec<u32>,
    /// Per variable, each cell's category.
    categories: Vec<Vec<usize>>,
}

impl Cells {
    /// `None` when the combinations cannot be numbered compactly (more possible combinations
    /// than fit a dense table of a few times the respondents); raking then works row by row.
    fn of(variables: &[RakingVariable], n: usize) -> Option<Cells> {
        let mut possible: usize = 1;
        for variable in variables {
            possible = possible.checked_mul(variable.targets.len().max(1))?;
        }
        if possible > (4 * n).max(1 << 16) || n > u32::MAX as usize {
            return None;
        }
        let mut code = vec![0u32; n];
        let mut radix = 1usize;
        for variable in variables {
            for (code, &c) in code.iter_mut().zip(&variable.categories) {
                *code += (c * radix) as u32;
            }
            radix *= variable.targets.len().max(1);
        }
        let mut index = vec![u32::MAX; possible];
        let mut first_members = Vec::new();
        for (respondent, code) in code.iter_mut().enumerate() {
            let slot = &mut index[*code as usize];
            if *slot == u32::MAX {
                *slot = first_members.len() as u32;
                first_members.push(respondent);
            }
            *code = *slot;
        }
        let categories = variables
            .iter()
            .map(|v| first_members.iter().map(|&r| v.categories[r]).collect())
            .collect();
        Some(Cells {
            count: first_members.len(),
            of_respondent: code,
            categories,
        })
    }
}

fn category_sums(weights: &[f64], variable: &RakingVariable) -> Vec<f64> {
    let mut sums = vec![0.0; variable.targets.len()];
    for (weight, &c) in weights.iter().zip(&variable.categories) {
        sums[c] += weight;
    }
    sums
}

fn max_margin_error(weights: &[f64], variables: &[RakingVariable]) -> f64 {
    let total: f64 = weights.iter().sum();
    variables
        .iter()
        .flat_map(|variable| {
            category_sums(weights, variable)
                .into_iter()
                .zip(&variable.targets)
                .map(move |(sum, target)| (sum / total - target).abs())
        })
        .fold(0.0, f64::max)
}

/// Kish's effective sample size and design effect of `weights`; `None` when empty or when the
/// weights sum to zero.
pub fn weight_summary(weights: &[f64]) -> Option<WeightSummary> {
    let sum: f64 = weights.iter().sum();
    let sum_squares: f64 = weights.iter().map(|w| w * w).sum();
    if weights.is_empty() || sum == 0.0 {
        return None;
    }
    let effective_n = sum * sum / sum_squares;
    Some(WeightSummary {
        n: weights.len(),
        effective_n,
        design_effect: weights.len() as f64 / effective_n,
    })
}

/// Weighted NPS counts that merge: weight sums per group and the sum of squared weights, so
/// that shards and periods combine exactly and the interval uses Kish's effective sample size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeightedNps {
    /// Sum of promoters' weights.
    pub promoters: f64,
    /// Sum of passives' weights.
    pub passives: f64,
    /// Sum of detractors' weights.
    pub detractors: f64,
    /// Sum of squared weights.
    pub squared: f64,
    /// Respondents.
    pub n: u64,
}

/// A weighted NPS with its design-effect-adjusted interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedNpsEstimate {
    /// NPS on the −1..1 scale: weighted promoter share − weighted detractor share.
    pub nps: f64,
    /// Standard error, sqrt(var / effective n).
    pub se: f64,
    /// Lower limit of nps ± z·se (not clipped).
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
    /// Kish's effective sample size.
    pub effective_n: f64,
    /// Kish's design effect, n / effective n.
    pub design_effect: f64,
}

impl WeightedNps {
    /// Adds a 0–10 score with a weight; `false` (and nothing added) for a score off the scale or
    /// a weight that is not positive and finite.
    pub fn add(&mut self, score: i64, weight: f64) -> bool {
        if !((0..=10).contains(&score) && weight.is_finite() && weight > 0.0) {
            return false;
        }
        match score {
            9..=10 => self.promoters += weight,
            7..=8 => self.passives += weight,
            _ => self.detractors += weight,
        }
        self.squared += weight * weight;
        self.n += 1;
        true
    }

    /// Adds everything `other` counted.
    pub fn merge(&mut self, other: &WeightedNps) {
        self.promoters += other.promoters;
        self.passives += other.passives;
        self.detractors += other.detractors;
        self.squared += other.squared;
        self.n += other.n;
    }

    /// The estimate and its Wald interval at the effective sample size; `None` when empty.
    pub fn estimate(&self, confidence: crate::Confidence) -> Option<WeightedNpsEstimate> {
        let total = self.promoters + self.passives + self.detractors;
        if self.n == 0 || total <= 0.0 {
            return None;
        }
        let (p, d) = (self.promoters / total, self.detractors / total);
        let nps = p - d;
        let effective_n = total * total / self.squared;
        let se = (((p + d) - nps * nps) / effective_n).sqrt();
        let z = confidence.z();
        Some(WeightedNpsEstimate {
            nps,
            se,
            lower: nps - z * se,
            upper: nps + z * se,
            effective_n,
            design_effect: self.n as f64 / effective_n,
        })
    }
}
