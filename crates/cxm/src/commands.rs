//! One function per command: each turns arguments into a use-case call and prints the result.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use cxm_app::{App, DemoOptions, IngestFormat, MetricQueryInput, MetricsResult, Role};
use cxm_domain::{Survey, SurveyKey};

use crate::args::{
    CasesCommand, Cli, Command, FileFormat, MetricsArgs, OutputFormat, SurveyCommand, TokenCommand,
    TokenRole, UserCommand,
};
use crate::{config, table};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let config = config::load(cli.config.as_deref(), cli.database.as_deref())?;
    match cli.command {
        Command::Init { time_zone } => init(config, &time_zone).await,
        Command::Migrate => {
            open(config).await?;
            println!("the database schema is up to date");
            Ok(())
        }
        Command::Survey(command) => survey(open(config).await?, command).await,
        Command::Ingest {
            file,
            survey,
            format,
            source,
        } => {
            if file != "-" {
                readable(Path::new(&file))?;
            }
            ingest(
                open(config).await?,
                &file,
                survey.as_deref(),
                format,
                source.as_deref(),
            )
            .await
        }
        Command::Import(args) => {
            readable(&args.file)?;
            crate::import::import(open(config).await?, *args).await
        }
        Command::Export(args) => crate::import::export(open(config).await?, args).await,
        Command::Metrics(args) => metrics(open(config).await?, *args).await,
        Command::Token(command) => token(open(config).await?, command).await,
        Command::User(command) => user(open(config).await?, command).await,
        Command::Cases(CasesCommand::Import { file, summary }) => {
            readable(&file)?;
            let app = open(config).await?;
            let source = cxm_formats::FileSource::Path(file.clone());
            let imported = app
                .import_complaints(&source, summary.as_deref())
                .await
                .with_context(|| format!("importing complaints from {}", file.display()))?;
            println!(
                "{} complaint cases stored: {} open, {} closed history; {} routed to a department",
                imported.cases.len(),
                imported.open(),
                imported.closed(),
                imported.routed(),
            );
            if imported.skipped > 0 {
                println!(
                    "{} complaints were stored by an earlier import (same id) and left as they are",
                    imported.skipped
                );
            }
            Ok(())
        }
        Command::Cases(CasesCommand::Volumes { file }) => {
            readable(&file)?;
            let app = open(config).await?;
            let recorded = app
                .import_volumes(&cxm_formats::FileSource::Path(file.clone()))
                .await
                .with_context(|| format!("recording volumes from {}", file.display()))?;
            println!("{recorded} monthly volumes recorded");
            Ok(())
        }
        Command::Serve { bind } => {
            let bind = bind.unwrap_or_else(|| config.server.bind.clone());
            let app = open(config).await?;
            serve(app, &bind, None).await
        }
        Command::Demo {
            seed,
            responses,
            bind,
            no_serve,
        } => {
            demo(
                config,
                cli.database.is_some(),
                seed,
                responses,
                bind,
                no_serve,
            )
            .await
        }
        Command::Bench(args) => crate::commands::bench(config, args).await,
        Command::Text(command) => crate::text::run(command, config.text.as_deref()),
        Command::BenchStats {
            cdnow,
            customers,
            airline,
            raking,
            repeat,
        } => {
            let options = crate::bench_stats::StatsBenchOptions {
                cdnow,
                customers,
                airline,
                raking,
                repeat,
            };
            print!("{}", crate::bench_stats::run(&options)?);
            Ok(())
        }
    }
}

pub(crate) async fn open(config: cxm_app::Config) -> Result<App> {
    let url = config.database.url.clone();
    App::open(config)
        .await
        .with_context(|| format!("opening the database {}", redact(&url)))
}

fn redact(url: &str) -> String {
    format!(
        "{:?}",
        cxm_app::DatabaseConfig {
            url: url.to_owned()
        }
    )
    .trim_start_matches("DatabaseConfig { url: \"")
    .trim_end_matches("\" }")
    .to_owned()
}

async fn init(mut config: cxm_app::Config, time_zone: &str) -> Result<()> {
    let path = Path::new(config::DEFAULT_FILE);
    if path.exists() {
        println!("{} exists; keeping it", path.display());
    } else {
        cxm_domain::TimeZone::parse(time_zone)
            .map_err(|e| anyhow::anyhow!("--time-zone: {}", e.message))?;
        std::fs::write(path, config::initial_file(time_zone, &config.database.url))
            .with_context(|| format!("writing {}", path.display()))?;
        config = config::load(Some(path), None)?;
        println!("wrote {}", path.display());
    }
    let app = open(config).await?;
    let token = app.create_token("initial admin", Role::Admin).await?;
    println!("database ready: {}", redact(&app.config().database.url));
    println!(
        "admin API token (shown once; keep it safe):\n  {}",
        token.secret
    );
    Ok(())
}

