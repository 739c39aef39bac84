//! Multiple-comparison control across the groups of one query.

/// Benjamini–Hochberg adjusted p-values (statsmodels `fdr_bh`), in input order.
///
/// `q_(i) = min_{j ≥ i} min(1, m·p_(j)/j)` over the ascending order. Ties are handled by the
/// running minimum, so equal p-values get equal adjusted values. An empty slice gives an empty
/// vector. NaN inputs are treated as 1.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    let value = |i: usize| {
        let p = p_values[i];
        if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) }
    };
    order.sort_by(|&a, &b| value(a).total_cmp(&value(b)));
    let mut adjusted = vec![0.0; m];
    let mut running_min = 1.0_f64;
    for (rank, &index) in order.iter().enumerate().rev() {
        let candidate = (m as f64 * value(index) / (rank + 1) as f64).min(1.0);
        running_min = running_min.min(candidate);
        adjusted[index] = running_min;
    }
    adjusted
}
