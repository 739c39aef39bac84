//! Key-driver analysis against `../shared/golden/relative_weights.json` (numpy reference after
//! Johnson 2000; Shapley values cross-checked with dominance-analysis 1.1.9; mtcars weights equal
//! to the R package rwa's published values), and the decomposition's invariants on any data.

use cxm_stats::{Confidence, Quadrant, bootstrap_relative_weights, key_drivers};
use proptest::prelude::*;

use crate::check_close;
use crate::golden::{golden, shared_dir};

/// `(outcome, predictors)` of a golden CSV, columns named as in the JSON.
fn dataset(file: &str, outcome: &str, predictors: &[String]) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let text = std::fs::read_to_string(shared_dir()?.join("golden").join(file)).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let column = |name: &str| -> Vec<f64> {
        let index = header.iter().position(|h| *h == name).unwrap();
        rows.iter().map(|r| r[index].parse().unwrap()).collect()
    };
    Some((
        column(outcome),
        predictors.iter().map(|p| column(p)).collect(),
    ))
}

#[test]
fn relative_weights_and_shapley_values_match_the_reference() {
    let Some(file) = golden("relative_weights.json") else {
        return;
    };
    for name in ["attitude", "mtcars"] {
        let case = &file[name];
        let predictors: Vec<String> = serde_json::from_value(case["predictors"].clone()).unwrap();
        let (y, x) = dataset(
            case["file"].as_str().unwrap(),
            case["outcome"].as_str().unwrap(),
            &predictors,
        )
        .unwrap();
        let analysis = key_drivers(&y, &x).unwrap();
        check_close(
            &format!("{name} R²"),
            analysis.r_squared,
            case["r_squared"].as_f64().unwrap(),
            0.0,
            1e-10,
        );
        for (driver, predictor) in analysis.drivers.iter().zip(&predictors) {
            let want = |field: &str| case[field][predictor].as_f64().unwrap();
            let what = |field: &str| format!("{name} {predictor} {field}");
            check_close(
                &what("r"),
                driver.pearson_r,
                want("pearson_r_with_outcome"),
                0.0,
                1e-10,
            );
            check_close(
                &what("beta"),
                driver.beta,
                want("standardized_coefficients"),
                0.0,
                1e-10,
            );
            check_close(
                &what("raw weight"),
                driver.relative_weight,
                want("relative_weights_raw"),
                0.0,
                1e-10,
            );
            check_close(
                &what("% weight"),
                driver.relative_weight_pct,
                want("relative_weights_rescaled_pct"),
                0.0,
                1e-8,
            );
            check_close(
                &what("shapley"),
                driver.shapley,
                want("shapley_r2"),
                0.0,
                1e-10,
            );
        }
    }
    // The rwa package's README values for mpg ~ cyl + disp + hp + gear, to its 7 digits.
    let case = &file["mtcars"];
    let predictors: Vec<String> = serde_json::from_value(case["predictors"].clone()).unwrap();
    let (y, x) = dataset("keydriver_mtcars.csv", "mpg", &predictors).unwrap();
    let analysis = key_drivers(&y, &x).unwrap();
    check_close("rwa R²", analysis.r_squared, 0.7791896, 0.0, 5e-8);
    for (driver, published) in analysis
        .drivers
        .iter()
        .zip([0.2284797, 0.2221469, 0.2321744, 0.0963886])
    {
        check_close("rwa weight", driver.relative_weight, published, 0.0, 5e-8);
    }
}

#[test]
fn unusable_data_is_refused() {
    let y = vec![1.0, 2.0, 3.0, 4.0, 5.0];
    for x in [
        vec![vec![1.0, 1.0, 1.0, 1.0, 1.0]],
        vec![
            vec![1.0, 2.0, 3.0, 4.0, 6.0],
            vec![2.0, 4.0, 6.0, 8.0, 12.0],
        ],
        vec![vec![1.0, 2.0, 3.0]],
        vec![vec![1.0, 2.0, 4.0, 3.0, f64::NAN]],
        vec![vec![1.0, 3.0, 2.0, 5.0, 4.0]; 4],
    ] {
        assert!(key_drivers(&y, &x).is_err(), "{x:?}");
    }
}

