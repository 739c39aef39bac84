//! Invariants that hold for every input: merging equals accumulating everything, order does
//! not matter, NPS stays in range, intervals contain their estimate and narrow as n grows.

use cxm_stats::{
    Confidence, Histogram, NpsCounts, NpsMethod, ProportionMethod, proportion_interval,
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn nps_merge_equals_concatenation(a in prop::collection::vec(0i64..=10, 0..200), b in prop::collection::vec(0i64..=10, 0..200)) {
        let accumulate = |scores: &[i64]| {
            let mut counts = NpsCounts::default();
            scores.iter().for_each(|&s| { counts.add_score(s); });
            counts
        };
        let mut merged = accumulate(&a);
        merged.merge(&accumulate(&b));
        let all: Vec<i64> = a.iter().chain(b.iter()).copied().collect();
        prop_assert_eq!(merged, accumulate(&all));
        let mut reversed = all.clone();
        reversed.reverse();
        prop_assert_eq!(merged, accumulate(&reversed));
    }

    #[test]
    fn nps_is_within_bounds_and_inside_its_interval(promoters in 0u64..500, passives in 0u64..500, detractors in 0u64..500) {
        let counts = NpsCounts::new(promoters, passives, detractors);
        prop_assume!(counts.n() > 0);
        for method in [NpsMethod::Wald, NpsMethod::AdjustedWald] {
            let estimate = counts.estimate(method, Confidence::NINETY_FIVE).unwrap();
            prop_assert!((-100.0..=100.0).contains(&estimate.points()));
            prop_assert!(estimate.interval.lower <= estimate.interval.centre + 1e-12);
            prop_assert!(estimate.interval.centre <= estimate.interval.upper + 1e-12);
        }
    }

    #[test]
    fn intervals_narrow_as_n_grows(promoters in 1u64..50, passives in 1u64..50, detractors in 1u64..50, factor in 2u64..20) {
        let small = NpsCounts::new(promoters, passives, detractors);
        let large = NpsCounts::new(promoters * factor, passives * factor, detractors * factor);
        let width = |c: NpsCounts| {
            let i = c.estimate(NpsMethod::Wald, Confidence::NINETY_FIVE).unwrap().interval;
            i.upper - i.lower
        };
        prop_assert!(width(large) < width(small));
        let successes = promoters;
        let trials = promoters + passives;
        let wilson = |k: u64, n: u64| {
            let i = proportion_interval(k, n, ProportionMethod::Wilson, Confidence::NINETY_FIVE).unwrap().unwrap();
            i.upper - i.lower
        };
        prop_assert!(wilson(successes * factor, trials * factor) < wilson(successes, trials));
    }

    #[test]
    fn proportion_intervals_contain_the_estimate(successes in 0u64..300, failures in 0u64..300) {
        let trials = successes + failures;
        prop_assume!(trials > 0);
        let p = successes as f64 / trials as f64;
        // Jeffreys is left out at the boundaries: at k = 0 its lower limit is positive by
        // definition (statsmodels applies no boundary correction), so it excludes p = 0.
        let boundary = successes == 0 || failures == 0;
        for method in [ProportionMethod::Wilson, ProportionMethod::AgrestiCoull, ProportionMethod::ClopperPearson, ProportionMethod::Jeffreys] {
            if boundary && method == ProportionMethod::Jeffreys {
                continue;
            }
            let interval = proportion_interval(successes, trials, method, Confidence::NINETY_FIVE).unwrap().unwrap();
            prop_assert!(interval.lower <= p + 1e-12 && p <= interval.upper + 1e-12, "{method:?} {interval:?} {p}");
            prop_assert!(interval.lower >= -1e-15 && interval.upper <= 1.0 + 1e-15);
        }
    }

    #[test]
    fn histogram_merge_equals_concatenation(a in prop::collection::vec(1i64..=7, 0..100), b in prop::collection::vec(1i64..=7, 0..100)) {
        let accumulate = |values: &[i64]| {
            let mut h = Histogram::new();
            values.iter().for_each(|&v| h.add(v, 1));
            h
        };
        let mut merged = accumulate(&a);
        merged.merge(&accumulate(&b));
        let all: Vec<i64> = a.iter().chain(b.iter()).copied().collect();
        prop_assert_eq!(merged, accumulate(&all));
    }
}

proptest! {
    #[test]
    fn score_intervals_contain_the_nps_and_stay_in_range(promoters in 0u64..300, passives in 0u64..300, detractors in 0u64..300) {
        let counts = NpsCounts::new(promoters, passives, detractors);
        prop_assume!(counts.n() > 0);
        let (lower, upper) = counts.score_interval(Confidence::NINETY_FIVE).unwrap();
        let nps = counts.estimate(NpsMethod::Score, Confidence::NINETY_FIVE).unwrap();
        prop_assert!((-1.0..=1.0).contains(&lower) && (-1.0..=1.0).contains(&upper));
        prop_assert!(lower <= nps.nps + 1e-12 && nps.nps <= upper + 1e-12, "{lower} {} {upper}", nps.nps);
        prop_assert_eq!((nps.interval.lower, nps.interval.upper), (lower, upper));
    }
}
