//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// cxm: customer experience management — surveys, responses and honest metrics.
#[derive(Debug, Parser)]
#[command(name = "cxm", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./cxm.toml when it exists).
    #[arg(long, global = true, env = "CXM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL, overriding the configuration: sqlite://FILE or postgres://…
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write cxm.toml (if missing), create the database and print a first admin API token.
    Init {
        /// Time zone in which days and months begin, e.g. Asia/Shanghai.
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Create, list and show surveys.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Ingest responses from a JSON-lines or long-format CSV file; all rows or none.
    Ingest {
        /// The file (.csv is long CSV, anything else JSON lines; - reads standard input).
        file: String,
        /// Survey of CSV rows without a survey column.
        #[arg(long)]
        survey: Option<String>,
        /// File format, when the name does not tell.
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// Source name for every response (default: the file's own, or "api").
        #[arg(long)]
        source: Option<String>,
    },
    /// Import another tool's export (Qualtrics, SurveyMonkey, 问卷星, Delighted, Formbricks,
    /// LimeSurvey, or any CSV/XLSX with a row per response); all rows or none by default.
    Import(Box<ImportArgs>),
    /// Export a survey's responses as a wide CSV or XLSX (a column per question).
    Export(ExportArgs),
    /// Compute metrics, e.g. `cxm metrics nps --survey s1 --by region --grain month --compare yoy`.
    Metrics(Box<MetricsArgs>),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Cases: import complaints, record the monthly volumes complaint rates are measured against.
    #[command(subcommand)]
    Cases(CasesCommand),
    /// Manage the people who sign in to the web app and how they are reached.
    #[command(subcommand)]
    User(UserCommand),
    /// Serve the API and pages.
    Serve {
        /// Address to listen on (default from configuration, 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Build a demo database (a fictional retailer, 24 months) and serve it.
    Demo {
        /// Seed of the generator.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// Approximate number of responses.
        #[arg(long, default_value_t = 216_000)]
        responses: u64,
        /// Address to listen on.
        #[arg(long)]
        bind: Option<String>,
        /// Build the database and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Measure ingest and metric-query speed on synthetic data.
    Bench(BenchArgs),
    /// Analyse comments (sentiment, themes), train and evaluate sentiment models, find emerging
    /// topics.
    #[command(subcommand)]
    Text(TextCommand),
    /// Measure the statistics kernel on the files `bench/stats.sh` prepares.
    BenchStats {
        /// Customers as `id,frequency,recency,T,monetary_value` (e.g. the CDNOW summary).
        #[arg(long)]
        cdnow: Option<PathBuf>,
        /// A large synthetic customer base in the same layout, fitted with fewer runs.
        #[arg(long)]
        customers: Option<PathBuf>,
        /// The airline passenger satisfaction survey CSV.
        #[arg(long)]
        airline: Option<PathBuf>,
        /// Respondents' `region,age,gender` category codes.
        #[arg(long)]
        raking: Option<PathBuf>,
        /// Runs per task (the median is reported).
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
}

/// `cxm text` subcommands.
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Analyse comments (one per line, or JSON lines with "text" and "id") into JSON lines.
    Analyze {
        /// The file (- reads standard input).
        #[arg(default_value = "-")]
        file: String,
        /// A model trained with `cxm text train`, used for every language.
        #[arg(long)]
        model: Option<PathBuf>,
        /// A theme taxonomy (TOML, like crates/cxm-text/data/themes.toml).
        #[arg(long)]
        themes: Option<PathBuf>,
        /// Convert traditional Chinese to simplified first.
        #[arg(long)]
        traditional: bool,
    },
    /// Train a sentiment model on labelled CSV files (and/or the built-in seed corpus).
    Train {
        /// Labelled CSV files.
        #[arg(long)]
        data: Vec<PathBuf>,
        /// Column with the comment.
        #[arg(long, default_value = "text")]
        text_col: String,
        /// Column with the label (negative/neutral/positive, 0/1, 负面/中性/正面).
        #[arg(long, default_value = "label")]
        label_col: String,
        /// Language the model is for (zh or en).
        #[arg(long)]
        lang: String,
        /// Also train on the built-in seed corpus of the language.
        #[arg(long)]
        seed_corpus: bool,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Hash bits.
        #[arg(long, default_value_t = 20)]
        bits: u32,
        /// Passes over the data.
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        /// AdaGrad's base step; smaller steps suit composed corpora such as the seed corpus.
        #[arg(long, default_value_t = 0.3)]
        learning_rate: f32,
        /// Leave out the share of each file that `eval --hold-out` scores (0.2 = 20%).
        #[arg(long, value_parser = share)]
        hold_out: Option<f64>,
    },
    /// Score a model against labelled CSV data: accuracy, macro-F1, confusion matrix, speed.
    Eval {
        /// Labelled CSV file.
        #[arg(long)]
        data: PathBuf,
        /// Column with the comment.
        #[arg(long, default_value = "text")]
        text_col: String,
        /// Column with the label.
        #[arg(long, default_value = "label")]
        label_col: String,
        /// A model file (default: the built-in models).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Score only the held-out share that `train --hold-out` leaves out (0.2 = 20%).
        #[arg(long, value_parser = share)]
        hold_out: Option<f64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Score this many times and report the median speed.
        #[arg(long, default_value_t = 1)]
        repeat: usize,
    },
    /// Terms whose share of comments rose in a period against a baseline (JSON lines).
    Emerging {
        /// Baseline comments (CSV).
        #[arg(long)]
        baseline: PathBuf,
        /// Period comments (CSV).
        #[arg(long)]
        period: PathBuf,
        /// Column with the comment.
        #[arg(long, default_value = "text")]
        text_col: String,
        /// Mentions below which a term is not tested.
        #[arg(long, default_value_t = 5)]
        min_count: usize,
        /// False discovery rate.
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
    },
}

/// Survey subcommands.
#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Create a survey from a TOML or JSON definition file.
    Create {
        /// The definition (see docs/survey-format.md).
        file: PathBuf,
        /// Replace the definition of an existing survey with the same key.
        #[arg(long)]
        update: bool,
    },
    /// List surveys.
    List,
    /// Show one survey's definition as TOML.
    Show {
        /// Survey key.
        key: String,
    },
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    Create {
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Its role.
        #[arg(long, value_enum, default_value_t = TokenRole::Viewer)]
        role: TokenRole,
    },
    /// Revoke a token by id.
    Revoke {
        /// Token id, as printed when it was created.
        id: i64,
    },
}

/// `cxm cases`.
#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Store a complaint case per row of a CSV/TSV file (UTF-8 or GBK) or XLSX/XLS sheet: a
    /// text column (`summary`, `description`, `投诉内容`, `描述`… or the one --summary names);
    /// optional `customer`, `channel`, `touchpoint`, `priority`, an id (`complaint id`,
    /// `工单号`…: importing again skips what is stored), `status` (closed rows become closed
    /// history) and received/closed times (`date received`, `投诉时间`, `closed at`,
    /// `结案时间`…); other columns are dimensions. Every row is checked first; all or none are
    /// stored. docs/import.md lists the column names read.
    Import {
        /// The complaints file.
        file: PathBuf,
        /// The column holding the complaint's text, when it has another name.
        #[arg(long, value_name = "COLUMN")]
        summary: Option<String>,
    },
    /// Record monthly volumes for complaint rates from a CSV/TSV (UTF-8 or GBK) or XLSX/XLS
    /// file: `month` (`月份`; 2026-03, 2026年3月), `orders` (`订单数`) and/or `customers`
    /// (`客户数`), optional `touchpoint` (`触点`). Every row is checked first.
    Volumes {
        /// The volumes file.
        file: PathBuf,
    },
}

