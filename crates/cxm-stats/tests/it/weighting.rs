//! Raking and contingency tests against `../shared/golden` (raking.json after
//! reference/raking_reference.py, cross-checked with ipfn 1.4.4; proportions_means.json after
//! scipy 1.17 `chi2_contingency`), and the invariants raking must keep on any sample.

use cxm_stats::{
    Confidence, IndependenceStatistic, RakingOptions, RakingVariable, WeightedHistogram,
    WeightedNps, independence_test, nps_margin_of_error, nps_sample_size,
    proportion_margin_of_error, proportion_sample_size, rake, weight_summary,
};
use proptest::prelude::*;

use crate::check_close;
use crate::golden::golden;

fn sample() -> Option<Vec<Vec<String>>> {
    let path = crate::golden::shared_dir()?.join("golden/raking_sample.csv");
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect(),
    )
}

#[test]
fn raking_weights_match_the_reference_and_ipfn() {
    let (Some(file), Some(rows)) = (golden("raking.json"), sample()) else {
        return;
    };
    let variables: Vec<RakingVariable> = [("region", 1), ("age", 2), ("gender", 3)]
        .into_iter()
        .map(|(name, column)| {
            let targets = file["targets"][name].as_object().unwrap();
            let labels: Vec<&String> = targets.keys().collect();
            RakingVariable {
                name: name.to_owned(),
                categories: rows
                    .iter()
                    .map(|r| labels.iter().position(|l| **l == r[column]).unwrap())
                    .collect(),
                targets: labels
                    .iter()
                    .map(|l| targets[*l].as_f64().unwrap())
                    .collect(),
            }
        })
        .collect();
    let ltr: Vec<i64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
    for (case, base) in file["cases"].as_array().unwrap().iter().zip([
        vec![1.0; rows.len()],
        rows.iter().map(|r| r[6].parse::<f64>().unwrap()).collect(),
    ]) {
        let label = case["label"].as_str().unwrap();
        let options = RakingOptions {
            tolerance: 1e-12,
            max_sweeps: 100,
            trim: None,
        };
        let raked = rake(&base, &variables, options).unwrap();
        for (i, (got, want)) in raked
            .weights
            .iter()
            .zip(case["weights"].as_array().unwrap())
            .enumerate()
        {
            check_close(
                &format!("{label} weight {i}"),
                *got,
                want.as_f64().unwrap(),
                0.0,
                1e-8,
            );
        }
        let summary = weight_summary(&raked.weights).unwrap();
        check_close(
            &format!("{label} deff"),
            summary.design_effect,
            case["kish_deff"].as_f64().unwrap(),
            0.0,
            1e-8,
        );
        check_close(
            &format!("{label} n_eff"),
            summary.effective_n,
            case["kish_effective_n"].as_f64().unwrap(),
            0.0,
            1e-6,
        );
        let total: f64 = raked.weights.iter().sum();
        let share = |test: fn(i64) -> bool| {
            raked
                .weights
                .iter()
                .zip(&ltr)
                .filter(|(_, s)| test(**s))
                .map(|(w, _)| w)
                .sum::<f64>()
                / total
        };
        let nps = share(|s| s >= 9) - share(|s| s <= 6);
        check_close(
            &format!("{label} weighted nps"),
            nps,
            case["weighted_nps"].as_f64().unwrap(),
            0.0,
            1e-10,
        );
        let mut accumulated = WeightedNps::default();
        for (score, weight) in ltr.iter().zip(&raked.weights) {
            assert!(accumulated.add(*score, *weight));
        }
        let estimate = accumulated.estimate(Confidence::NINETY_FIVE).unwrap();
        check_close(
            &format!("{label} accumulated nps"),
            estimate.nps,
            case["weighted_nps"].as_f64().unwrap(),
            0.0,
            1e-10,
        );
        check_close(
            &format!("{label} accumulated deff"),
            estimate.design_effect,
            case["kish_deff"].as_f64().unwrap(),
            0.0,
            1e-8,
        );
        // The same answers as a weighted histogram, split in two and merged.
        let (mut first, mut second) = (WeightedHistogram::new(), WeightedHistogram::new());
        for (i, (score, weight)) in ltr.iter().zip(&raked.weights).enumerate() {
            assert!(if i % 3 == 0 { &mut first } else { &mut second }.add(*score, *weight));
        }
        first.merge(&second);
        let histogram_nps =
            first.share_where(|s| s >= 9).unwrap() - first.share_where(|s| s <= 6).unwrap();
        check_close(
            &format!("{label} histogram nps"),
            histogram_nps,
            case["weighted_nps"].as_f64().unwrap(),
            0.0,
            1e-10,
        );
        let mean = first.mean_estimate(Confidence::NINETY_FIVE).unwrap();
        check_close(
            &format!("{label} histogram deff"),
            mean.design_effect,
            case["kish_deff"].as_f64().unwrap(),
            0.0,
            1e-8,
        );
    }
}

