//! The one error type of cxm-stats: bad parameters, reported by the constructor that took them.

/// A parameter outside the domain a statistic is defined on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// A confidence level must lie strictly between 0 and 1.
    #[error("confidence level {0} is outside (0, 1)")]
    ConfidenceLevel(f64),
    /// A count of successes exceeded the number of trials.
    #[error("{successes} successes out of {trials} trials")]
    SuccessesExceedTrials {
        /// Successes given.
        successes: u64,
        /// Trials given.
        trials: u64,
    },
    /// A value that must be finite was NaN or infinite.
    #[error("{what} must be finite, got {value}")]
    NotFinite {
        /// Which input was not finite.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// Raking could not produce weights that meet the margins.
    #[error("raking: {0}")]
    Raking(String),
    /// A probability (a share, a power) outside its range.
    #[error("{what} must lie in [0, 1] (power in (0, 1)), got {value}")]
    Probability {
        /// Which input.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// A key-driver analysis that the data cannot support.
    #[error("key drivers: {0}")]
    Drivers(String),
    /// A forecasting model that the series cannot support.
    #[error("forecast: {0}")]
    Forecast(String),
    /// Customer histories that a customer-base model cannot be fitted to.
    #[error("customer-base model: {0}")]
    CustomerModel(String),
}
