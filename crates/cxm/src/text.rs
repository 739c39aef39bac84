//! `cxm text`: analyse comments (sentiment, themes), train and evaluate sentiment models, and
//! find emerging topics, from files or standard input.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use cxm_text::{
    Analyzer, EmergingOptions, NormalizeOptions, Polarity, SentimentModel, Taxonomy,
    TrainingOptions, emerging_topics, evaluate, hold_out_split, seed_corpus, train,
};

use crate::args::TextCommand;

/// Runs a `cxm text` command; `configured` is the analyser of `[text]` in the configuration.
pub fn run(command: TextCommand, configured: Option<&Analyzer>) -> Result<()> {
    match command {
        TextCommand::Analyze {
            file,
            model,
            themes,
            traditional,
        } => {
            let analyzer = match (configured, &model, &themes) {
                (Some(configured), None, None) => configured.clone(),
                _ => analyzer(model.as_deref(), themes.as_deref())?,
            };
            let analyzer = analyzer.with_normalize(NormalizeOptions {
                traditional_to_simplified: traditional,
            });
            analyze(&file, &analyzer)
        }
        TextCommand::Train {
            data,
            text_col,
            label_col,
            lang,
            seed_corpus: with_seed,
            out,
            bits,
            epochs,
            learning_rate,
            hold_out,
        } => {
            if data.is_empty() && !with_seed {
                bail!("nothing to train on: give --data FILE (repeatable), --seed-corpus, or both");
            }
            if !(learning_rate.is_finite() && learning_rate > 0.0) {
                bail!("--learning-rate must be a positive number, not {learning_rate}");
            }
            let mut examples = if with_seed {
                seed_corpus(&lang)?
            } else {
                Vec::new()
            };
            for path in &data {
                let (rows, _) = read_labelled(path, &text_col, &label_col)?;
                let rows = match hold_out {
                    Some(share) => hold_out_split(rows, share).0,
                    None => rows,
                };
                examples.extend(rows);
            }
            let options = TrainingOptions {
                bits,
                epochs,
                learning_rate,
                ..TrainingOptions::default()
            };
            let model = train(&examples, &lang, options)?;
            std::fs::write(&out, model.to_bytes())
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "trained a {lang} model on {} comments ({} classes) into {}",
                examples.len(),
                model.classes.len(),
                out.display()
            );
            Ok(())
        }
        TextCommand::Eval {
            data,
            text_col,
            label_col,
            model,
            hold_out,
            json,
            repeat,
        } => {
            let analyzer = match (configured, &model) {
                (Some(configured), None) => configured.clone(),
                _ => analyzer(model.as_deref(), None)?,
            };
            let (examples, skipped) = read_labelled(&data, &text_col, &label_col)?;
            let examples = match hold_out {
                Some(share) => hold_out_split(examples, share).1,
                None => examples,
            };
            if examples.is_empty() {
                bail!("{}: no labelled comments to evaluate", data.display());
            }
            let mut allowed: Vec<Polarity> = examples.iter().map(|(_, l)| *l).collect();
            allowed.sort();
            allowed.dedup();
            let mut timings = Vec::new();
            let mut pairs: Vec<(Polarity, Polarity)> = Vec::new();
            for _ in 0..repeat.max(1) {
                let started = Instant::now();
                pairs = examples
                    .iter()
                    .map(|(text, label)| (*label, analyzer.label_among(text, &allowed)))
                    .collect();
                timings.push(started.elapsed().as_secs_f64());
            }
            timings.sort_by(f64::total_cmp);
            let seconds = timings[timings.len() / 2];
            let evaluation = evaluate(&pairs);
            let per_second = examples.len() as f64 / seconds.max(1e-9);
            if json {
                let mut value = serde_json::to_value(&evaluation)?;
                value["comments_per_second"] = serde_json::json!(per_second);
                value["skipped"] = serde_json::json!(skipped);
                println!("{value}");
            } else {
                println!(
                    "{} comments ({} skipped): accuracy {:.4}, macro-F1 {:.4}, {:.0} comments/s",
                    evaluation.n, skipped, evaluation.accuracy, evaluation.macro_f1, per_second
                );
                let names: Vec<&str> = evaluation.classes.iter().map(|c| c.code()).collect();
                println!("actual \\ predicted: {}", names.join(" "));
                for (name, row) in names.iter().zip(&evaluation.confusion) {
                    let cells: Vec<String> = row.iter().map(u64::to_string).collect();
                    println!("{name}: {}", cells.join(" "));
                }
            }
            Ok(())
        }
        TextCommand::Emerging {
            baseline,
            period,
            text_col,
            min_count,
            alpha,
        } => {
            let base = read_texts(&baseline, &text_col)?;
            let current = read_texts(&period, &text_col)?;
            let base_refs: Vec<&str> = base.iter().map(String::as_str).collect();
            let current_refs: Vec<&str> = current.iter().map(String::as_str).collect();
            let options = EmergingOptions {
                min_count,
                alpha,
                ..EmergingOptions::default()
            };
            let mut out = std::io::stdout().lock();
            for term in emerging_topics(&base_refs, &current_refs, options) {
                let examples: Vec<&str> = term.examples.iter().map(|&i| current_refs[i]).collect();
                let mut value = serde_json::to_value(&term)?;
                value["examples"] = serde_json::json!(examples);
                writeln!(out, "{value}")?;
            }
            Ok(())
        }
    }
}

