//! Integration tests of the `cxm` command line: the binary run as a user runs it, in a
//! scratch directory, on a fresh database (SQLite, or PostgreSQL when
//! `CXM_TEST_DATABASE_URL` names a server); and the workspace's tidy rules (`tidy.rs`).

mod text;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::Command;

use cxm_store::ScratchDatabase;
use unicode_width::UnicodeWidthStr;

/// The repository's documented examples, which these tests use as their fixtures.
fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples")
        .join(name)
}

/// A working directory and a database for one test.
struct Cli {
    dir: PathBuf,
    database: ScratchDatabase,
}

/// What a run printed.
struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Cli {
    async fn new(name: &str) -> Cli {
        let postgres = std::env::var("CXM_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let database = ScratchDatabase::new(postgres.as_deref())
            .await
            .expect("scratch database");
        let dir = std::env::temp_dir().join(format!("cxm-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Cli { dir, database }
    }

    /// Runs `cxm --database URL ARGS…` in the working directory.
    fn run(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_cxm"))
            .current_dir(&self.dir)
            .env_remove("CXM_DATABASE_URL")
            .env_remove("CXM_CONFIG")
            .env("CXM_TIME_ZONE", "Asia/Shanghai")
            .arg("--database")
            .arg(self.database.url())
            .args(args)
            .output()
            .expect("running cxm");
        Output {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs and asserts success, returning standard output.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.ok,
            "cxm {args:?} failed:\n{}\n{}",
            output.stdout, output.stderr
        );
        output.stdout
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn init_writes_the_configuration_and_prints_an_admin_token_once() {
    let cli = Cli::new("init").await;
    let first = cli.ok(&["init"]);
    assert!(first.contains("wrote cxm.toml"), "{first}");
    let token = first
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cxm_"))
        .expect("a token line");
    assert!(token.len() > 40, "{token}");
    let config = std::fs::read_to_string(cli.dir.join("cxm.toml")).unwrap();
    assert!(config.contains("time_zone = \"Asia/Shanghai\""), "{config}");
    let second = cli.ok(&["init"]);
    assert!(second.contains("exists; keeping it"), "{second}");
    assert!(
        !second.contains(token),
        "the first token is never shown again"
    );
}

#[tokio::test]
async fn ingesting_the_same_file_twice_leaves_every_count_unchanged() {
    let cli = Cli::new("twice").await;
    let survey = example("store-survey.toml");
    assert!(
        cli.ok(&["survey", "create", survey.to_str().unwrap()])
            .contains("created survey store-visit (6 questions)")
    );
    let responses = example("responses.jsonl");
    let file = responses.to_str().unwrap();
    assert!(
        cli.ok(&["ingest", file])
            .contains("5 responses: 5 new, 0 updated")
    );
    let metrics = [
        "metrics",
        "nps,csat,ces,share:reason,count",
        "--by",
        "region",
        "--format",
        "json",
    ];
    let before = cli.ok(&metrics);
    assert!(
        cli.ok(&["ingest", file])
            .contains("5 responses: 0 new, 5 updated")
    );
    assert_eq!(cli.ok(&metrics), before);
    let csv = example("responses.csv");
    assert!(
        cli.ok(&["ingest", csv.to_str().unwrap(), "--survey", "store-visit"])
            .contains("2 responses: 2 new")
    );
    let listing = cli.ok(&["survey", "list"]);
    assert!(
        listing.contains("store-visit") && listing.contains("门店体验调查"),
        "{listing}"
    );
    assert!(
        listing.lines().any(|l| l.trim_end().ends_with('7')),
        "7 responses: {listing}"
    );
}

#[tokio::test]
async fn a_bad_file_fails_naming_row_and_field_and_stores_nothing() {
    let cli = Cli::new("bad").await;
    cli.ok(&[
        "survey",
        "create",
        example("store-survey.toml").to_str().unwrap(),
    ]);
    let bad = cli.dir.join("bad.csv");
    std::fs::write(
        &bad,
        "response_id,submitted_at,question,value\nr1,2025-03-01T10:00:00+08:00,nps,9\nr2,2025-03-01T10:00:00+08:00,nps,11\nr3,2025-03-01,csat,4\n",
    )
    .unwrap();
    let output = cli.run(&["ingest", bad.to_str().unwrap(), "--survey", "store-visit"]);
    assert!(!output.ok);
    assert!(
        output
            .stderr
            .contains("row 3: answers.nps: 11 is outside the scale 0..10"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("row 4: submitted_at"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("nothing was stored"),
        "{}",
        output.stderr
    );
    let count = cli.ok(&["metrics", "count", "--format", "csv"]);
    assert_eq!(count.lines().count(), 1, "only the header: {count}");
}

#[tokio::test]
async fn metric_tables_align_chinese_text() {
    let cli = Cli::new("table").await;
    cli.ok(&[
        "survey",
        "create",
        example("store-survey.toml").to_str().unwrap(),
    ]);
    cli.ok(&["ingest", example("responses.jsonl").to_str().unwrap()]);
    let table = cli.ok(&[
        "metrics",
        "nps,csat",
        "--by",
        "region,store",
        "--grain",
        "month",
    ]);
    let lines: Vec<&str> = table.lines().filter(|l| l.contains("2025-03")).collect();
    assert!(lines.len() >= 4 && table.contains("上海徐汇店"), "{table}");
    // Column starts, in display columns, from the rule under the header.
    let rule = table.lines().nth(1).unwrap();
    let mut starts = Vec::new();
    let mut column = 0;
    let mut previous = ' ';
    for c in rule.chars() {
        if c != ' ' && previous == ' ' {
            starts.push(column);
        }
        column += c.to_string().width();
        previous = c;
    }
    assert!(starts.len() >= 6, "{table}");
    for line in &lines {
        // What stands at each display column of the line.
        let mut at = Vec::new();
        for c in line.chars() {
            for _ in 0..c.to_string().width() {
                at.push(c);
            }
        }
        for &start in &starts[1..] {
            assert!(
                at.get(start - 1) == Some(&' ') && at.get(start - 2) == Some(&' '),
                "cells do not line up at display column {start}:\n{table}"
            );
        }
    }
    // A breakdown by a name no response carries says so.
    let output = cli.run(&["metrics", "nps", "--by", "visit_reason"]);
    assert!(output.ok, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("no response here has a value for \"visit_reason\""),
        "{}",
        output.stderr
    );
    let output = cli.run(&["metrics", "nps", "--by", "region"]);
    assert!(!output.stderr.contains("note:"), "{}", output.stderr);
    // The note names the way to break down by a question's answer, which labels the groups.
    let output = cli.run(&["metrics", "nps", "--by", "visit_reason"]);
    assert!(
        output.stderr.contains("--by answer:<question key>"),
        "{}",
        output.stderr
    );
    let by_answer = cli.ok(&["metrics", "nps", "--by", "answer:reason"]);
    for label in ["店员服务", "排队等待"] {
        assert!(by_answer.contains(label), "{label}: {by_answer}");
    }
    // And filters by it, the option named by its label.
    let waited = cli.ok(&[
        "metrics",
        "count",
        "--answer",
        "reason=排队等待",
        "--format",
        "csv",
    ]);
    let all = cli.ok(&["metrics", "count", "--format", "csv"]);
    assert_ne!(waited, all, "the filter narrows the count");
    assert!(waited.lines().count() == 2, "{waited}");
}

#[tokio::test]
async fn metrics_come_as_csv_for_spreadsheets() {
    let cli = Cli::new("csv").await;
    cli.ok(&[
        "survey",
        "create",
        example("store-survey.toml").to_str().unwrap(),
    ]);
    cli.ok(&["ingest", example("responses.jsonl").to_str().unwrap()]);
    let text = cli.ok(&[
        "metrics",
        "nps",
        "--by",
        "region",
        "--since",
        "2025-03-01",
        "--until",
        "2025-03-31",
        "--compare",
        "previous",
        "--format",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert!(headers.iter().any(|h| h == "previous_delta"), "{headers:?}");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{text}");
    let value = |region: &str| {
        let row = rows.iter().find(|r| r.iter().any(|c| c == region)).unwrap();
        row[headers.iter().position(|h| h == "value").unwrap()]
            .parse::<f64>()
            .unwrap()
    };
    assert!((value("华东") - 200.0 / 3.0).abs() < 1e-9, "{text}");
    assert_eq!(value("华北"), -50.0);
}

#[tokio::test]
async fn bad_arguments_are_explained() {
    let cli = Cli::new("args").await;
    let output = cli.run(&["metrics", "nps", "--grain", "fortnight"]);
    assert!(!output.ok);
    assert!(
        output.stderr.contains("grain: unknown grain \"fortnight\""),
        "{}",
        output.stderr
    );
    let output = cli.run(&["metrics", "nps", "--dimension", "region"]);
    assert!(
        output
            .stderr
            .contains("--dimension \"region\": write KEY=VALUE"),
        "{}",
        output.stderr
    );
}

#[tokio::test]
async fn complaint_history_imports_once_from_a_tab_separated_file() {
    let cli = Cli::new("complaints").await;
    let file = cli.dir.join("complaints.tsv");
    std::fs::write(
        &file,
        "Complaint ID\tDate received\tIssue\tCompany response to consumer\tState\n\
         3571115\t2020/3/18\tIncorrect information on your report\tClosed with explanation\tFL\n\
         3384392\t2019/9/24\tAttempts to collect debt not owed\tIn progress\tFL\n",
    )
    .unwrap();
    let args = [
        "cases",
        "import",
        file.to_str().unwrap(),
        "--summary",
        "Issue",
    ];
    let printed = cli.ok(&args);
    assert!(
        printed.contains("2 complaint cases stored: 1 open, 1 closed history"),
        "{printed}"
    );
    let again = cli.ok(&args);
    assert!(
        again.contains("2 complaints were stored by an earlier import"),
        "{again}"
    );
    let bad = cli.dir.join("bad.tsv");
    std::fs::write(&bad, "Complaint ID\tDate received\tIssue\n1\tsoon\tLate\n").unwrap();
    let output = cli.run(&[
        "cases",
        "import",
        bad.to_str().unwrap(),
        "--summary",
        "Issue",
    ]);
    assert!(
        !output.ok && output.stderr.contains("row 2") && output.stderr.contains("Date received"),
        "{}",
        output.stderr
    );
}

#[tokio::test]
async fn volumes_and_contacts_are_set_from_the_command_line() {
    let cli = Cli::new("volumes").await;
    let bad = cli.dir.join("bad.csv");
    std::fs::write(&bad, "month,orders\n2026-11,12000\n2026-11,many\n").unwrap();
    let output = cli.run(&["cases", "volumes", bad.to_str().unwrap()]);
    assert!(!output.ok);
    assert!(
        output.stderr.contains("row 3") && output.stderr.contains("orders"),
        "{}",
        output.stderr
    );
    let good = cli.dir.join("volumes.csv");
    std::fs::write(
        &good,
        "month,orders,customers,touchpoint\n2026-10,12000,8000,\n2026-11,\"13,500\",8200,\n2026-11,3000,,delivery\n",
    )
    .unwrap();
    let printed = cli.ok(&["cases", "volumes", good.to_str().unwrap()]);
    assert!(printed.contains("5 monthly volumes recorded"), "{printed}");
    // A missing file is reported before any database is touched.
    let missing = cli.run(&["cases", "volumes", "no-such.csv"]);
    assert!(
        !missing.ok && missing.stderr.contains("no-such.csv"),
        "{}",
        missing.stderr
    );

    let output = Command::new(env!("CARGO_BIN_EXE_cxm"))
        .current_dir(&cli.dir)
        .env("CXM_PASSWORD", "a long enough password")
        .env("CXM_TIME_ZONE", "Asia/Shanghai")
        .args(["--database", cli.database.url(), "user", "add", "li"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let set = cli.ok(&[
        "user",
        "contacts",
        "li",
        "--email",
        "li@example.com",
        "--wecom",
        "lili",
    ]);
    assert!(set.contains("contacts of li set"), "{set}");
    let wrong = cli.run(&["user", "contacts", "li", "--email", "not-an-address"]);
    assert!(
        !wrong.ok && wrong.stderr.contains("email"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn a_mistyped_file_name_creates_no_database() {
    let dir = std::env::temp_dir().join(format!("cxm-cli-{}-typo", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for args in [
        &["import", "exprot.csv"][..],
        &["ingest", "respones.jsonl"][..],
        &["cases", "import", "complants.csv"][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_cxm"))
            .current_dir(&dir)
            .env_remove("CXM_DATABASE_URL")
            .env_remove("CXM_CONFIG")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.contains(args[args.len() - 1]), "{args:?}: {stderr}");
        assert!(!dir.join("cxm.db").exists(), "{args:?} created a database");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