async fn survey(app: App, command: SurveyCommand) -> Result<()> {
    match command {
        SurveyCommand::Create { file, update } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let parsed: Survey = if file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", file.display()))?
            } else {
                App::parse_survey_toml(&text)
                    .with_context(|| format!("parsing {}", file.display()))?
            };
            let summary = if update {
                app.update_survey(&parsed, None).await?
            } else {
                app.create_survey(&parsed).await?
            };
            println!(
                "{} survey {} ({} questions)",
                if update { "updated" } else { "created" },
                summary.survey.key,
                summary.survey.questions.len()
            );
        }
        SurveyCommand::List => {
            let header = ["key", "name", "status", "questions", "responses"]
                .map(String::from)
                .to_vec();
            let rows: Vec<Vec<String>> = app
                .surveys()
                .await?
                .into_iter()
                .map(|s| {
                    let name = [s.survey.name.zh.clone(), s.survey.name.en.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" / ");
                    vec![
                        s.survey.key.to_string(),
                        name,
                        s.survey.status.as_str().to_owned(),
                        s.survey.questions.len().to_string(),
                        s.responses.to_string(),
                    ]
                })
                .collect();
            print!("{}", table::render(&header, &rows));
        }
        SurveyCommand::Show { key } => {
            let summary = app.survey(&key).await?;
            let text =
                toml::to_string_pretty(&summary.survey).context("writing the survey as TOML")?;
            println!("# {} responses", summary.responses);
            print!("{text}");
        }
    }
    Ok(())
}

async fn ingest(
    app: App,
    file: &str,
    survey: Option<&str>,
    format: Option<FileFormat>,
    source: Option<&str>,
) -> Result<()> {
    let format = match format {
        Some(FileFormat::Jsonl) => IngestFormat::JsonLines,
        Some(FileFormat::Csv) => IngestFormat::LongCsv,
        None => IngestFormat::from_path(file),
    };
    let survey = survey
        .map(SurveyKey::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--survey: {}", e.message))?;
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .with_context(|| format!("reading {file}"))?;
    }
    let report = app
        .ingest_reader(bytes.as_slice(), format, survey.as_ref(), source)
        .await
        .with_context(|| format!("ingesting {file}"))?;
    println!(
        "{} responses: {} new, {} updated",
        report.received, report.inserted, report.updated
    );
    Ok(())
}

fn key_values(list: &[String], flag: &str) -> Result<BTreeMap<String, Vec<String>>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in list {
        let Some((key, values)) = item.split_once('=') else {
            bail!("{flag} {item:?}: write KEY=VALUE[,VALUE…]")
        };
        map.entry(key.trim().to_owned()).or_default().extend(
            values
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
        );
    }
    Ok(map)
}