/// The analyser with a model file (used for both languages) and a taxonomy file, each
/// defaulting to the built-in one.
pub fn analyzer(model: Option<&Path>, themes: Option<&Path>) -> Result<Analyzer> {
    let mut analyzer = match model {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let model = SentimentModel::from_bytes(&bytes)
                .with_context(|| format!("{}", path.display()))?;
            Analyzer::new(model.clone(), model, Taxonomy::built_in())?
        }
        None => Analyzer::built_in(),
    };
    if let Some(path) = themes {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        analyzer = analyzer.with_taxonomy(
            Taxonomy::from_toml(&text).with_context(|| format!("{}", path.display()))?,
        );
    }
    Ok(analyzer)
}

/// One comment per line, or JSON lines with a `text` field (and any `id`, echoed back).
fn analyze(file: &str, analyzer: &Analyzer) -> Result<()> {
    let reader: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("opening {file}"))?,
        ))
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, line) in reader.split(b'\n').enumerate() {
        let line = line.with_context(|| format!("{file}: reading line {}", number + 1))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let (id, text) = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(object)) => {
                let Some(text) = object.get("text").and_then(|t| t.as_str()) else {
                    bail!(
                        "{file}: line {}: a JSON object needs a \"text\" string",
                        number + 1
                    );
                };
                (object.get("id").cloned(), text.to_owned())
            }
            _ => (None, line.to_owned()),
        };
        let mut value = serde_json::to_value(analyzer.analyze(&text))?;
        if let Some(id) = id {
            value["id"] = id;
        }
        value["line"] = serde_json::json!(number + 1);
        writeln!(out, "{value}")?;
    }
    out.flush()?;
    Ok(())
}

fn csv_reader(path: &Path) -> Result<(csv::StringRecord, csv::Reader<Box<dyn Read>>)> {
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?)
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = reader
        .headers()
        .with_context(|| format!("{}: reading the header", path.display()))?
        .clone();
    Ok((header, reader))
}

fn column(header: &csv::StringRecord, name: &str, path: &Path) -> Result<usize> {
    header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == name)
        .with_context(|| {
            let names: Vec<&str> = header.iter().collect();
            format!(
                "{}: no column {name:?} (columns: {})",
                path.display(),
                names.join(", ")
            )
        })
}

/// Labelled comments of a CSV. Rows without text are skipped (and counted); an unknown label
/// is an error naming the row and column.
fn read_labelled(
    path: &Path,
    text_col: &str,
    label_col: &str,
) -> Result<(Vec<(String, Polarity)>, usize)> {
    let (header, mut reader) = csv_reader(path)?;
    let (text_index, label_index) = (
        column(&header, text_col, path)?,
        column(&header, label_col, path)?,
    );
    let mut examples = Vec::new();
    let mut skipped = 0;
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record = record.with_context(|| format!("{}: row {line}", path.display()))?;
        let text = record.get(text_index).unwrap_or("").trim();
        let label = record.get(label_index).unwrap_or("");
        if text.is_empty() {
            skipped += 1;
            continue;
        }
        let Some(polarity) = Polarity::parse(label) else {
            bail!(
                "{}: row {line}, column {label_col:?}: {label:?} is not a sentiment label \
                 (negative/neutral/positive, 0/1, 负面/中性/正面)",
                path.display()
            );
        };
        examples.push((text.to_owned(), polarity));
    }
    Ok((examples, skipped))
}

fn read_texts(path: &Path, text_col: &str) -> Result<Vec<String>> {
    let (header, mut reader) = csv_reader(path)?;
    let index = column(&header, text_col, path)?;
    let mut out = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: row {}", path.display(), row + 2))?;
        let text = record.get(index).unwrap_or("").trim();
        if !text.is_empty() {
            out.push(text.to_owned());
        }
    }
    Ok(out)
}
