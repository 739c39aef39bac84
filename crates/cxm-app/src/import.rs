//! Importing other tools' exports: the file is read twice by cxm-formats (profile, then
//! convert) so that a million-row CSV never sits in memory; the survey is created from the
//! export or the file is matched to the stored one; rows are validated like any ingest and
//! written in batches inside one transaction, so that by default the import lands whole or
//! not at all. With `skip_invalid`, valid rows land and the rejects are returned.

use std::sync::Arc;

use cxm_domain::{ResponseInput, SurveyKey, TimeZone};
use cxm_formats::{CellProblem, FileSource, Format, Mapping, Plan, PlanOptions, Prepared};
use cxm_store::StampedResponse;
use serde::Serialize;

use crate::ingest::stamp_each;
use crate::{App, AppError, IngestReport, Problem};

/// Rows converted, validated and written together.
const IMPORT_BATCH: usize = 5_000;

/// Problems listed in full; beyond this they are counted.
const LISTED_PROBLEMS: usize = 1_000;

/// How far an import has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Data rows read.
    pub rows: u64,
    /// Bytes of the file read.
    pub bytes: u64,
    /// The file's size.
    pub total_bytes: u64,
}

/// A callback told of progress after each batch.
pub type ProgressCallback = Arc<dyn Fn(ImportProgress) + Send + Sync>;

/// Where every rejected cell goes, as CSV `row,column,value,reason` (all of them, not only
/// the first 1,000 the report lists).
pub type RejectSink = Arc<std::sync::Mutex<Box<dyn std::io::Write + Send>>>;

/// What an import is asked to do.
#[derive(Clone, Default)]
pub struct ImportOptions {
    /// The survey; by default made from the file's name.
    pub survey: Option<SurveyKey>,
    /// The format; by default detected.
    pub format: Option<Format>,
    /// The user's mapping of columns.
    pub mapping: Option<Mapping>,
    /// Only report what would be imported.
    pub dry_run: bool,
    /// Import the valid rows and return the others instead of failing.
    pub skip_invalid: bool,
    /// Keep respondents' IP addresses.
    pub keep_ip: bool,
    /// Told of progress.
    pub progress: Option<ProgressCallback>,
    /// Receives every problem.
    pub rejects: Option<RejectSink>,
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("survey", &self.survey)
            .field("format", &self.format)
            .field("dry_run", &self.dry_run)
            .field("skip_invalid", &self.skip_invalid)
            .finish()
    }
}

/// What an import found and did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The file as read: container, encoding, delimiter, layout, rows.
    pub file: Prepared,
    /// The plan: format, survey, columns and what each becomes.
    pub plan: Plan,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Responses written (zero for a dry run).
    pub imported: IngestReport,
    /// Rows left out (with `skip_invalid`) or that would fail the import.
    pub rejected: u64,
    /// Every problem, with row, column, value and reason (the first 1,000).
    pub problems: Vec<CellProblem>,
}