/// `cxm user`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (one line) or CXM_PASSWORD.
    Add {
        /// Sign-in name.
        name: String,
        /// Role.
        #[arg(long, value_enum, default_value_t = TokenRole::Viewer)]
        role: TokenRole,
        /// Page language: zh or en.
        #[arg(long, default_value = "zh")]
        language: String,
    },
    /// Set how a user is reached personally: email for case emails, mobile and chat ids for
    /// @-mentions by the robots (unset options are cleared).
    Contacts {
        /// Sign-in name.
        name: String,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Mobile number (DingTalk and WeCom mentions).
        #[arg(long)]
        mobile: Option<String>,
        /// WeCom user id.
        #[arg(long)]
        wecom: Option<String>,
        /// DingTalk user id.
        #[arg(long)]
        dingtalk: Option<String>,
        /// Feishu open id (ou_…).
        #[arg(long)]
        feishu: Option<String>,
        /// Slack member id (U…).
        #[arg(long)]
        slack: Option<String>,
    },
}

/// Roles of API tokens and users.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TokenRole {
    /// Read metrics and responses.
    Viewer,
    /// Also ingest and edit surveys.
    Analyst,
    /// Everything.
    Admin,
}

/// Input file formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    /// One JSON response per line.
    Jsonl,
    /// Long CSV, one row per answer.
    Csv,
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned terminal table.
    Table,
    /// JSON, as the API returns it.
    Json,
    /// CSV, one row per metric, group and period.
    Csv,
}

