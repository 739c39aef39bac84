//! Exports: a survey's responses as a wide CSV or XLSX (a column per question, headers in
//! Chinese or English, read from the database page by page), and metric tables as XLSX with
//! one sheet per breakdown. Response files import back with `cxm import`.

use std::io::Write;

use cxm_formats::{
    Cell, ExportRecord, WideCsvWriter, WideXlsxWriter, export_cells, export_columns,
};
use cxm_store::ResponseFilter;

use crate::{App, AppError, Estimate, MetricQueryInput, MetricsResult};

/// Responses read from the database per page while exporting.
const EXPORT_PAGE: u32 = 1_000;

/// File types of exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 CSV with a byte-order mark.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

enum Sink<W: Write> {
    Csv(Box<WideCsvWriter<W>>),
    Xlsx(Box<WideXlsxWriter>, W),
}

fn write_failed(error: cxm_formats::FormatError) -> AppError {
    AppError::Malformed(error.to_string())
}

impl App {
    /// Writes every response of `survey` to `out`, newest first; returns how many.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown survey; [`AppError::Malformed`] when writing fails.
    pub async fn export_responses<W: Write>(
        &self,
        survey: &str,
        format: ExportFormat,
        language: &str,
        out: W,
    ) -> Result<u64, AppError> {
        let stored = self.store.survey(survey).await?;
        let dimensions = self.store.dimension_keys(survey).await?;
        let columns = export_columns(&stored.survey, &dimensions, language);
        let zone = self.config.zone();
        let mut sink = match format {
            ExportFormat::Csv => Sink::Csv(Box::new(
                WideCsvWriter::new(out, &columns).map_err(write_failed)?,
            )),
            ExportFormat::Xlsx => {
                let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
                let mut workbook = WideXlsxWriter::new();
                workbook.sheet(survey, &headers).map_err(write_failed)?;
                Sink::Xlsx(Box::new(workbook), out)
            }
        };
        let mut filter = ResponseFilter {
            survey: Some(survey.to_owned()),
            limit: EXPORT_PAGE,
            ..ResponseFilter::default()
        };
        let mut written = 0u64;
        loop {
            let page = self.store.responses(&filter).await?;
            for response in page.responses {
                let record = ExportRecord {
                    response_id: response.uid,
                    source: response.source,
                    source_id: response.source_id,
                    submitted_at: response.submitted_at,
                    channel: response.channel,
                    touchpoint: response.touchpoint,
                    language: response.language,
                    customer: response.customer,
                    complete: response.complete,
                    dimensions: response.dimensions,
                    answers: response.answers,
                };
                let cells = export_cells(&columns, &record, &zone, language);
                match &mut sink {
                    Sink::Csv(writer) => writer.write(&cells),
                    Sink::Xlsx(workbook, _) => workbook.write(&cells),
                }
                .map_err(write_failed)?;
                written += 1;
            }
            match page.next {
                Some(next) => filter.after = Some(next),
                None => break,
            }
        }
        match sink {
            Sink::Csv(writer) => writer.finish().map(drop),
            Sink::Xlsx(workbook, out) => workbook.finish(out),
        }
        .map_err(write_failed)?;
        Ok(written)
    }

    /// Writes a metric query as an XLSX workbook: a sheet for the whole, then one per
    /// breakdown in `query.group_by`, each laid out as [`metric_table`].
    ///
    /// # Errors
    /// [`AppError::Invalid`] for a bad query; [`AppError::Malformed`] when writing fails.
    pub async fn export_metrics(
        &self,
        query: &MetricQueryInput,
        out: impl Write,
    ) -> Result<(), AppError> {
        let mut breakdowns: Vec<Vec<String>> = vec![Vec::new()];
        breakdowns.extend(query.group_by.iter().map(|g| vec![g.clone()]));
        let mut workbook = WideXlsxWriter::new();
        for group_by in breakdowns {
            let mut single = query.clone();
            single.group_by = group_by.clone();
            let result: MetricsResult = self.metrics(&single.parse(&self.config)?).await?;
            let name = group_by
                .first()
                .cloned()
                .unwrap_or_else(|| "overall".to_owned());
            let (headers, rows) = metric_table(&result);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            workbook.sheet(&name, &headers).map_err(write_failed)?;
            for cells in &rows {
                workbook.write(cells).map_err(write_failed)?;
            }
        }
        workbook.finish(out).map_err(write_failed)
    }
}

/// A metric result as a flat table, the layout of `cxm metrics --format csv` and of each
/// sheet of a metric workbook: the metric, the option (of a share), the period and its dates,
/// a column per breakdown, n, the low-base flag, the value and its interval, then, for each
/// comparison (`previous`, `yoy`), the value compared with, its n, the change with its
/// interval, the p-value before and after Benjamini–Hochberg, and whether it is significant.
pub fn metric_table(result: &MetricsResult) -> (Vec<String>, Vec<Vec<Cell>>) {
    const COMPARED: [&str; 8] = [
        "value",
        "n",
        "delta",
        "delta_ci_lower",
        "delta_ci_upper",
        "p_value",
        "p_adjusted",
        "significant",
    ];
    // The comparisons as the engine names them.
    let compared: Vec<String> = result
        .rows
        .first()
        .map(|r| r.comparisons.iter().map(|c| c.against.clone()).collect())
        .unwrap_or_default();
    let mut headers: Vec<String> = ["metric", "option", "period", "since", "until"]
        .map(String::from)
        .to_vec();
    headers.extend(result.group_by.iter().cloned());
    headers.extend(["n", "low_base", "value", "ci_lower", "ci_upper"].map(String::from));
    for against in &compared {
        headers.extend(COMPARED.iter().map(|c| format!("{against}_{c}")));
    }
    let text = |v: &Option<String>| v.clone().map_or(Cell::Empty, Cell::Text);
    let number = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Number);
    let rows = result
        .rows
        .iter()
        .map(|row| {
            let option = match &row.estimate {
                Estimate::Share(share) => Cell::Text(share.option.clone()),
                _ => Cell::Empty,
            };
            let mut cells = vec![
                Cell::Text(row.metric.clone()),
                option,
                text(&row.period),
                text(&row.since),
                text(&row.until),
            ];
            cells.extend(
                result
                    .group_by
                    .iter()
                    .map(|g| text(row.groups.get(g).unwrap_or(&None))),
            );
            cells.extend([
                Cell::Number(row.n as f64),
                Cell::Text(row.low_base.to_string()),
                number(row.value),
                number(row.ci_lower),
                number(row.ci_upper),
            ]);
            for against in &compared {
                match row.comparisons.iter().find(|c| &c.against == against) {
                    Some(c) => cells.extend([
                        number(c.value),
                        Cell::Number(c.n as f64),
                        number(c.delta),
                        number(c.delta_ci.map(|ci| ci[0])),
                        number(c.delta_ci.map(|ci| ci[1])),
                        number(c.p_value),
                        number(c.p_adjusted),
                        Cell::Text(c.significant.to_string()),
                    ]),
                    None => cells.extend(COMPARED.map(|_| Cell::Empty)),
                }
            }
            cells
        })
        .collect();
    (headers, rows)
}
