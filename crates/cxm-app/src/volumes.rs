//! The monthly volumes (orders, customers) complaint rates are measured against: from the API
//! or a CSV file, every entry checked before any is recorded.

use cxm_store::Volume;
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Problem};

/// One month's volume, as the API takes it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeInput {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// `orders` or `customers`.
    pub measure: String,
    /// How many.
    pub n: i64,
    /// The touchpoint it counts, if not everything.
    #[serde(default)]
    pub touchpoint: Option<String>,
}

/// The month index (`year·12 + month − 1`) of `YYYY-MM`.
fn month_of(text: &str) -> Option<i64> {
    let (year, month) = text.trim().split_once('-')?;
    let year: i64 = year.parse().ok()?;
    let month: i64 = month.parse().ok()?;
    ((1..=12).contains(&month) && (1900..=9999).contains(&year)).then_some(year * 12 + month - 1)
}

fn volume_of(input: &VolumeInput, row: Option<u64>) -> Result<Volume, Vec<Problem>> {
    let problem = |field: &str, message: String| Problem {
        row,
        field: field.to_owned(),
        message,
    };
    let mut problems = Vec::new();
    let month = month_of(&input.month);
    if month.is_none() {
        problems.push(problem(
            "month",
            format!("{:?} is not a month like 2026-03", input.month),
        ));
    }
    if !matches!(input.measure.as_str(), "orders" | "customers") {
        problems.push(problem(
            "measure",
            format!("{:?} is not orders or customers", input.measure),
        ));
    }
    if input.n < 0 {
        problems.push(problem(&input.measure, format!("{} is negative", input.n)));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let touchpoint = input
        .touchpoint
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    Ok(Volume {
        measure: input.measure.clone(),
        dim_key: if touchpoint.is_some() {
            "@touchpoint".into()
        } else {
            String::new()
        },
        dim_value: touchpoint.unwrap_or_default().to_owned(),
        month: month.unwrap_or_default(),
        n: input.n,
    })
}

/// What a column of a complaints file holds.
impl App {
    /// Records monthly volumes (each replaces the same month, measure and touchpoint); all of
    /// them, or none when any is wrong.
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming every bad entry (by its position from 1) and field.
    pub async fn set_volumes(&self, inputs: &[VolumeInput]) -> Result<usize, AppError> {
        let mut volumes = Vec::new();
        let mut problems = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            match volume_of(input, Some(index as u64 + 1)) {
                Ok(volume) => volumes.push(volume),
                Err(found) => problems.extend(found),
            }
        }
        self.record_volumes(volumes, problems).await
    }

    /// Records monthly volumes from a CSV file with a `month` column (`YYYY-MM`), an `orders`
    /// and/or a `customers` column, and optionally `touchpoint`. Every row is checked first.
    ///
    /// # Errors
    /// [`AppError::Invalid`] listing every bad row and column (nothing is recorded then).
    pub async fn import_volumes(&self, reader: impl std::io::Read) -> Result<usize, AppError> {
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers: Vec<String> = csv
            .headers()
            .map_err(|e| AppError::invalid("header", format!("cannot read the CSV header: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let column = |name: &str| headers.iter().position(|h| h == name);
        let Some(month_column) = column("month") else {
            return Err(AppError::invalid("month", "the header has no month column"));
        };
        let measures: Vec<(&str, usize)> = ["orders", "customers"]
            .into_iter()
            .filter_map(|m| column(m).map(|c| (m, c)))
            .collect();
        if measures.is_empty() {
            return Err(AppError::invalid(
                "orders",
                "the header has neither an orders nor a customers column",
            ));
        }
        let touchpoint_column = column("touchpoint");
        let mut volumes = Vec::new();
        let mut problems = Vec::new();
        for (index, record) in csv.records().enumerate() {
            let row = index as u64 + 2;
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    problems.push(Problem {
                        row: Some(row),
                        field: String::new(),
                        message: format!("unreadable CSV row: {error}"),
                    });
                    continue;
                }
            };
            for &(measure, at) in &measures {
                let text = record.get(at).unwrap_or_default().trim();
                if text.is_empty() {
                    continue;
                }
                let Ok(n) = text.replace(',', "").parse::<i64>() else {
                    problems.push(Problem {
                        row: Some(row),
                        field: measure.to_owned(),
                        message: format!("{text:?} is not a whole number"),
                    });
                    continue;
                };
                let input = VolumeInput {
                    month: record.get(month_column).unwrap_or_default().to_owned(),
                    measure: measure.to_owned(),
                    n,
                    touchpoint: touchpoint_column
                        .and_then(|c| record.get(c))
                        .map(str::to_owned),
                };
                match volume_of(&input, Some(row)) {
                    Ok(volume) => volumes.push(volume),
                    Err(found) => problems.extend(found),
                }
            }
        }
        self.record_volumes(volumes, problems).await
    }

    /// Stores `volumes` when nothing is wrong, else refuses them all with the problems.
    async fn record_volumes(
        &self,
        volumes: Vec<Volume>,
        problems: Vec<Problem>,
    ) -> Result<usize, AppError> {
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        self.store.set_volumes(&volumes).await?;
        Ok(volumes.len())
    }
}
