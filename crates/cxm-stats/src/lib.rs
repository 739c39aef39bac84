//! Pure statistics for customer-experience metrics.
//!
//! Everything here takes counts, slices or accumulators and returns small named structs; no
//! function does IO, reads configuration or allocates beyond its inputs' size.
//!
//! Conventions that hold across the crate:
//! - Empty input gives `None`, never `NaN` dressed up as a number.
//! - Bad parameters (a confidence level outside (0, 1), say) give [`StatsError`] from the
//!   constructor that takes them, so an estimate, once built, is valid.
//! - Accumulators merge: `a.merge(&b)` equals accumulating both inputs, which lets databases
//!   and shards compute partial results that Rust combines.
//! - NPS is carried on the [−1, 1] scale internally; [`NpsEstimate::points`] gives −100..100.
//! - Intervals are not clipped unless a method's definition clips them; each method says so.
//!
//! Precision: closed forms agree with statsmodels, scipy and the reference scripts in
//! `shared/golden` to 1e-12 absolute; quantiles use statrs' inverse CDFs (≈1e-15 relative for
//! the normal, ≈1e-10 for Student's t and beta).

mod clv;
mod confidence;
mod contingency;
mod distribution;
mod drivers;
mod error;
mod forecast;
mod histogram;
mod matrix;
mod moments;
mod multiple;
mod nps;
mod optimize;
mod planning;
mod proportion;
mod quantile;
mod random;
mod rfm;
mod shapley;
mod weighting;

pub use clv::{BgNbd, Fitted, GammaGamma, Rfm, hyp2f1};
pub use confidence::Confidence;
pub use contingency::{IndependenceStatistic, IndependenceTest, independence_test};
pub use distribution::{
    normal_cdf, normal_quantile, normal_two_sided_p, student_t_cdf, student_t_quantile,
};
pub use drivers::{
    Driver, DriverAnalysis, DriverIntervals, Quadrant, bootstrap_relative_weights, key_drivers,
};
pub use error::StatsError;
pub use forecast::{
    ForecastPoint, InitialState, Seasonality, Smoothing, SmoothingFit, SmoothingModel, Trend,
    fit_smoothing, initial_state,
};
pub use histogram::{Histogram, MeanEstimate, WelchTest, welch_t_test};
pub use moments::{Moments, WeightedHistogram, WeightedMeanEstimate, WeightedMoments};
pub use multiple::benjamini_hochberg;
pub use nps::{NpsCounts, NpsDifference, NpsEstimate, NpsInterval, NpsMethod};
pub use optimize::{Minimum, bfgs, nelder_mead};
pub use planning::{
    nps_margin_of_error, nps_sample_size, proportion_margin_of_error, proportion_sample_size,
};
pub use proportion::{
    Interval, ProportionDifference, ProportionMethod, proportion_difference, proportion_interval,
};
pub use quantile::quantile;
pub use random::SplitMix64;
pub use rfm::rfm_summary;
pub use shapley::EXACT_SHAPLEY_LIMIT;
pub use weighting::{
    Raking, RakingOptions, RakingVariable, WeightSummary, WeightedNps, WeightedNpsEstimate, rake,
    weight_summary,
};
