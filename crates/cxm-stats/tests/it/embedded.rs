//! A few golden values copied into the repository so a fresh clone checks them without
//! `../shared`. Sources: `shared/golden/nps_intervals.json` (reference/nps_reference.py, after
//! Rocks' R package `NPS`) and `shared/golden/proportions_means.json` (statsmodels 0.15,
//! scipy 1.17).

use cxm_stats::{
    Confidence, Histogram, NpsCounts, NpsMethod, ProportionMethod, benjamini_hochberg,
    proportion_interval, welch_t_test,
};

use crate::check_close;

#[test]
fn nps_small_sample_matches_reference() {
    // case "small n=10": 5 promoters, 3 passives, 2 detractors.
    let counts = NpsCounts::new(5, 3, 2);
    let wald = counts
        .estimate(NpsMethod::Wald, Confidence::NINETY_FIVE)
        .unwrap();
    check_close("nps", wald.nps, 0.3, 0.0, 1e-12);
    check_close("se", wald.se, 0.2469817807045694, 0.0, 1e-12);
    check_close(
        "wald lower",
        wald.interval.lower,
        -0.18407539501852566,
        0.0,
        1e-12,
    );
    check_close(
        "wald upper",
        wald.interval.upper,
        0.7840753950185256,
        0.0,
        1e-12,
    );
    let adjusted = counts
        .estimate(NpsMethod::AdjustedWald, Confidence::NINETY_FIVE)
        .unwrap();
    check_close(
        "adj centre",
        adjusted.interval.centre,
        0.23076923076923078,
        0.0,
        1e-12,
    );
    check_close(
        "adj lower",
        adjusted.interval.lower,
        -0.19050615376363667,
        0.0,
        1e-12,
    );
    check_close(
        "adj upper",
        adjusted.interval.upper,
        0.6520446153020982,
        0.0,
        1e-12,
    );
}

#[test]
fn nps_two_sample_test_matches_reference() {
    let a = NpsCounts::new(50, 30, 20);
    let b = NpsCounts::new(40, 35, 25);
    let wald = a
        .difference(&b, NpsMethod::Wald, Confidence::NINETY_FIVE)
        .unwrap();
    check_close("diff", wald.diff, 0.15, 0.0, 1e-12);
    check_close("p", wald.p_value.unwrap(), 0.17752985241215347, 0.0, 1e-12);
    let adjusted = a
        .difference(&b, NpsMethod::AdjustedWald, Confidence::NINETY_FIVE)
        .unwrap();
    check_close(
        "adj p",
        adjusted.p_value.unwrap(),
        0.18331146517252916,
        0.0,
        1e-12,
    );
    check_close(
        "adj lower",
        adjusted.lower,
        -0.06887791698945467,
        0.0,
        1e-12,
    );
}

#[test]
fn wilson_and_clopper_pearson_at_zero_successes() {
    let wilson = proportion_interval(0, 10, ProportionMethod::Wilson, Confidence::NINETY_FIVE)
        .unwrap()
        .unwrap();
    check_close(
        "wilson upper",
        wilson.upper,
        0.27753279986288926,
        0.0,
        1e-10,
    );
    let exact = proportion_interval(
        0,
        10,
        ProportionMethod::ClopperPearson,
        Confidence::NINETY_FIVE,
    )
    .unwrap()
    .unwrap();
    check_close("cp upper", exact.upper, 0.30849710781876083, 0.0, 1e-10);
}

#[test]
fn welch_on_ces_scores_matches_scipy() {
    let a = [
        4, 7, 5, 6, 4, 3, 6, 5, 7, 6, 4, 5, 6, 6, 4, 6, 5, 6, 5, 3, 7, 6, 3, 7, 7, 4, 7, 4, 6, 2,
        4, 4, 7, 3, 4, 5, 7, 5, 2, 5, 5, 2,
    ];
    let b = [
        4, 5, 4, 4, 6, 5, 5, 6, 5, 4, 4, 4, 1, 1, 5, 5, 4, 4, 7, 7, 3, 6, 2, 6, 5, 4, 6, 5, 6, 6,
        3, 5, 3, 5, 4, 4, 6, 4, 7, 3, 4, 2, 1, 5, 5, 4, 3, 1, 2, 5, 3, 3, 6, 5, 4, 5, 5,
    ];
    let summary = |values: &[i64]| {
        let mut histogram = Histogram::new();
        values.iter().for_each(|&v| histogram.add(v, 1));
        let (n, mean, variance) = histogram.moments().unwrap();
        (n, mean, variance.unwrap())
    };
    let test = welch_t_test(summary(&a), summary(&b), Confidence::NINETY_FIVE).unwrap();
    check_close("t", test.t, 2.1517904086745263, 1e-10, 0.0);
    check_close("df", test.df, 88.75693586201609, 1e-10, 0.0);
    check_close("p", test.p_value, 0.034129080139981886, 1e-10, 0.0);
    check_close("lower", test.lower, 0.050558967557379986, 1e-10, 0.0);
}

#[test]
fn benjamini_hochberg_handles_ties_and_order() {
    let adjusted = benjamini_hochberg(&[0.0459, 0.01, 0.0459, 0.5]);
    // sorted: .01, .0459, .0459, .5 → 0.04, 0.0612, 0.0612, 0.5
    check_close("first", adjusted[0], 0.0612, 0.0, 1e-14);
    check_close("second", adjusted[1], 0.04, 0.0, 1e-14);
    check_close("tie", adjusted[2], 0.0612, 0.0, 1e-14);
    check_close("last", adjusted[3], 0.5, 0.0, 1e-14);
}

#[test]
fn chi_square_of_channel_by_satisfaction_matches_scipy() {
    // proportions_means.json, chi2_contingency "table_3x4" (scipy 1.17): χ² = 26.8827…,
    // dof 6, p = 1.5232e-4, Cramér's V = 0.19738.
    let table = vec![
        vec![42, 35, 28, 15],
        vec![55, 40, 20, 10],
        vec![20, 25, 30, 25],
    ];
    let test = cxm_stats::independence_test(&table, cxm_stats::IndependenceStatistic::PearsonYates)
        .unwrap();
    check_close("chi2", test.statistic, 26.882724358974357, 1e-10, 0.0);
    check_close("p", test.p_value, 0.00015231909199916462, 1e-10, 0.0);
    check_close("V", test.cramers_v, 0.19738406745598816, 1e-10, 0.0);
    assert_eq!(test.dof, 6);
}
