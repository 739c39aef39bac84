//! `cxm bench-stats`: the speed of the statistics kernel on the data its Python peers are
//! measured on (see `bench/stats.sh`, which runs both side by side): BG/NBD and Gamma–Gamma fits
//! on CDNOW and on a million synthetic customers, key-driver analysis of the airline survey, raking of a large sample.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use cxm_stats::{BgNbd, GammaGamma, RakingOptions, RakingVariable, Rfm, key_drivers, rake};

/// What to measure; each task runs when its file is given.
#[derive(Debug, Clone)]
pub struct StatsBenchOptions {
    /// `id,frequency,recency,T,monetary_value` customers.
    pub cdnow: Option<PathBuf>,
    /// A large synthetic customer base in the same layout (at most 3 runs).
    pub customers: Option<PathBuf>,
    /// The airline passenger satisfaction survey CSV.
    pub airline: Option<PathBuf>,
    /// `region,age,gender` category codes, one respondent per row.
    pub raking: Option<PathBuf>,
    /// Runs per task; the median is reported.
    pub repeat: usize,
}

/// The population margins the raking task uses (those of `shared/golden/raking.json`).
pub const RAKING_TARGETS: [&[f64]; 3] = [&[0.30, 0.45, 0.25], &[0.28, 0.37, 0.35], &[0.51, 0.49]];

/// Runs the tasks and returns `task seconds` lines (median of `repeat` runs).
pub fn run(options: &StatsBenchOptions) -> Result<String> {
    let mut out = String::new();
    let fits = [
        ("bgnbd_gammagamma_fit", &options.cdnow, options.repeat),
        (
            "bgnbd_gammagamma_fit_synthetic",
            &options.customers,
            options.repeat.min(3),
        ),
    ];
    for (task, path, repeat) in fits {
        let Some(path) = path else { continue };
        let customers = read_customers(path)?;
        let seconds = median(repeat, || {
            let purchases = BgNbd::fit(&customers)?;
            let spend = GammaGamma::fit(&customers)?;
            Ok(purchases.log_likelihood + spend.log_likelihood)
        })?;
        out.push_str(&format!(
            "{task} {seconds:.6} customers={}\n",
            customers.len()
        ));
    }
    if let Some(path) = &options.airline {
        let (outcome, predictors) = read_airline(path)?;
        let seconds = median(options.repeat, || {
            Ok(key_drivers(&outcome, &predictors)?.r_squared)
        })?;
        out.push_str(&format!(
            "key_drivers_airline {seconds:.6} rows={} predictors={}\n",
            outcome.len(),
            predictors.len()
        ));
    }
    if let Some(path) = &options.raking {
        let variables = read_raking(path)?;
        let n = variables[0].categories.len();
        let base = vec![1.0; n];
        let seconds = median(options.repeat, || {
            let raked = rake(
                &base,
                &variables,
                RakingOptions {
                    tolerance: 1e-10,
                    max_sweeps: 1_000,
                    trim: None,
                },
            )?;
            Ok(raked.max_margin_error)
        })?;
        out.push_str(&format!("raking {seconds:.6} rows={n}\n"));
    }
    Ok(out)
}

fn median(
    repeat: usize,
    mut task: impl FnMut() -> Result<f64, cxm_stats::StatsError>,
) -> Result<f64> {
    let mut times = Vec::with_capacity(repeat.max(1));
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let value = task()?;
        times.push(started.elapsed().as_secs_f64());
        std::hint::black_box(value);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn records(path: &Path) -> Result<(csv::StringRecord, Vec<csv::StringRecord>)> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let header = reader
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?
        .clone();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((header, rows))
}

fn number(row: &csv::StringRecord, index: usize, path: &Path, line: usize) -> Result<f64> {
    let text = row.get(index).unwrap_or("");
    text.trim().parse().with_context(|| {
        format!(
            "{}: row {}, column {}: {text:?} is not a number",
            path.display(),
            line + 2,
            index + 1
        )
    })
}

fn read_customers(path: &Path) -> Result<Vec<Rfm>> {
    let (_, rows) = records(path)?;
    rows.iter()
        .enumerate()
        .map(|(line, row)| {
            Ok(Rfm {
                frequency: number(row, 1, path, line)?,
                recency: number(row, 2, path, line)?,
                age: number(row, 3, path, line)?,
                monetary: number(row, 4, path, line)?,
            })
        })
        .collect()
}

/// Satisfaction (1 for "Satisfied") and the 14 service ratings of the airline survey.
fn read_airline(path: &Path) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let (header, rows) = records(path)?;
    let Some(outcome_column) = header.iter().position(|h| h == "Satisfaction") else {
        bail!("{}: no Satisfaction column", path.display());
    };
    let first_rating = header
        .iter()
        .position(|h| h == "Departure and Arrival Time Convenience")
        .context("no service ratings")?;
    let outcome = rows
        .iter()
        .map(|r| f64::from(u8::from(r.get(outcome_column) == Some("Satisfied"))))
        .collect();
    let predictors = (first_rating..first_rating + 14)
        .map(|column| {
            rows.iter()
                .enumerate()
                .map(|(line, r)| number(r, column, path, line))
                .collect::<Result<Vec<f64>>>()
        })
        .collect::<Result<_>>()?;
    Ok((outcome, predictors))
}

fn read_raking(path: &Path) -> Result<Vec<RakingVariable>> {
    let (header, rows) = records(path)?;
    (0..3)
        .map(|column| {
            let categories = rows
                .iter()
                .enumerate()
                .map(|(line, r)| Ok(number(r, column, path, line)? as usize))
                .collect::<Result<Vec<usize>>>()?;
            Ok(RakingVariable {
                name: header.get(column).unwrap_or("?").to_owned(),
                categories,
                targets: RAKING_TARGETS[column].to_vec(),
            })
        })
        .collect()
}