proptest! {
    #[test]
    fn weights_and_shapley_values_decompose_r_squared(
        rows in prop::collection::vec((1.0f64..10.0, 1.0f64..10.0, 1.0f64..10.0, -3.0f64..3.0), 12..60),
    ) {
        let x: Vec<Vec<f64>> = vec![
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
            rows.iter().map(|r| (r.0 + r.2) / 2.0).collect(),
        ];
        let y: Vec<f64> = rows.iter().map(|r| r.0 + 0.5 * r.1 + r.3).collect();
        let Ok(analysis) = key_drivers(&y, &x) else { return Ok(()) };
        let weights: f64 = analysis.drivers.iter().map(|d| d.relative_weight).sum();
        let shapley: f64 = analysis.drivers.iter().map(|d| d.shapley).sum();
        prop_assert!((weights - analysis.r_squared).abs() < 1e-9);
        prop_assert!((shapley - analysis.r_squared).abs() < 1e-9);
        prop_assert!(analysis.drivers.iter().all(|d| d.relative_weight >= -1e-12));
        // Rescaling a predictor changes nothing but its mean.
        let mut scaled = x.clone();
        scaled[1] = scaled[1].iter().map(|v| 3.0 * v + 7.0).collect();
        let other = key_drivers(&y, &scaled).unwrap();
        for (a, b) in analysis.drivers.iter().zip(&other.drivers) {
            prop_assert!((a.relative_weight - b.relative_weight).abs() < 1e-9);
            prop_assert!((a.shapley - b.shapley).abs() < 1e-9);
        }
    }
}

#[test]
fn bootstrap_intervals_contain_the_estimate_and_repeat_exactly() {
    // A deterministic sample: y depends on a strongly and on b weakly.
    let n = 80;
    let a: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64).collect();
    let b: Vec<f64> = (0..n).map(|i| ((i * 17) % 7) as f64).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| 2.0 * a[i] + 0.5 * b[i] + ((i * 13) % 5) as f64)
        .collect();
    let x = vec![a, b];
    let analysis = key_drivers(&y, &x).unwrap();
    let intervals = bootstrap_relative_weights(&y, &x, 400, Confidence::NINETY_FIVE, 7).unwrap();
    assert_eq!(
        intervals,
        bootstrap_relative_weights(&y, &x, 400, Confidence::NINETY_FIVE, 7).unwrap()
    );
    for (driver, (lower, upper)) in analysis.drivers.iter().zip(&intervals.relative_weight) {
        assert!(
            *lower <= driver.relative_weight && driver.relative_weight <= *upper,
            "{lower} {} {upper}",
            driver.relative_weight
        );
    }
    assert_eq!(intervals.replicates, 400);
    assert_eq!(analysis.quadrants()[0], Quadrant::Strength);
}

/// With orthogonal predictors every order of entry adds r_j² for predictor j, so the Shapley
/// values are the squared correlations exactly, whether all subsets are walked (up to
/// `EXACT_SHAPLEY_LIMIT` predictors) or random orders are sampled (beyond it).
#[test]
fn shapley_values_of_orthogonal_predictors_are_squared_correlations() {
    // Walsh functions on 32 rows: centred, mutually orthogonal ±1 columns.
    let walsh = |k: usize| -> Vec<f64> {
        (0..32usize)
            .map(|i| {
                if (i & k).count_ones().is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect()
    };
    let y: Vec<f64> = (0..32)
        .map(|i| ((i * 7) % 11) as f64 + 0.1 * i as f64)
        .collect();
    for p in [
        5,
        cxm_stats::EXACT_SHAPLEY_LIMIT,
        cxm_stats::EXACT_SHAPLEY_LIMIT + 2,
    ] {
        let x: Vec<Vec<f64>> = (1..=p).map(walsh).collect();
        let analysis = key_drivers(&y, &x).unwrap();
        for (j, driver) in analysis.drivers.iter().enumerate() {
            let expected = driver.pearson_r.powi(2);
            assert!(
                (driver.shapley - expected).abs() < 1e-12,
                "p = {p}, predictor {j}: {} against r² = {expected}",
                driver.shapley
            );
        }
    }
}