fn split(list: &[String]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

async fn metrics(app: App, args: MetricsArgs) -> Result<()> {
    let input = MetricQueryInput {
        metrics: split(std::slice::from_ref(&args.metrics)),
        surveys: split(&args.surveys),
        since: args.since,
        until: args.until,
        channels: split(&args.channels),
        touchpoints: split(&args.touchpoints),
        dimensions: key_values(&args.dimensions, "--dimension")?,
        customer: key_values(&args.customer, "--customer")?,
        answers: key_values(&args.answers, "--answer")?,
        group_by: split(&args.group_by),
        grain: args.grain,
        compare: split(&args.compare),
        confidence: args.confidence,
        min_n: args.min_n,
        complete_only: args.complete_only,
    };
    let result = if cxm_app::is_case_query(&input) {
        app.case_metrics(&input).await?
    } else {
        app.metrics(&input.parse(app.config())?).await?
    };
    if let Some(path) = &args.xlsx {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        app.export_metrics(&input, std::io::BufWriter::new(file))
            .await
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        OutputFormat::Csv => print!("{}", metrics_csv(&result)?),
        OutputFormat::Table => print!("{}", metrics_table(&result)),
    }
    for name in &result.group_by {
        if !result.rows.is_empty()
            && result
                .rows
                .iter()
                .all(|row| row.groups.get(name).is_some_and(Option::is_none))
        {
            if name.starts_with("answer:") {
                eprintln!("note: no response here answered {name:?}, so every row is in one group");
            } else {
                eprintln!(
                    "note: no response here has a value for {name:?}, so every row is in one \
                     group; breakdowns are by survey, channel, touchpoint, a dimension, or the \
                     answer to a choice question (`--by answer:<question key>`; a column imported \
                     as a question is not a dimension: `\"<its header>\" = {{ dimension = \
                     \"{name}\" }}` in a mapping file imports it as one)"
                );
            }
        }
    }
    Ok(())
}

fn number(value: Option<f64>, digits: usize) -> String {
    value.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

fn digits(metric: &str) -> usize {
    if metric.starts_with("ces") || metric.starts_with("mean") {
        2
    } else if metric == "count" {
        0
    } else {
        1
    }
}

fn metrics_table(result: &MetricsResult) -> String {
    let mut header = vec!["metric".to_owned()];
    if result.grain.is_some() {
        header.push("period".to_owned());
    }
    header.extend(result.group_by.iter().cloned());
    header.extend(["n", "value", "95% CI"].map(String::from));
    let comparisons: Vec<String> = result
        .rows
        .first()
        .map(|r| r.comparisons.iter().map(|c| c.against.clone()).collect())
        .unwrap_or_default();
    for against in &comparisons {
        header.push(format!("Δ {against}"));
    }
    if result.confidence != 0.95 {
        let position = header.len() - 1 - comparisons.len();
        header[position] = format!("{:.0}% CI", result.confidence * 100.0);
    }
    let mut rows = Vec::new();
    for row in &result.rows {
        let places = digits(&row.metric);
        let mut cells = vec![match &row.estimate {
            cxm_app::Estimate::Share(share) => format!("{} = {}", row.metric, share.option),
            _ => row.metric.clone(),
        }];
        if result.grain.is_some() {
            cells.push(row.period.clone().unwrap_or_default());
        }
        for name in &result.group_by {
            cells.push(
                row.groups
                    .get(name)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "—".to_owned()),
            );
        }
        cells.push(format!(
            "{}{}",
            row.n,
            if row.low_base { " (low base)" } else { "" }
        ));
        cells.push(number(row.value, places));
        cells.push(match (row.ci_lower, row.ci_upper) {
            (Some(lower), Some(upper)) => format!("[{lower:.places$}, {upper:.places$}]"),
            _ => String::new(),
        });
        for comparison in &row.comparisons {
            cells.push(match comparison.delta {
                Some(delta) => format!(
                    "{delta:+.places$}{}",
                    if comparison.significant { " *" } else { "" }
                ),
                None => "—".to_owned(),
            });
        }
        rows.push(cells);
    }
    let mut text = table::render(&header, &rows);
    if !comparisons.is_empty() {
        text.push_str(
            "* significant after Benjamini–Hochberg adjustment across the groups of this query\n",
        );
    }
    text
}

fn metrics_csv(result: &MetricsResult) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let (header, rows) = cxm_app::metric_table(result);
    writer.write_record(&header)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| match cell {
            cxm_formats::Cell::Empty => String::new(),
            cxm_formats::Cell::Number(x) => x.to_string(),
            cxm_formats::Cell::Text(text) => text.clone(),
        }))?;
    }
    Ok(String::from_utf8(
        writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

async fn token(app: App, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create { name, role } => {
            let role = match role {
                TokenRole::Viewer => Role::Viewer,
                TokenRole::Analyst => Role::Analyst,
                TokenRole::Admin => Role::Admin,
            };
            let token = app.create_token(&name, role).await?;
            println!(
                "token {} ({}), shown once:\n  {}",
                token.id,
                role.as_str(),
                token.secret
            );
        }
        TokenCommand::Revoke { id } => {
            app.store().revoke_token(id).await?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}

async fn user(app: App, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            name,
            role,
            language,
        } => {
            let password = match std::env::var("CXM_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                        eprintln!(
                            "password (at least {} characters), then Enter:",
                            cxm_app::MIN_PASSWORD_CHARS
                        );
                    }
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let role = match role {
                TokenRole::Viewer => Role::Viewer,
                TokenRole::Analyst => Role::Analyst,
                TokenRole::Admin => Role::Admin,
            };
            let user = app.add_user(&name, &password, role, &language).await?;
            println!("user {} ({}) added", user.name, user.role.as_str());
        }
        UserCommand::Contacts {
            name,
            email,
            mobile,
            wecom,
            dingtalk,
            feishu,
            slack,
        } => {
            let contacts = cxm_domain::Contacts {
                email,
                mobile,
                wecom,
                dingtalk,
                feishu,
                slack,
            };
            let user = app.set_contacts(&name, contacts).await?;
            println!("contacts of {} set", user.name);
        }
    }
    Ok(())
}

/// Fails, naming the file, when `path` cannot be read: checked before the database is opened,
/// so that a mistyped name creates no database.
fn readable(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .map(drop)
        .with_context(|| format!("reading {}", path.display()))
}

