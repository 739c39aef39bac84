//! Moments and weighted accumulators: scipy's means and variances (the Welch cases of
//! `../shared/golden/proportions_means.json`) reached through merged partial sums, and the
//! invariants of merging and weighting on any data.

use cxm_stats::{Confidence, Histogram, Moments, WeightedHistogram, WeightedMoments};
use proptest::prelude::*;

use crate::check_close;
use crate::golden::golden;

fn moments_of(values: &[f64]) -> Moments {
    let mut moments = Moments::new();
    for v in values {
        assert!(moments.add(*v));
    }
    moments
}

fn weighted_of(items: &[(f64, f64)]) -> WeightedMoments {
    let mut moments = WeightedMoments::new();
    for &(v, w) in items {
        assert!(moments.add(v, w));
    }
    moments
}

#[test]
fn merged_moments_match_scipy() {
    let Some(file) = golden("proportions_means.json") else {
        return;
    };
    for case in file["welch_ttest"]["cases"].as_array().unwrap() {
        let label = case["label"].as_str().unwrap();
        let values: Vec<f64> = case["a"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        // Three shards, merged out of order.
        let third = values.len() / 3;
        let mut merged = moments_of(&values[2 * third..]);
        merged.merge(&moments_of(&values[..third]));
        merged.merge(&moments_of(&values[third..2 * third]));
        let mean = case["mean_a"].as_f64().unwrap();
        let variance = case["var_a_ddof1"].as_f64().unwrap();
        check_close(
            &format!("{label} mean"),
            merged.mean().unwrap(),
            mean,
            1e-12,
            0.0,
        );
        check_close(
            &format!("{label} variance"),
            merged.variance().unwrap(),
            variance,
            1e-12,
            0.0,
        );
        // Equal weights give the unweighted estimate, at any common weight.
        let weighted = weighted_of(&values.iter().map(|v| (*v, 2.5)).collect::<Vec<_>>())
            .estimate(Confidence::NINETY_FIVE)
            .unwrap();
        let plain = merged.mean_estimate(Confidence::NINETY_FIVE).unwrap();
        check_close(
            &format!("{label} weighted mean"),
            weighted.mean,
            mean,
            1e-12,
            0.0,
        );
        check_close(
            &format!("{label} weighted sd"),
            weighted.sd.unwrap(),
            variance.sqrt(),
            1e-10,
            0.0,
        );
        check_close(
            &format!("{label} weighted lower"),
            weighted.lower,
            plain.lower,
            1e-9,
            0.0,
        );
        check_close(
            &format!("{label} design effect"),
            weighted.design_effect,
            1.0,
            1e-12,
            0.0,
        );
    }
}

/// Doubling the weight of half the sample: n_eff = (Σw)²/Σw² and se = sd/√n_eff, by hand.
#[test]
fn unequal_weights_widen_the_interval_by_the_design_effect() {
    let items = [(1.0, 1.0), (2.0, 1.0), (3.0, 2.0), (4.0, 4.0)];
    let estimate = weighted_of(&items)
        .estimate(Confidence::NINETY_FIVE)
        .unwrap();
    // Σw = 8, Σw² = 22, mean = 25/8, Σw(x − mean)² = 8.875.
    let effective_n = 64.0 / 22.0;
    check_close("n_eff", estimate.effective_n, effective_n, 1e-14, 0.0);
    check_close(
        "deff",
        estimate.design_effect,
        4.0 / effective_n,
        1e-14,
        0.0,
    );
    check_close("mean", estimate.mean, 3.125, 1e-14, 0.0);
    let variance = 8.875 / 8.0 * effective_n / (effective_n - 1.0);
    check_close("sd", estimate.sd.unwrap(), variance.sqrt(), 1e-14, 0.0);
    check_close(
        "se",
        estimate.se.unwrap(),
        (variance / effective_n).sqrt(),
        1e-14,
        0.0,
    );
    let mut histogram = WeightedHistogram::new();
    for (v, w) in items {
        histogram.add(v as i64, w);
    }
    let from_bins = histogram.mean_estimate(Confidence::NINETY_FIVE).unwrap();
    check_close(
        "histogram upper",
        from_bins.upper,
        estimate.upper,
        1e-12,
        0.0,
    );
}

#[test]
fn edge_cases_have_no_spread_or_no_estimate() {
    assert_eq!(Moments::new().mean_estimate(Confidence::NINETY_FIVE), None);
    assert_eq!(
        WeightedMoments::new().estimate(Confidence::NINETY_FIVE),
        None
    );
    assert_eq!(
        WeightedHistogram::new().mean_estimate(Confidence::NINETY_FIVE),
        None
    );
    let one = moments_of(&[4.0])
        .mean_estimate(Confidence::NINETY_FIVE)
        .unwrap();
    assert_eq!((one.sd, one.lower, one.upper), (None, 4.0, 4.0));
    let one = weighted_of(&[(4.0, 3.0)])
        .estimate(Confidence::NINETY_FIVE)
        .unwrap();
    assert_eq!((one.se, one.lower, one.upper), (None, 4.0, 4.0));
    let mut refused = WeightedMoments::new();
    assert!(!refused.add(f64::NAN, 1.0));
    assert!(!refused.add(1.0, 0.0));
    assert!(!refused.add(1.0, f64::INFINITY));
    assert!(!Moments::new().add(f64::INFINITY));
    assert!(!WeightedHistogram::new().add(3, -1.0));
    assert_eq!(refused.n(), 0);
}

proptest! {
    #[test]
    fn merging_equals_accumulating_everything(
        a in prop::collection::vec((-1e3f64..1e3, 0.01f64..10.0), 0..80),
        b in prop::collection::vec((-1e3f64..1e3, 0.01f64..10.0), 0..80),
    ) {
        let all: Vec<(f64, f64)> = a.iter().chain(&b).copied().collect();
        let values = |items: &[(f64, f64)]| items.iter().map(|(v, _)| *v).collect::<Vec<_>>();
        let mut merged = moments_of(&values(&b));
        merged.merge(&moments_of(&values(&a)));
        let direct = moments_of(&values(&all));
        prop_assert_eq!(merged.n(), direct.n());
        if let (Some(x), Some(y)) = (merged.mean_estimate(Confidence::NINETY_FIVE), direct.mean_estimate(Confidence::NINETY_FIVE)) {
            prop_assert!((x.mean - y.mean).abs() <= 1e-9 * (1.0 + y.mean.abs()));
            prop_assert!((x.upper - y.upper).abs() <= 1e-7 * (1.0 + y.upper.abs()));
            prop_assert!(y.lower <= y.mean && y.mean <= y.upper);
        }
        let mut merged = weighted_of(&b);
        merged.merge(&weighted_of(&a));
        let direct = weighted_of(&all);
        let rounded: Vec<(f64, f64)> = all.iter().map(|(v, w)| (v.round(), *w)).collect();
        let mut histogram = WeightedHistogram::new();
        for (v, w) in &rounded {
            histogram.add(*v as i64, *w);
        }
        let direct_rounded = weighted_of(&rounded);
        let confidence = Confidence::NINETY_FIVE;
        for (x, y) in [
            (merged.estimate(confidence), direct.estimate(confidence)),
            (histogram.mean_estimate(confidence), direct_rounded.estimate(confidence)),
        ] {
            prop_assert_eq!(x.is_some(), y.is_some());
            let (Some(x), Some(y)) = (x, y) else { continue };
            prop_assert!((x.mean - y.mean).abs() <= 1e-9 * (1.0 + y.mean.abs()));
            prop_assert!((x.upper - y.upper).abs() <= 1e-7 * (1.0 + y.upper.abs()));
            prop_assert!((x.effective_n - y.effective_n).abs() <= 1e-9 * y.effective_n);
            prop_assert!(y.design_effect >= 1.0 - 1e-12);
            prop_assert!(y.lower <= y.mean && y.mean <= y.upper);
        }
    }

    #[test]
    fn scaling_every_weight_changes_nothing(
        items in prop::collection::vec((0.0f64..10.0, 0.01f64..10.0), 2..60),
        scale in 0.001f64..1000.0,
    ) {
        let scaled: Vec<(f64, f64)> = items.iter().map(|(v, w)| (*v, w * scale)).collect();
        let (x, y) = (
            weighted_of(&items).estimate(Confidence::NINETY_FIVE).unwrap(),
            weighted_of(&scaled).estimate(Confidence::NINETY_FIVE).unwrap(),
        );
        prop_assert!((x.mean - y.mean).abs() <= 1e-9 * (1.0 + x.mean.abs()));
        prop_assert!((x.lower - y.lower).abs() <= 1e-7 * (1.0 + x.lower.abs()));
        prop_assert!((x.effective_n - y.effective_n).abs() <= 1e-9 * x.effective_n);
    }

    #[test]
    fn intervals_narrow_as_the_sample_grows(values in prop::collection::vec(1i64..=5, 4..40)) {
        // The same answers twice over: the same spread, twice the evidence.
        let mut once = Histogram::new();
        let mut weighted = WeightedHistogram::new();
        for v in &values {
            once.add(*v, 1);
            weighted.add(*v, 1.0);
        }
        let mut twice_weighted = weighted.clone();
        twice_weighted.merge(&weighted);
        let (small, large) = (
            weighted.mean_estimate(Confidence::NINETY_FIVE).unwrap(),
            twice_weighted.mean_estimate(Confidence::NINETY_FIVE).unwrap(),
        );
        let plain = once.mean_estimate(Confidence::NINETY_FIVE).unwrap();
        prop_assert!((small.upper - plain.upper).abs() <= 1e-9 * (1.0 + plain.upper.abs()));
        prop_assert!(large.upper - large.lower <= small.upper - small.lower + 1e-12);
    }
}
