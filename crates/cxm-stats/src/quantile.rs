//! Sample quantiles by linear interpolation between order statistics (Hyndman & Fan type 7,
//! numpy's and R's default): the median and p90 of durations such as case resolution times.

/// The `q`-quantile (0 ≤ q ≤ 1) of `values`; `None` for no values, a `q` outside [0, 1] or a
/// non-finite value.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=1.0).contains(&q) || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted_quantile(&sorted, q))
}

/// [`quantile`] of values already sorted ascending (not checked).
pub(crate) fn sorted_quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [50, 90]) = [3.0, 7.6];
        // numpy.median([4, 1, 3, 2]) = 2.5.
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.5), Some(3.0));
        assert!((quantile(&[10.0, 1.0, 2.0, 3.0, 4.0], 0.9).unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[1.0], 1.5), None);
        assert_eq!(quantile(&[f64::NAN], 0.5), None);
    }
}