/// Serves until Ctrl-C; prints where, and `banner` if given.
async fn serve(app: App, bind: &str, banner: Option<String>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| {
        format!("listening on {bind} (is another server using the port? pass --bind)")
    })?;
    let address = listener
        .local_addr()
        .context("reading the listening address")?;
    println!("cxm is serving on http://{address}/");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    // SLA breaches escalate within a minute of happening.
    let sweeper = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            match sweeper
                .escalate_overdue(chrono::Utc::now().timestamp_micros())
                .await
            {
                Ok(cases) if !cases.is_empty() => {
                    tracing::info!(escalated = cases.len(), "cases past their SLA escalated")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "the escalation sweep failed"),
            }
        }
    });
    cxm_server::serve(listener, app, shutdown)
        .await
        .context("serving HTTP")?;
    Ok(())
}

/// The demo database's user; the demo database is rebuilt on every run and serves loopback.
const DEMO_USER: &str = "demo";
/// The demo user's password, printed with the demo's address.
const DEMO_PASSWORD: &str = "cxm-demo-2026";

async fn demo(
    mut config: cxm_app::Config,
    database_given: bool,
    seed: u64,
    responses: u64,
    bind: Option<String>,
    no_serve: bool,
) -> Result<()> {
    if !database_given && std::env::var_os("CXM_DATABASE_URL").is_none() {
        // The demo keeps to its own file and starts it afresh, so its numbers depend only on the seed.
        let file = "cxm-demo.db";
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{file}{suffix}");
            if Path::new(&path).exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing the previous demo database {path}"))?;
            }
        }
        config.database.url = format!("sqlite://{file}");
    }
    if config.time_zone.is_none() {
        // The demo retailer is in China: its days begin in Shanghai unless configured otherwise.
        config.time_zone = Some(
            cxm_domain::TimeZone::parse("Asia/Shanghai").map_err(|e| anyhow::anyhow!(e.message))?,
        );
    }
    let bind = bind.unwrap_or_else(|| config.server.bind.clone());
    let app = open(config).await?;
    let options = DemoOptions {
        responses,
        ..DemoOptions::ending_before(app.config().zone().today(), seed)
    };
    let started = std::time::Instant::now();
    eprintln!(
        "building the demo: 禾港生活 (Harbour Living), {} months to {} …",
        options.months, options.end
    );
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let summary = app
        .build_demo(options, |done| {
            if terminal {
                eprint!("\r  {done} responses …");
            }
        })
        .await?;
    eprintln!(
        "\r  {} responses in {:.1} s ({} surveys, {} to {})",
        summary.report.received,
        started.elapsed().as_secs_f64(),
        summary.surveys.len(),
        summary.since,
        summary.until
    );
    let cases = app
        .build_demo_cases(DEMO_PASSWORD, summary.until)
        .await
        .context("building the demo's cases")?;
    eprintln!(
        "  {} complaint cases ({} closed) in {} departments; staff sign in with the same password: {}",
        cases.opened,
        cases.closed,
        cases.staff.len() / 2,
        cases
            .staff
            .iter()
            .map(|(name, department)| format!("{name} ({department})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if no_serve {
        return Ok(());
    }
    let token = app.create_token("demo", Role::Admin).await?;
    app.add_user(DEMO_USER, DEMO_PASSWORD, Role::Admin, "zh")
        .await?;

    let host = bind.replace("0.0.0.0", "127.0.0.1");
    let banner = format!(
        "dashboard: http://{host}/dashboard (sign in as {DEMO_USER} / {DEMO_PASSWORD})\ncases: http://{host}/cases?view=all\nAPI token for this demo: {secret}\ntry:\n  curl -H 'Authorization: Bearer {secret}' 'http://{host}/api/v1/metrics?metrics=nps&grain=month&compare=yoy'\n  curl -H 'Authorization: Bearer {secret}' 'http://{host}/api/v1/metrics?metrics=nps,csat&group_by=region&since={since}&compare=previous'\nPress Ctrl-C to stop.",
        secret = token.secret,
        since = summary.until.format("%Y-%m-01"),
    );
    serve(app, &bind, Some(banner)).await
}

/// `cxm bench`.
pub async fn bench(config: cxm_app::Config, args: crate::args::BenchArgs) -> Result<()> {
    let sizes: Vec<u64> = split(std::slice::from_ref(&args.sizes))
        .iter()
        .map(|s| {
            s.replace('_', "")
                .parse::<u64>()
                .with_context(|| format!("--sizes {s:?} is not a number"))
        })
        .collect::<Result<_>>()?;
    let report = crate::bench::run(&crate::bench::BenchOptions {
        sizes,
        postgres: args.postgres,
        repeat: args.repeat.max(1),
        time_zone: config.zone(),
    })
    .await?;
    print!("{report}");
    Ok(())
}
