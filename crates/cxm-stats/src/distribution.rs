//! Normal and Student's t distribution functions, thin wrappers over statrs so callers never
//! construct distributions themselves.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Φ(x), the standard normal CDF, as `erfc(−x/√2)/2` with musl's `erfc` (libm), which is
/// accurate to about one ulp; statrs' `erfc` drifts by ~1e-11.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// 2·(1 − Φ(|z|)), the two-sided p-value of a z statistic, computed as `erfc(|z|/√2)` so that
/// small p-values keep their relative precision.
pub fn normal_two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Φ⁻¹(p), the standard normal quantile; `p` must lie in (0, 1) for a finite result.
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// The CDF of Student's t with `df` degrees of freedom (`df` > 0; infinite `df` is normal).
///
/// statrs' incomplete-beta evaluation loses accuracy beyond about 10⁴ degrees of freedom, so
/// there the normalising transform `x(1 − 1/(4ν)) / sqrt(1 + x²/(2ν))` is used, whose error is
/// O(ν⁻²), below 1e-9 in that range.
pub fn student_t_cdf(x: f64, df: f64) -> f64 {
    if df > 1e4 || !df.is_finite() {
        let scaled = if df.is_finite() {
            x * (1.0 - 1.0 / (4.0 * df)) / (1.0 + x * x / (2.0 * df)).sqrt()
        } else {
            x
        };
        return normal_cdf(scaled);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.cdf(x),
        Err(_) => normal_cdf(x),
    }
}

/// The quantile of Student's t with `df` degrees of freedom.
///
/// Beyond 1,000 degrees of freedom the Cornish–Fisher expansion in 1/ν (Abramowitz & Stegun
/// 26.7.5, four terms) replaces statrs' inversion, which drifts there; its error is below
/// 1e-12 in that range.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if df > 1000.0 || !df.is_finite() {
        let z = normal_quantile(p);
        if !df.is_finite() {
            return z;
        }
        let (z2, v) = (z * z, df);
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
        return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => normal_quantile(p),
    }
}

fn standard_normal() -> Normal {
    // Mean 0 and sd 1 are valid parameters, so construction cannot fail.
    Normal::standard()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_975_matches_scipy() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-14);
    }

    #[test]
    fn t_quantile_approaches_normal_for_large_df() {
        assert!((student_t_quantile(0.975, 1e7) - 1.959963984540054).abs() < 1e-6);
    }

    #[test]
    fn t_quantile_is_continuous_across_the_expansion_threshold() {
        // scipy.stats.t.ppf(0.975, 1000) = 1.9623390808264078
        assert!((student_t_quantile(0.975, 1000.0) - 1.9623390808264078).abs() < 1e-9);
        assert!((student_t_quantile(0.975, 1000.0001) - 1.9623390808264078).abs() < 1e-9);
    }

    #[test]
    fn t_cdf_inverts_the_quantile_at_every_size() {
        for df in [2.0, 12.83, 88.75, 1000.0, 9999.0, 1e5, 1e7] {
            let q = student_t_quantile(0.975, df);
            assert!((student_t_cdf(q, df) - 0.975).abs() < 1e-9, "df {df}");
        }
    }
}
