//! Exponential smoothing for KPI series: simple (level), Holt (level and trend, optionally
//! damped) and Holt–Winters (with additive or multiplicative seasons), one-step fitted values,
//! forecasts, prediction intervals for the additive-error models, fitting by least squares, and
//! the probability that a KPI reaches a target.
//!
//! Parameters are in Holt–Winters form, as statsmodels' `ExponentialSmoothing` takes them:
//! `level` α, `trend` β* (the trend's own smoothing), `seasonal` γ, `damping` φ. The additive
//! recursion, with e_t = y_t − ŷ_t and ŷ_t = l + φb + s_{t−m}:
//! l_t = l + φb + α e_t; b_t = φb + αβ* e_t; s_t = s_{t−m} + γ e_t. This is Hyndman et al.'s
//! (2008) ETS state-space form with β = αβ*, so `from_state_space` converts ETS parameters.
//! Forecasts use the textbook recursion ŷ_{n+h} = l_n + (φ + … + φʰ) b_n + s_{n+h−m⌈h/m⌉}
//! (statsmodels ≤ 0.15 uses a stale season at h = m; see its issue #9538).
//!
//! Prediction intervals (additive errors, Hyndman et al. 2008 class 1): ŷ_h ± z·sqrt(σ² v_h),
//! σ² = SSE/n, v_h = 1 + Σ_{j<h} c_j², c_j = α + β(φ + … + φʲ) + γ·[j mod m = 0].
//!
//! Edge cases: a series shorter than two seasons (seasonal models) or than two points gives
//! `None`; multiplicative seasons need positive data.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::optimize::nelder_mead;
use crate::{Confidence, StatsError};

/// The trend of a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trend {
    /// No trend (simple exponential smoothing, or seasonal without trend).
    None,
    /// A linear trend.
    Additive,
    /// A trend damped by φ in (0, 1].
    Damped(f64),
}

/// The seasonality of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seasonality {
    /// None.
    None,
    /// Seasons added to the level, with this period.
    Additive(usize),
    /// Seasons multiplying the level, with this period.
    Multiplicative(usize),
}

/// Smoothing parameters in Holt–Winters form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothing {
    /// α, level.
    pub level: f64,
    /// β*, trend.
    pub trend: f64,
    /// γ, seasons.
    pub seasonal: f64,
}

/// Starting states: level, trend and one season per period, `seasonal[0]` being the season of
/// the first observation.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialState {
    /// l₀.
    pub level: f64,
    /// b₀.
    pub trend: f64,
    /// s for observations 1..=m.
    pub seasonal: Vec<f64>,
}

/// A fully specified smoothing model.
#[derive(Debug, Clone, PartialEq)]
pub struct SmoothingModel {
    /// Trend.
    pub trend: Trend,
    /// Seasons.
    pub seasonality: Seasonality,
    /// Parameters.
    pub smoothing: Smoothing,
    /// Starting states.
    pub initial: InitialState,
}

/// A model run over a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SmoothingFit {
    /// The model.
    pub model: SmoothingModel,
    /// One-step-ahead fitted values.
    pub fitted: Vec<f64>,
    /// Sum of squared one-step errors.
    pub sse: f64,
    /// Observations.
    pub n: usize,
    /// Final level.
    pub level: f64,
    /// Final trend.
    pub trend: f64,
    /// The last m seasons, oldest first (empty without seasons).
    pub seasonal: Vec<f64>,
}

/// A forecast with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastPoint {
    /// Steps ahead, from 1.
    pub horizon: usize,
    /// Point forecast.
    pub mean: f64,
    /// Standard deviation of the forecast error.
    pub sd: f64,
    /// Lower prediction limit.
    pub lower: f64,
    /// Upper prediction limit.
    pub upper: f64,
}

impl Smoothing {
    /// Converts ETS state-space parameters (β = αβ*) into Holt–Winters form.
    pub fn from_state_space(alpha: f64, beta: f64, gamma: f64) -> Smoothing {
        Smoothing {
            level: alpha,
            trend: if alpha > 0.0 { beta / alpha } else { 0.0 },
            seasonal: gamma,
        }
    }
}

impl SmoothingModel {
    fn period(&self) -> usize {
        match self.seasonality {
            Seasonality::None => 0,
            Seasonality::Additive(m) | Seasonality::Multiplicative(m) => m,
        }
    }

    fn phi(&self) -> f64 {
        match self.trend {
            Trend::None => 0.0,
            Trend::Additive => 1.0,
            Trend::Damped(phi) => phi,
        }
    }

