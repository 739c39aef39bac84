//! `cxm import` and `cxm export`: files in and out around the import and export use cases,
//! with a progress bar on a terminal and the dry-run report as tables.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use cxm_app::{App, ExportFormat, ImportOptions, ImportProgress, ImportReport};
use cxm_domain::SurveyKey;
use cxm_formats::{FileSource, Format, Mapping};

use crate::args::{ExportArgs, ImportArgs, ImportFormat};
use crate::table;

/// Runs `cxm import`.
pub async fn import(app: App, args: ImportArgs) -> Result<()> {
    let survey = args
        .survey
        .as_deref()
        .map(SurveyKey::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--survey: {}", e.message))?;
    let mapping = match &args.mapping {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(Mapping::parse(&text).with_context(|| format!("reading {}", path.display()))?)
        }
    };
    let mapping = match &args.submitted_at {
        None => mapping,
        Some(time) => Some(
            mapping
                .unwrap_or_default()
                .with_submitted_at(time)
                .context("--submitted-at")?,
        ),
    };
    let mapping = match &args.sheet {
        None => mapping,
        Some(sheet) => Some(mapping.unwrap_or_default().with_sheet(sheet)),
    };
    let format = match args.format {
        ImportFormat::Auto => None,
        other => Format::parse(&format!("{other:?}").to_lowercase()),
    };
    let rejects_path = args.skip_invalid.then(|| {
        args.rejects
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}.rejects.csv", args.file.display())))
    });
    let rejects = match &rejects_path {
        None => None,
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(b"row,column,value,reason\n")?;
            let sink: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(file));
            Some(Arc::new(Mutex::new(sink)))
        }
    };
    let progress = std::io::stderr().is_terminal().then(|| {
        let callback: cxm_app::ProgressCallback = Arc::new(draw_progress);
        callback
    });
    let options = ImportOptions {
        survey,
        format,
        mapping,
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        keep_ip: args.keep_ip,
        progress,
        rejects: rejects.clone(),
    };
    let result = app
        .import(FileSource::Path(args.file.clone()), options)
        .await;
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    if let Some(sink) = rejects
        && let Ok(mut out) = sink.lock()
    {
        out.flush().context("writing the rejects file")?;
    }
    let report = result.with_context(|| format!("importing {}", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print_report(&report);
    if let Some(path) = rejects_path
        && report.rejected > 0
    {
        println!(
            "{} rows left out; their problems are in {}",
            report.rejected,
            path.display()
        );
    }
    Ok(())
}

fn draw_progress(progress: ImportProgress) {
    let width = 30usize;
    let share = if progress.total_bytes == 0 {
        1.0
    } else {
        (progress.bytes as f64 / progress.total_bytes as f64).min(1.0)
    };
    let done = (share * width as f64).round() as usize;
    eprint!(
        "\r[{}{}] {:>3.0}%  {} rows",
        "#".repeat(done),
        " ".repeat(width - done),
        share * 100.0,
        progress.rows
    );
    std::io::stderr().flush().ok();
}

fn print_report(report: &ImportReport) {
    let file = &report.file;
    let plan = &report.plan;
    let read_as = match &file.sheet {
        Some(sheet) => format!("sheet {sheet:?}"),
        None => format!("{}, delimiter {:?}", file.encoding, file.delimiter),
    };
    println!(
        "{}: {} format, {:?} ({read_as}), {} data rows",
        file.file,
        plan.format.as_str(),
        file.container,
        file.rows
    );
    println!(
        "survey {} ({}), source {}{}",
        plan.survey.key,
        if plan.creates_survey {
            "created from the file"
        } else {
            "matched to the stored survey"
        },
        plan.source,
        if plan.keyed_by_content {
            "; no response id column: rows are keyed by their content"
        } else {
            ""
        }
    );
    if let Some(time) = &plan.default_submitted_at {
        println!("rows without a submission time are dated {time}");
    }
    if report.dry_run {
        let rows: Vec<Vec<String>> = plan
            .columns
            .iter()
            .map(|c| vec![c.column.clone(), c.header.clone(), c.becomes.clone()])
            .collect();
        print!(
            "{}",
            table::render(&["column", "header", "becomes"].map(String::from), &rows)
        );
    }
    if !report.problems.is_empty() {
        let rows: Vec<Vec<String>> = report
            .problems
            .iter()
            .map(|p| {
                vec![
                    p.row.to_string(),
                    p.column.clone(),
                    p.value.clone(),
                    p.reason.clone(),
                ]
            })
            .collect();
        println!("problems:");
        print!(
            "{}",
            table::render(
                &["row", "column", "value", "reason"].map(String::from),
                &rows
            )
        );
    }
    let imported = &report.imported;
    if report.dry_run {
        println!(
            "dry run: {} responses would be imported, {} rows rejected; nothing was written",
            imported.received, report.rejected
        );
    } else {
        println!(
            "{} responses imported: {} new, {} updated",
            imported.received, imported.inserted, imported.updated
        );
        if imported.repeated() > 0 {
            println!(
                "{} rows repeated another row of the file (the same response id, or the same content in a file without ids) and were taken once",
                imported.repeated()
            );
        }
    }
}

/// Runs `cxm export`.
pub async fn export(app: App, args: ExportArgs) -> Result<()> {
    if !matches!(args.lang.as_str(), "zh" | "en") {
        bail!("--lang {:?}: expected zh or en", args.lang);
    }
    let format = if extension_is(&args.output, "xlsx") {
        ExportFormat::Xlsx
    } else {
        ExportFormat::Csv
    };
    let written = if args.output == Path::new("-") {
        let stdout = std::io::stdout();
        app.export_responses(&args.survey, format, &args.lang, stdout.lock())
            .await?
    } else {
        let file = std::fs::File::create(&args.output)
            .with_context(|| format!("creating {}", args.output.display()))?;
        app.export_responses(
            &args.survey,
            format,
            &args.lang,
            std::io::BufWriter::new(file),
        )
        .await
        .with_context(|| format!("writing {}", args.output.display()))?
    };
    if args.output != Path::new("-") {
        eprintln!("{written} responses written to {}", args.output.display());
    }
    Ok(())
}

fn extension_is(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}