#[test]
fn independence_tests_match_scipy() {
    let Some(file) = golden("proportions_means.json") else {
        return;
    };
    let case = &file["chi2_contingency"]["table_3x4"];
    let table: Vec<Vec<u64>> = serde_json::from_value(case["table"].clone()).unwrap();
    let pearson = independence_test(&table, IndependenceStatistic::PearsonYates).unwrap();
    check_close(
        "chi2",
        pearson.statistic,
        case["chi2"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    check_close(
        "p",
        pearson.p_value,
        case["p_value"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    assert_eq!(pearson.dof, 6);
    check_close(
        "V",
        pearson.cramers_v,
        case["cramers_v"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    for (row, expected) in pearson
        .expected
        .iter()
        .zip(case["expected"].as_array().unwrap())
    {
        for (got, want) in row.iter().zip(expected.as_array().unwrap()) {
            check_close("expected", *got, want.as_f64().unwrap(), 1e-12, 0.0);
        }
    }
    let g = independence_test(&table, IndependenceStatistic::LogLikelihood).unwrap();
    let want = &case["g_test_log_likelihood_ratio"];
    check_close("G", g.statistic, want["G"].as_f64().unwrap(), 1e-10, 0.0);
    check_close(
        "G p",
        g.p_value,
        want["p_value"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    let two = &file["chi2_contingency"]["table_2x2_extra"];
    let table: Vec<Vec<u64>> = serde_json::from_value(two["table"].clone()).unwrap();
    let corrected = independence_test(&table, IndependenceStatistic::PearsonYates).unwrap();
    check_close(
        "yates",
        corrected.statistic,
        two["yates_corrected_default"]["chi2"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    check_close(
        "yates p",
        corrected.p_value,
        two["yates_corrected_default"]["p_value"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    let plain = independence_test(&table, IndependenceStatistic::Pearson).unwrap();
    check_close(
        "uncorrected",
        plain.statistic,
        two["uncorrected"]["chi2"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
    check_close(
        "uncorrected p",
        plain.p_value,
        two["uncorrected"]["p_value"].as_f64().unwrap(),
        1e-10,
        0.0,
    );
}

#[test]
fn degenerate_tables_have_no_test() {
    for table in [
        vec![vec![1, 2]],
        vec![vec![1, 2], vec![3]],
        vec![vec![0, 0], vec![3, 4]],
        vec![],
    ] {
        assert!(
            independence_test(&table, IndependenceStatistic::Pearson).is_none(),
            "{table:?}"
        );
    }
}

#[test]
fn raking_refuses_what_it_cannot_do() {
    let variable = |categories: Vec<usize>, targets: Vec<f64>| RakingVariable {
        name: "v".to_owned(),
        categories,
        targets,
    };
    let options = RakingOptions::default();
    for (base, variables) in [
        (vec![1.0, 1.0], vec![variable(vec![0, 0], vec![0.5, 0.5])]),
        (vec![1.0, 1.0], vec![variable(vec![0, 1], vec![0.5, 0.6])]),
        (vec![1.0, 0.0], vec![variable(vec![0, 1], vec![0.5, 0.5])]),
        (vec![1.0, 1.0], vec![variable(vec![0, 2], vec![0.5, 0.5])]),
        (vec![1.0], vec![variable(vec![0, 1], vec![0.5, 0.5])]),
    ] {
        assert!(rake(&base, &variables, options).is_err(), "{variables:?}");
    }
    // Trimming that the margins cannot live with does not converge, and says so.
    let skewed = variable(vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 1], vec![0.5, 0.5]);
    let trimmed = RakingOptions {
        trim: Some((0.5, 2.0)),
        ..options
    };
    let error = rake(&[1.0; 10], &[skewed], trimmed).unwrap_err();
    assert!(error.to_string().contains("not met"), "{error}");
}

proptest! {
    #[test]
    fn raked_weights_meet_every_margin_and_sum_to_n(
        rows in prop::collection::vec((0usize..3, 0usize..2, 0.5f64..2.0), 30..120),
    ) {
        let a: Vec<usize> = rows.iter().map(|r| r.0).collect();
        let b: Vec<usize> = rows.iter().map(|r| r.1).collect();
        // Every (a, b) combination present: with a gap the margins can be contradictory (say,
        // all of a = 2 also b = 1, with different targets), and raking rightly fails.
        prop_assume!((0..3).all(|i| (0..2).all(|j| a.iter().zip(&b).any(|(x, y)| (*x, *y) == (i, j)))));
        let base: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let variables = [
            RakingVariable { name: "a".to_owned(), categories: a.clone(), targets: vec![0.2, 0.3, 0.5] },
            RakingVariable { name: "b".to_owned(), categories: b.clone(), targets: vec![0.6, 0.4] },
        ];
        let options = RakingOptions { tolerance: 1e-10, max_sweeps: 2_000, trim: None };
        let raked = rake(&base, &variables, options).unwrap();
        let total: f64 = raked.weights.iter().sum();
        prop_assert!((total - rows.len() as f64).abs() < 1e-9 * total);
        prop_assert!(raked.max_margin_error < 1e-10);
        // Raking cells' totals gives the weights of raking respondent by respondent (a trim
        // that clamps nothing forces the latter).
        let by_row = rake(&base, &variables, RakingOptions { trim: Some((0.0, f64::INFINITY)), ..options }).unwrap();
        prop_assert_eq!(by_row.sweeps, raked.sweeps);
        for (x, y) in raked.weights.iter().zip(&by_row.weights) {
            prop_assert!((x - y).abs() < 1e-9 * y);
        }
        // The order of the variables does not change the fixed point.
        let reversed = [variables[1].clone(), variables[0].clone()];
        let other = rake(&base, &reversed, options).unwrap();
        for (x, y) in raked.weights.iter().zip(&other.weights) {
            prop_assert!((x - y).abs() < 1e-6 * x.max(1.0));
        }
    }

    #[test]
    fn weighted_nps_merge_equals_accumulating_everything(
        a in prop::collection::vec((0i64..=10, 0.1f64..5.0), 0..100),
        b in prop::collection::vec((0i64..=10, 0.1f64..5.0), 0..100),
    ) {
        let accumulate = |items: &[(i64, f64)]| {
            let mut counts = WeightedNps::default();
            items.iter().for_each(|&(s, w)| { counts.add(s, w); });
            counts
        };
        let mut merged = accumulate(&a);
        merged.merge(&accumulate(&b));
        let all: Vec<(i64, f64)> = a.iter().chain(&b).copied().collect();
        let direct = accumulate(&all);
        prop_assert_eq!(merged.n, direct.n);
        for (x, y) in [(merged.promoters, direct.promoters), (merged.detractors, direct.detractors), (merged.squared, direct.squared)] {
            prop_assert!((x - y).abs() <= 1e-9 * y.max(1.0));
        }
        if let Some(estimate) = direct.estimate(Confidence::NINETY_FIVE) {
            prop_assert!((-1.0..=1.0).contains(&estimate.nps));
            prop_assert!(estimate.lower <= estimate.nps && estimate.nps <= estimate.upper);
            prop_assert!(estimate.design_effect >= 1.0 - 1e-12);
        }
    }
}

/// `(p1, p2, expected n per group)`: Fleiss' formula without continuity correction at α = 0.05
/// and power 0.8 (Fleiss, Levin & Paik 2003, eq. 4.14), computed independently with Python's
/// `statistics.NormalDist`: 387.34, 905.37 and 293.15 before rounding up.
const PROPORTION_SIZES: [(f64, f64, u64); 3] = [(0.5, 0.6, 388), (0.8, 0.85, 906), (0.3, 0.2, 294)];

#[test]
fn sample_sizes_and_margins_follow_their_formulas() {
    for (p1, p2, expected) in PROPORTION_SIZES {
        assert_eq!(
            proportion_sample_size(p1, p2, Confidence::NINETY_FIVE, 0.8).unwrap(),
            expected,
            "{p1} vs {p2}"
        );
    }
    // NPS with 40% promoters and 20% detractors: variance 0.6 − 0.04 = 0.56; five points at 80%
    // power need (1.959964 + 0.841621)² · 2 · 0.56 / 0.05² = 3,516.3, so 3,517 per group.
    assert_eq!(
        nps_sample_size(0.4, 0.2, 0.05, Confidence::NINETY_FIVE, 0.8).unwrap(),
        3517
    );
    // ±1.96 · sqrt(0.56 / 400) = 0.07334 for NPS; ±1.96 · sqrt(0.25 / 400) = 0.049 for 50%.
    check_close(
        "nps moe",
        nps_margin_of_error(0.4, 0.2, 400, Confidence::NINETY_FIVE)
            .unwrap()
            .unwrap(),
        1.959963984540054 * (0.56f64 / 400.0).sqrt(),
        1e-12,
        0.0,
    );
    check_close(
        "p moe",
        proportion_margin_of_error(0.5, 400, Confidence::NINETY_FIVE)
            .unwrap()
            .unwrap(),
        0.04899909961350135,
        1e-12,
        0.0,
    );
    assert!(
        proportion_margin_of_error(0.5, 0, Confidence::NINETY_FIVE)
            .unwrap()
            .is_none()
    );
    assert!(proportion_sample_size(0.5, 0.5, Confidence::NINETY_FIVE, 0.8).is_err());
    assert!(nps_sample_size(0.7, 0.4, 0.05, Confidence::NINETY_FIVE, 0.8).is_err());
    assert!(nps_sample_size(0.4, 0.2, 0.05, Confidence::NINETY_FIVE, 1.0).is_err());
}