impl App {
    /// Imports an export file; see the module documentation.
    ///
    /// # Errors
    /// [`AppError::Malformed`] when the file cannot be read as a table;
    /// [`AppError::Invalid`] listing the problems when the file does not fit its survey, or
    /// (without `skip_invalid`) when any row is bad: nothing is written then.
    pub async fn import(
        &self,
        source: FileSource,
        options: ImportOptions,
    ) -> Result<ImportReport, AppError> {
        let prepared = {
            let source = source.clone();
            let format = options.format;
            let mapping = options.mapping.clone();
            tokio::task::spawn_blocking(move || {
                cxm_formats::prepare(&source, format, mapping.as_ref())
            })
            .await
            .map_err(|e| AppError::Malformed(format!("reading the file failed: {e}")))?
            .map_err(|e| AppError::Malformed(e.to_string()))?
        };
        let key = match &options.survey {
            Some(key) => key.clone(),
            None => survey_key_for(&source.name(), prepared.layout.format),
        };
        let existing = match self.store.survey(key.as_str()).await {
            Ok(stored) => Some(stored.survey),
            Err(cxm_store::StoreError::NotFound(_)) => None,
            Err(other) => return Err(other.into()),
        };
        let plan = Plan::build(
            &prepared,
            &PlanOptions {
                survey: key.clone(),
                name: file_stem(&source.name()),
                zone: self.config.zone(),
                keep_ip: options.keep_ip,
                existing: existing.as_ref(),
                mapping: options.mapping.as_ref(),
            },
        );
        let mut problems: Vec<CellProblem> = prepared.unreadable.clone();
        problems.extend(plan.problems.iter().cloned());
        for header in &prepared.unmapped {
            problems.push(CellProblem {
                row: 1,
                column: header.clone(),
                value: String::new(),
                reason: "the mapping names this column, but the file has no such header".to_owned(),
            });
        }
        let file_level = !problems.is_empty();
        if file_level && !options.dry_run {
            return Err(AppError::Invalid(problems.iter().map(problem).collect()));
        }
        let created = if plan.creates_survey && !options.dry_run {
            self.store.create_survey(&plan.survey).await?;
            true
        } else {
            false
        };
        let outcome = self.import_rows(&source, &prepared, &plan, &options).await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                if created {
                    self.store.delete_survey(key.as_str()).await.ok();
                }
                return Err(error);
            }
        };
        problems.extend(outcome.problems);
        let failed = !options.dry_run && !options.skip_invalid && outcome.rejected > 0;
        if failed {
            if created {
                // The transaction was rolled back: the survey made for it holds nothing.
                self.store.delete_survey(key.as_str()).await?;
            }
            let mut listed: Vec<Problem> = problems.iter().map(problem).collect();
            if outcome.rejected > LISTED_PROBLEMS as u64 {
                listed.push(Problem {
                    row: None,
                    field: String::new(),
                    message: format!("{} rows are bad in all; use --dry-run to see them, or --skip-invalid to import the rest", outcome.rejected),
                });
            }
            return Err(AppError::Invalid(listed));
        }
        Ok(ImportReport {
            file: prepared,
            plan,
            dry_run: options.dry_run,
            imported: outcome.imported,
            rejected: outcome.rejected,
            problems,
        })
    }

    /// The second pass: rows converted and validated on a blocking thread, written here, so
    /// that reading the next batch overlaps writing this one.
    async fn import_rows(
        &self,
        source: &FileSource,
        prepared: &Prepared,
        plan: &Plan,
        options: &ImportOptions,
    ) -> Result<RowsOutcome, AppError> {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Checked>(2);
        let reader = {
            let source = source.clone();
            let prepared = prepared.clone();
            let plan = plan.clone();
            let total_bytes = source.len().unwrap_or(0);
            let progress = options.progress.clone();
            let zone = self.config.zone();
            tokio::task::spawn_blocking(move || -> Result<(), AppError> {
                let mut table = cxm_formats::data_rows(&source, &prepared)
                    .map_err(|e| AppError::Malformed(e.to_string()))?;
                let mut batch = Batch::default();
                let mut repeats = cxm_formats::RowRepeats::default();
                let mut rows = 0u64;
                loop {
                    let next = table.next();
                    let done = next.is_none();
                    match next {
                        Some(Ok(record)) => {
                            rows += 1;
                            match plan.convert(&record) {
                                Ok(mut input) => {
                                    repeats.number(&plan, &mut input);
                                    batch.inputs.push(input);
                                    batch.rows.push(record.row);
                                }
                                Err(problems) => batch.problems.push(problems),
                            }
                        }
                        // Unreadable rows were reported by the first pass.
                        Some(Err(_)) => {}
                        None => {}
                    }
                    if done || batch.inputs.len() + batch.problems.len() >= IMPORT_BATCH {
                        let full = std::mem::take(&mut batch);
                        if sender.blocking_send(full.check(&plan, zone)).is_err() {
                            return Ok(());
                        }
                        if let Some(progress) = &progress {
                            progress(ImportProgress {
                                rows,
                                bytes: table.bytes_read(),
                                total_bytes,
                            });
                        }
                    }
                    if done {
                        return Ok(());
                    }
                }
            })
        };
        let mut outcome = RowsOutcome::default();
        let mut session = if options.dry_run {
            None
        } else {
            Some(self.store.begin_ingest().await?)
        };
        while let Some(checked) = receiver.recv().await {
            outcome.rejected += checked.rejected;
            record(options.rejects.as_ref(), &checked.problems)?;
            keep(&mut outcome.problems, checked.problems);
            let writing = options.skip_invalid || outcome.rejected == 0;
            if let Some(session) = session.as_mut().filter(|_| writing) {
                let written = session.write(&checked.stamped).await?;
                outcome.imported.received += checked.stamped.len() as u64;
                outcome.imported.inserted += written.inserted;
                outcome.imported.updated += written.updated;
            } else if options.dry_run {
                outcome.imported.received += checked.stamped.len() as u64;
            }
        }
        reader
            .await
            .map_err(|e| AppError::Malformed(format!("reading the file failed: {e}")))??;
        if let Some(session) = session {
            if options.skip_invalid || outcome.rejected == 0 {
                session.commit().await?;
            } else {
                session.rollback().await?;
            }
        }
        Ok(outcome)
    }
}

