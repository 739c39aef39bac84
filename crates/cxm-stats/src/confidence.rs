//! Confidence levels as a parsed newtype, so every interval function can trust its level.

use crate::{StatsError, normal_quantile};

/// A two-sided confidence level strictly between 0 and 1, e.g. 0.95.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Confidence(f64);

impl Confidence {
    /// The customary 95% level.
    pub const NINETY_FIVE: Confidence = Confidence(0.95);

    /// Parses a level.
    ///
    /// # Errors
    /// [`StatsError::ConfidenceLevel`] unless `0 < level < 1`.
    pub fn new(level: f64) -> Result<Self, StatsError> {
        if level > 0.0 && level < 1.0 {
            Ok(Confidence(level))
        } else {
            Err(StatsError::ConfidenceLevel(level))
        }
    }

    /// The level as a fraction.
    pub fn level(self) -> f64 {
        self.0
    }

    /// `1 − level`, the two-sided significance.
    pub fn alpha(self) -> f64 {
        1.0 - self.0
    }

    /// The two-sided standard normal critical value, 1.959963984540054 at 95%.
    pub fn z(self) -> f64 {
        normal_quantile(1.0 - self.alpha() / 2.0)
    }
}

impl Default for Confidence {
    fn default() -> Self {
        Confidence::NINETY_FIVE
    }
}