    /// Runs the model over `y`; `None` when the series or the initial seasons do not fit the
    /// model.
    pub fn run(&self, y: &[f64]) -> Option<SmoothingFit> {
        let m = self.period();
        if y.is_empty() || self.initial.seasonal.len() != m {
            return None;
        }
        let multiplicative = matches!(self.seasonality, Seasonality::Multiplicative(_));
        let (alpha, beta, gamma) = (
            self.smoothing.level,
            self.smoothing.trend,
            self.smoothing.seasonal,
        );
        let phi = self.phi();
        let (mut level, mut trend) = (
            self.initial.level,
            if phi == 0.0 { 0.0 } else { self.initial.trend },
        );
        let mut seasons = self.initial.seasonal.clone();
        let mut fitted = Vec::with_capacity(y.len());
        let mut sse = 0.0;
        for (t, &value) in y.iter().enumerate() {
            let base = level + phi * trend;
            let season = if m > 0 {
                seasons[t % m]
            } else if multiplicative {
                1.0
            } else {
                0.0
            };
            let forecast = if multiplicative {
                base * season
            } else {
                base + season
            };
            let error = value - forecast;
            fitted.push(forecast);
            sse += error * error;
            let new_level = if multiplicative {
                alpha * value / season + (1.0 - alpha) * base
            } else {
                base + alpha * error
            };
            trend = beta * (new_level - level) + (1.0 - beta) * phi * trend;
            if m > 0 {
                seasons[t % m] = if multiplicative {
                    gamma * value / base + (1.0 - gamma) * season
                } else {
                    season + gamma * error
                };
            }
            level = new_level;
        }
        let n = y.len();
        let seasonal = (0..m).map(|i| seasons[(n + i) % m]).collect();
        Some(SmoothingFit {
            model: self.clone(),
            fitted,
            sse,
            n,
            level,
            trend: if phi == 0.0 { 0.0 } else { trend },
            seasonal,
        })
    }
}

impl SmoothingFit {
    /// Point forecasts for 1..=`horizon` steps ahead.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        let m = self.seasonal.len();
        let phi = self.model.phi();
        let multiplicative = matches!(self.model.seasonality, Seasonality::Multiplicative(_));
        let mut damped_sum = 0.0;
        (1..=horizon)
            .map(|h| {
                damped_sum += phi.powi(h as i32);
                let base = self.level + damped_sum * self.trend;
                match (m, multiplicative) {
                    (0, _) => base,
                    (m, false) => base + self.seasonal[(h - 1) % m],
                    (m, true) => base * self.seasonal[(h - 1) % m],
                }
            })
            .collect()
    }

    /// Forecasts with prediction intervals at `confidence`, for additive-error models (additive
    /// or no seasons); `None` for multiplicative seasons, whose intervals have no closed form.
    pub fn forecast_intervals(
        &self,
        horizon: usize,
        confidence: Confidence,
    ) -> Option<Vec<ForecastPoint>> {
        if matches!(self.model.seasonality, Seasonality::Multiplicative(_)) || self.n == 0 {
            return None;
        }
        let sigma2 = self.sse / self.n as f64;
        let (alpha, gamma) = (self.model.smoothing.level, self.model.smoothing.seasonal);
        let beta = alpha * self.model.smoothing.trend;
        let phi = self.model.phi();
        let m = self.seasonal.len();
        let z = confidence.z();
        let mut variance_multiplier = 1.0;
        let mut damped_sum = 0.0;
        let means = self.forecast(horizon);
        Some(
            means
                .into_iter()
                .enumerate()
                .map(|(index, mean)| {
                    let h = index + 1;
                    if h > 1 {
                        let j = h - 1;
                        damped_sum += phi.powi(j as i32);
                        let seasonal = if m > 0 && j % m == 0 { gamma } else { 0.0 };
                        variance_multiplier += (alpha + beta * damped_sum + seasonal).powi(2);
                    }
                    let sd = (sigma2 * variance_multiplier).sqrt();
                    ForecastPoint {
                        horizon: h,
                        mean,
                        sd,
                        lower: mean - z * sd,
                        upper: mean + z * sd,
                    }
                })
                .collect(),
        )
    }
}

impl ForecastPoint {
    /// The probability that the value reaches `target` (is at least it, or at most it when
    /// `higher_is_better` is false), from the forecast's normal distribution.
    pub fn probability_of_reaching(&self, target: f64, higher_is_better: bool) -> f64 {
        if self.sd == 0.0 {
            return f64::from(u8::from(if higher_is_better {
                self.mean >= target
            } else {
                self.mean <= target
            }));
        }
        let Ok(normal) = Normal::new(self.mean, self.sd) else {
            return f64::NAN;
        };
        if higher_is_better {
            normal.sf(target)
        } else {
            normal.cdf(target)
        }
    }
}