/// `cxm metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Metrics, comma-separated: nps, csat[@TOP], ces[@TOP], mean:Q, distribution:Q, share:Q,
    /// count; or the case loop's (by department, touchpoint or theme): cases, complaints,
    /// complaint_rate, first_response_hours, resolution_hours, sla_compliance, reopen_rate,
    /// recovery_rate.
    pub metrics: String,
    /// Surveys (comma-separated or repeated; default: all).
    #[arg(long = "survey")]
    pub surveys: Vec<String>,
    /// Breakdowns: survey, channel, touchpoint, a dimension key, or answer:QUESTION for the
    /// options chosen on a choice question (comma-separated or repeated); department,
    /// touchpoint or theme for case metrics.
    #[arg(long = "by")]
    pub group_by: Vec<String>,
    /// Time grain: day, week, month, quarter, year.
    #[arg(long)]
    pub grain: Option<String>,
    /// First date included, YYYY-MM-DD.
    #[arg(long)]
    pub since: Option<String>,
    /// Last date included, YYYY-MM-DD.
    #[arg(long)]
    pub until: Option<String>,
    /// Comparisons: previous, yoy (comma-separated or repeated).
    #[arg(long)]
    pub compare: Vec<String>,
    /// Channels to include.
    #[arg(long = "channel")]
    pub channels: Vec<String>,
    /// Touchpoints to include.
    #[arg(long = "touchpoint")]
    pub touchpoints: Vec<String>,
    /// Dimension filters, KEY=VALUE[,VALUE…] (repeatable).
    #[arg(long = "dimension")]
    pub dimensions: Vec<String>,
    /// Customer attribute filters, KEY=VALUE[,VALUE…] (repeatable).
    #[arg(long = "customer")]
    pub customer: Vec<String>,
    /// Answer filters, QUESTION=OPTION[,OPTION…] (repeatable): responses that chose one of the
    /// options (by key or label) of a choice question.
    #[arg(long = "answer")]
    pub answers: Vec<String>,
    /// Confidence level of intervals.
    #[arg(long)]
    pub confidence: Option<f64>,
    /// Groups with fewer respondents are flagged low base.
    #[arg(long)]
    pub min_n: Option<u64>,
    /// Only complete responses.
    #[arg(long)]
    pub complete_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also write an XLSX workbook: the whole, then a sheet per breakdown.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
}

/// `cxm import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export: CSV or TSV (UTF-8, UTF-16 or GBK/GB18030), XLSX or XLS.
    pub file: PathBuf,
    /// The survey to import into (created from the file when missing; default: from the file name).
    #[arg(long)]
    pub survey: Option<String>,
    /// The export's format.
    #[arg(long, value_enum, default_value_t = ImportFormat::Auto)]
    pub format: ImportFormat,
    /// A TOML file saying what columns hold (see docs/import.md).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The submission time of rows the file gives none (no time column, or an empty cell),
    /// e.g. 2024-06-30 (noon) or 2024-06-30 09:00; overrides the mapping's `submitted_at`.
    #[arg(long, value_name = "TIME")]
    pub submitted_at: Option<String>,
    /// The sheet of a workbook to read (default: the first that holds anything); overrides
    /// the mapping's `sheet`.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Show the detected format, rows, the question mapping and every problem; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the valid rows and write the others to the rejects file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where rejected rows go with --skip-invalid (default: FILE.rejects.csv).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Keep respondents' IP addresses (as a hidden question `ip`).
    #[arg(long)]
    pub keep_ip: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Formats `cxm import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Detect from the header.
    Auto,
    /// Qualtrics (current three-row or legacy two-row header).
    Qualtrics,
    /// SurveyMonkey, expanded or condensed.
    Surveymonkey,
    /// 问卷星, by text or by code.
    Wjx,
    /// Delighted.
    Delighted,
    /// Formbricks.
    Formbricks,
    /// LimeSurvey.
    Limesurvey,
    /// A row per response, a column per question.
    Generic,
}

/// `cxm export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The survey.
    #[arg(long)]
    pub survey: String,
    /// The file to write; .xlsx writes a workbook, anything else CSV (- for standard output).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Language of headers and option labels: zh or en.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

/// `cxm bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Responses to generate for each size (comma-separated).
    #[arg(long, default_value = "100000")]
    pub sizes: String,
    /// Also measure PostgreSQL: the URL of a server where scratch databases may be created,
    /// e.g. postgres://postgres@127.0.0.1:5432/test.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Query repetitions per measurement.
    #[arg(long, default_value_t = 7)]
    pub repeat: usize,
}

/// A share of a file, strictly between 0 and 1: `--hold-out 20` is refused rather than read as
/// "everything".
fn share(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!(
            "{text} is not a share between 0 and 1 (give 0.2 for 20%)"
        ))
    }
}
