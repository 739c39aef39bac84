//! The monthly volumes (orders, customers) complaint rates are measured against: from the API
//! or a file (CSV, TSV or a workbook), every entry checked before any is recorded.

use cxm_formats::FileSource;
use cxm_store::Volume;
use serde::{Deserialize, Serialize};

use crate::history::{HeadedTable, unreadable_row};
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

/// The month index (`year·12 + month − 1`) of `YYYY-MM`, also written `YYYY/MM`, `YYYY.MM`,
/// `YYYY年M月`, or as a date in that month (`2026-03-01`, as spreadsheets store months).
fn month_of(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.split_once(' ').map_or(text, |(date, _)| date);
    let text = text.strip_suffix('月').unwrap_or(text);
    let mut parts = text.split(['-', '/', '.', '年']);
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day_ok = match parts.next() {
        None => true,
        Some(day) => day
            .trim_end_matches('日')
            .parse::<u32>()
            .is_ok_and(|d| (1..=31).contains(&d)),
    };
    (day_ok && parts.next().is_none() && (1..=12).contains(&month) && (1900..=9999).contains(&year))
        .then_some(year * 12 + month - 1)
}

/// What a column of a volumes file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VolumeColumn {
    Month,
    Orders,
    Customers,
    Touchpoint,
}

/// The column a header names, by its usual English and Chinese names.
fn volume_column(header: &str) -> Option<VolumeColumn> {
    Some(match header.trim().to_lowercase().as_str() {
        "month" | "月份" | "月" | "统计月份" => VolumeColumn::Month,
        "orders" | "order count" | "订单数" | "订单量" | "订单" => VolumeColumn::Orders,
        "customers" | "customer count" | "客户数" | "顾客数" | "客户" => {
            VolumeColumn::Customers
        }
        "touchpoint" | "触点" | "接触点" => VolumeColumn::Touchpoint,
        _ => return None,
    })
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
            format!("{:?} is not a month like 2026-03 or 2026年3月", input.month),
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

    /// Records monthly volumes from a file (CSV or TSV in UTF-8 or GBK, or a workbook's first
    /// sheet) with a month column (`month`, `月份`), an orders and/or a customers column
    /// (`orders`, `订单数`; `customers`, `客户数`) and optionally a touchpoint (`touchpoint`,
    /// `触点`). Every row is checked first.
    ///
    /// # Errors
    /// [`AppError::Malformed`] for a file that is not a table; [`AppError::Invalid`] listing
    /// every bad row and column (nothing is recorded then).
    pub async fn import_volumes(&self, source: &FileSource) -> Result<usize, AppError> {
        let HeadedTable {
            file,
            headers,
            rows,
        } = HeadedTable::open(source)?;
        let column =
            |field: VolumeColumn| headers.iter().position(|h| volume_column(h) == Some(field));
        let Some(month_column) = column(VolumeColumn::Month) else {
            return Err(AppError::invalid(
                "month",
                format!("the header of {file} has no month column (month, 月份)"),
            ));
        };
        let measures: Vec<(&str, usize)> = [
            ("orders", VolumeColumn::Orders),
            ("customers", VolumeColumn::Customers),
        ]
        .into_iter()
        .filter_map(|(measure, field)| column(field).map(|c| (measure, c)))
        .collect();
        if measures.is_empty() {
            return Err(AppError::invalid(
                "orders",
                format!(
                    "the header of {file} has neither an orders (订单数) nor a customers (客户数) \
                     column"
                ),
            ));
        }
        let touchpoint_column = column(VolumeColumn::Touchpoint);
        let mut volumes = Vec::new();
        let mut problems = Vec::new();
        for record in rows {
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    problems.push(unreadable_row(error));
                    continue;
                }
            };
            let cell = |at: usize| record.cells.get(at).map_or("", |c| c.trim());
            if record.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            for &(measure, at) in &measures {
                let text = cell(at);
                if text.is_empty() {
                    continue;
                }
                let Ok(n) = text.replace([',', '，'], "").parse::<i64>() else {
                    problems.push(Problem {
                        row: Some(record.row),
                        field: headers[at].clone(),
                        message: format!("{text:?} is not a whole number"),
                    });
                    continue;
                };
                let input = VolumeInput {
                    month: cell(month_column).to_owned(),
                    measure: measure.to_owned(),
                    n,
                    touchpoint: touchpoint_column.map(|c| cell(c).to_owned()),
                };
                match volume_of(&input, Some(record.row)) {
                    Ok(volume) => volumes.push(volume),
                    Err(found) => problems.extend(found.into_iter().map(|mut problem| {
                        // Name the file's own column.
                        problem.field = match problem.field.as_str() {
                            "month" => headers[month_column].clone(),
                            _ => headers[at].clone(),
                        };
                        problem
                    })),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_as_spreadsheets_and_people_write_them() {
        let march = 2026 * 12 + 2;
        for text in [
            "2026-03",
            " 2026-3 ",
            "2026/03",
            "2026.03",
            "2026年3月",
            "2026-03-01",
            "2026-03-01 00:00:00",
        ] {
            assert_eq!(month_of(text), Some(march), "{text}");
        }
        for text in [
            "2026-13",
            "03/2026",
            "2026",
            "march",
            "2026-03-01-02",
            "2026-03-40",
        ] {
            assert_eq!(month_of(text), None, "{text}");
        }
    }

    #[test]
    fn volume_columns_are_found_by_english_and_chinese_names() {
        assert_eq!(volume_column("Month"), Some(VolumeColumn::Month));
        assert_eq!(volume_column("月份"), Some(VolumeColumn::Month));
        assert_eq!(volume_column("订单数"), Some(VolumeColumn::Orders));
        assert_eq!(volume_column(" Customers"), Some(VolumeColumn::Customers));
        assert_eq!(volume_column("触点"), Some(VolumeColumn::Touchpoint));
        assert_eq!(volume_column("revenue"), None);
    }
}
