//! Integration tests of cxm-stats: golden values from established packages, and invariants.

mod clv;
mod drivers;
mod embedded;
mod forecast;
mod golden;
mod moments;
mod properties;
mod weighting;

/// `|actual − expected| ≤ rtol·|expected| + atol`, with a message naming the case.
pub fn check_close(what: &str, actual: f64, expected: f64, rtol: f64, atol: f64) {
    let ok = (actual - expected).abs() <= rtol * expected.abs() + atol
        || (actual.is_infinite() && actual == expected);
    assert!(
        ok,
        "{what}: got {actual:e}, expected {expected:e} (rtol {rtol:e}, atol {atol:e})"
    );
}