/// The conventional starting states: the first season's mean as level, the mean change between
/// the first two seasons per period as trend, and each first-season value's difference from (or
/// ratio to) the level as its season. Without seasons: the first value and the first change.
pub fn initial_state(y: &[f64], trend: Trend, seasonality: Seasonality) -> Option<InitialState> {
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    let with_trend = trend != Trend::None;
    match seasonality {
        Seasonality::None => Some(InitialState {
            level: *y.first()?,
            trend: if with_trend { y.get(1)? - y[0] } else { 0.0 },
            seasonal: Vec::new(),
        }),
        Seasonality::Additive(m) | Seasonality::Multiplicative(m) => {
            if m < 2 || y.len() < 2 * m {
                return None;
            }
            let level = mean(&y[..m]);
            let trend = if with_trend {
                (mean(&y[m..2 * m]) - level) / m as f64
            } else {
                0.0
            };
            let multiplicative = matches!(seasonality, Seasonality::Multiplicative(_));
            if multiplicative && (level <= 0.0 || y.iter().any(|v| *v <= 0.0)) {
                return None;
            }
            let seasonal = y[..m]
                .iter()
                .map(|v| if multiplicative { v / level } else { v - level })
                .collect();
            Some(InitialState {
                level,
                trend,
                seasonal,
            })
        }
    }
}

/// Fits a model's parameters and starting states to `y` by minimising the sum of squared
/// one-step errors (as statsmodels' `initialization_method="estimated"` does), from the
/// conventional starting states.
///
/// # Errors
/// [`StatsError::Forecast`] when the series is too short for the model or the fit fails.
pub fn fit_smoothing(
    y: &[f64],
    trend: Trend,
    seasonality: Seasonality,
) -> Result<SmoothingFit, StatsError> {
    let start = initial_state(y, trend, seasonality).ok_or_else(|| {
        StatsError::Forecast(format!(
            "{} observations are too few for this model (or not all positive)",
            y.len()
        ))
    })?;
    let m = start.seasonal.len();
    let with_trend = trend != Trend::None;
    // Free parameters: α, [β*], [γ], l₀, [b₀], [s₁..s_m].
    let mut x0 = vec![0.3];
    let mut steps = vec![0.1];
    if with_trend {
        x0.push(0.1);
        steps.push(0.05);
    }
    if m > 0 {
        x0.push(0.1);
        steps.push(0.05);
    }
    let scale = y.iter().map(|v| v.abs()).sum::<f64>() / y.len() as f64;
    x0.push(start.level);
    steps.push(0.05 * scale.max(1e-9));
    if with_trend {
        x0.push(start.trend);
        steps.push(0.01 * scale.max(1e-9));
    }
    x0.extend(&start.seasonal);
    steps.extend(std::iter::repeat_n(
        if matches!(seasonality, Seasonality::Multiplicative(_)) {
            0.02
        } else {
            0.02 * scale.max(1e-9)
        },
        m,
    ));
    let build = |x: &[f64]| -> SmoothingModel {
        let mut at = 0;
        let mut next = || {
            at += 1;
            x[at - 1]
        };
        let level = next();
        let trend_parameter = if with_trend { next() } else { 0.0 };
        let seasonal_parameter = if m > 0 { next() } else { 0.0 };
        let initial_level = next();
        let initial_trend = if with_trend { next() } else { 0.0 };
        let seasonal = (0..m).map(|_| next()).collect();
        SmoothingModel {
            trend,
            seasonality,
            smoothing: Smoothing {
                level,
                trend: trend_parameter,
                seasonal: seasonal_parameter,
            },
            initial: InitialState {
                level: initial_level,
                trend: initial_trend,
                seasonal,
            },
        }
    };
    let objective = |x: &[f64]| -> f64 {
        let parameters = 1 + usize::from(with_trend) + usize::from(m > 0);
        if x[..parameters].iter().any(|p| !(0.0..=1.0).contains(p)) {
            return f64::INFINITY;
        }
        build(x).run(y).map_or(f64::INFINITY, |fit| fit.sse)
    };
    let minimum = nelder_mead(objective, &x0, &steps, 1e-12, 200_000);
    build(&minimum.point)
        .run(y)
        .filter(|fit| fit.sse.is_finite())
        .ok_or_else(|| StatsError::Forecast("the fit did not reach a finite error".to_owned()))
}