/// Rows as converted: the inputs with their file rows, and the rows that did not convert.
#[derive(Default)]
struct Batch {
    inputs: Vec<ResponseInput>,
    rows: Vec<u64>,
    problems: Vec<Vec<CellProblem>>,
}

impl Batch {
    /// Validates and stamps the converted rows against the import's survey.
    fn check(self, plan: &Plan, zone: TimeZone) -> Checked {
        let survey_of = |key: &SurveyKey| (*key == plan.survey.key).then_some(&plan.survey);
        let (stamped, invalid) = stamp_each(&self.inputs, &self.rows, survey_of, zone);
        let mut rejected_rows: Vec<u64> = invalid.iter().filter_map(|p| p.row).collect();
        rejected_rows.dedup();
        let rejected = (self.problems.len() + rejected_rows.len()) as u64;
        let invalid: Vec<CellProblem> = invalid
            .into_iter()
            .map(|p| cell_problem(plan, &self, p))
            .collect();
        let mut problems: Vec<CellProblem> = self.problems.into_iter().flatten().collect();
        problems.extend(invalid);
        Checked {
            stamped,
            problems,
            rejected,
        }
    }
}

/// A batch ready to write: its valid rows stamped, and every problem of the others.
struct Checked {
    stamped: Vec<StampedResponse>,
    problems: Vec<CellProblem>,
    rejected: u64,
}

#[derive(Default)]
struct RowsOutcome {
    imported: IngestReport,
    rejected: u64,
    problems: Vec<CellProblem>,
}

/// Writes problems to the reject sink, if any.
fn record(sink: Option<&RejectSink>, problems: &[CellProblem]) -> Result<(), AppError> {
    let (Some(sink), false) = (sink, problems.is_empty()) else {
        return Ok(());
    };
    let failed = |e: &dyn std::fmt::Display| {
        AppError::Malformed(format!("writing the rejects file failed: {e}"))
    };
    let mut out = sink
        .lock()
        .map_err(|_| AppError::Malformed("the rejects file was poisoned".to_owned()))?;
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(&mut **out);
    for problem in problems {
        writer
            .write_record([
                problem.row.to_string().as_str(),
                &problem.column,
                &problem.value,
                &problem.reason,
            ])
            .map_err(|e| failed(&e))?;
    }
    writer.flush().map_err(|e| failed(&e))
}

fn keep(problems: &mut Vec<CellProblem>, more: Vec<CellProblem>) {
    let room = LISTED_PROBLEMS.saturating_sub(problems.len());
    problems.extend(more.into_iter().take(room));
}

/// A validation problem located in the file: `answers.q3` becomes the column of q3.
fn cell_problem(plan: &Plan, batch: &Batch, problem: Problem) -> CellProblem {
    let question = problem
        .field
        .strip_prefix("answers.")
        .map(|rest| rest.split('.').next().unwrap_or(rest));
    let time = problem.field == "submitted_at";
    let column = match question {
        Some(q) => plan.column_of(q),
        None if time => plan.time_column(),
        None => None,
    }
    .map(str::to_owned)
    .unwrap_or(problem.field.clone());
    let input = problem
        .row
        .and_then(|row| batch.rows.iter().position(|r| *r == row))
        .map(|i| &batch.inputs[i]);
    let value = match (question, input) {
        (Some(q), Some(input)) => input
            .answers
            .get(q)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default(),
        // The time as read from the cell (in RFC 3339).
        (None, Some(input)) if time => input.submitted_at.clone(),
        _ => String::new(),
    };
    CellProblem {
        row: problem.row.unwrap_or(0),
        column,
        value,
        reason: problem.message,
    }
}

/// A file problem as a use-case problem.
fn problem(cell: &CellProblem) -> Problem {
    Problem {
        row: (cell.row > 0).then_some(cell.row),
        field: cell.column.clone(),
        message: if cell.value.is_empty() {
            cell.reason.clone()
        } else {
            format!("{:?}: {}", cell.value, cell.reason)
        },
    }
}

fn file_stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.')
        .map_or(base, |(stem, _)| stem)
        .to_owned()
}

/// A survey key from the file's name (`nps_2025-q1.csv` → `nps_2025-q1`), or `<format>-import`
/// for names that make no key (`问卷.xlsx`).
fn survey_key_for(name: &str, format: Format) -> SurveyKey {
    let stem = file_stem(name);
    let slug: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug: String = slug
        .trim_start_matches(['_', '-'])
        .chars()
        .take(64)
        .collect();
    SurveyKey::parse(&slug).unwrap_or_else(|_| {
        SurveyKey::parse(&format!("{}-import", format.as_str()))
            .expect("format names are valid keys")
    })
}
