//! `cxm text`: analysing from standard input, training and evaluating a model from CSV files,
//! emerging topics, and bad input named by row and column.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cxm-text-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `cxm text ARGS…` in `dir` with `input` on standard input.
fn text(dir: &PathBuf, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cxm"))
        .current_dir(dir)
        .env_remove("CXM_CONFIG")
        .arg("text")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running cxm");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn comments_from_standard_input_come_back_as_json_lines() {
    let dir = scratch("analyze");
    let input = "{\"id\": \"r1\", \"text\": \"物流很快，但是质量很差\"}\nThe refund never came. Terrible.\n\n";
    let (ok, stdout, stderr) = text(&dir, &["analyze"], input);
    assert!(ok, "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "r1");
    assert_eq!(lines[0]["mixed"], true);
    assert_eq!(lines[0]["themes"][0]["theme"], "delivery");
    assert_eq!(lines[1]["language"], "en");
    assert_eq!(lines[1]["label"], "negative");
    assert_eq!(lines[1]["themes"][0]["theme"], "refund_return");
    assert_eq!(lines[1]["line"], 2);
    let (ok, _, stderr) = text(&dir, &["analyze"], "{\"id\": 1}\n");
    assert!(
        !ok && stderr.contains("line 1") && stderr.contains("\"text\""),
        "{stderr}"
    );
}

#[test]
fn a_model_trained_on_a_csv_is_evaluated_and_used() {
    let dir = scratch("train");
    let mut csv = String::from("comment,verdict\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "\"服务热情周到，第{i}次来\",好评\n\"等了很久也没人理，第{i}次\",差评\n"
        ));
    }
    std::fs::write(dir.join("labelled.csv"), &csv).unwrap();
    let (ok, _, stderr) = text(
        &dir,
        &[
            "train",
            "--data",
            "labelled.csv",
            "--text-col",
            "comment",
            "--label-col",
            "verdict",
            "--lang",
            "zh",
            "--bits",
            "16",
            "--out",
            "ours.bin",
        ],
        "",
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("80 comments"), "{stderr}");
    let (ok, stdout, stderr) = text(
        &dir,
        &[
            "eval",
            "--data",
            "labelled.csv",
            "--text-col",
            "comment",
            "--label-col",
            "verdict",
            "--model",
            "ours.bin",
            "--json",
        ],
        "",
    );
    assert!(ok, "{stderr}");
    let evaluation: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(evaluation["n"], 80);
    assert_eq!(evaluation["accuracy"], 1.0);
    let (ok, stdout, _) = text(&dir, &["analyze", "--model", "ours.bin"], "没人理\n");
    assert!(ok);
    assert!(stdout.contains("\"label\":\"negative\""), "{stdout}");
    // A file that is not a model.
    let (ok, _, stderr) = text(&dir, &["analyze", "--model", "labelled.csv"], "x\n");
    assert!(
        !ok && stderr.contains("not a cxm sentiment model"),
        "{stderr}"
    );
}

#[test]
fn bad_labels_and_columns_are_named() {
    let dir = scratch("bad");
    std::fs::write(dir.join("bad.csv"), "text,label\n好,1\n差,maybe\n").unwrap();
    let (ok, _, stderr) = text(&dir, &["eval", "--data", "bad.csv"], "");
    assert!(!ok);
    assert!(
        stderr.contains("row 3") && stderr.contains("\"label\"") && stderr.contains("maybe"),
        "{stderr}"
    );
    let (ok, _, stderr) = text(
        &dir,
        &["eval", "--data", "bad.csv", "--text-col", "comment"],
        "",
    );
    assert!(!ok && stderr.contains("no column \"comment\""), "{stderr}");
    let (ok, _, stderr) = text(&dir, &["train", "--lang", "zh", "--out", "x.bin"], "");
    assert!(!ok && stderr.contains("--data FILE"), "{stderr}");
}

#[test]
fn emerging_topics_come_with_examples() {
    let dir = scratch("emerging");
    let mut baseline = String::from("text\n");
    let mut period = String::from("text\n");
    for i in 0..60 {
        baseline.push_str(&format!("质量很好，第{i}次买\n"));
        period.push_str(&if i % 3 == 0 {
            format!("更新后app闪退，第{i}次\n")
        } else {
            format!("质量很好，第{i}次买\n")
        });
    }
    std::fs::write(dir.join("baseline.csv"), baseline).unwrap();
    std::fs::write(dir.join("period.csv"), period).unwrap();
    let (ok, stdout, stderr) = text(
        &dir,
        &[
            "emerging",
            "--baseline",
            "baseline.csv",
            "--period",
            "period.csv",
        ],
        "",
    );
    assert!(ok, "{stderr}");
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert!(stdout.contains("\"term\":\"闪退\""), "{stdout}");
    assert!(
        first["examples"][0].as_str().unwrap().contains("闪退")
            || first["examples"][0].as_str().unwrap().contains("app")
    );
}

#[test]
fn the_configured_model_is_the_default() {
    let dir = scratch("configured");
    // A deliberately contrary model, so that its use shows.
    let mut csv = String::from("text,label\n");
    for _ in 0..20 {
        csv.push_str("很好,negative\n很差,positive\n");
    }
    std::fs::write(dir.join("contrary.csv"), &csv).unwrap();
    let (ok, _, stderr) = text(
        &dir,
        &[
            "train",
            "--data",
            "contrary.csv",
            "--lang",
            "zh",
            "--bits",
            "12",
            "--out",
            "contrary.bin",
        ],
        "",
    );
    assert!(ok, "{stderr}");
    let label = |stdout: &str| -> String {
        let value: serde_json::Value =
            serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
        value["label"].as_str().unwrap().to_owned()
    };
    let (_, built_in, _) = text(&dir, &["analyze"], "很好\n");
    assert_eq!(label(&built_in), "positive");
    std::fs::write(dir.join("cxm.toml"), "[text]\nmodel = \"contrary.bin\"\n").unwrap();
    let (ok, configured, stderr) = text(&dir, &["analyze"], "很好\n");
    assert!(ok, "{stderr}");
    assert_eq!(label(&configured), "negative");
    std::fs::write(dir.join("cxm.toml"), "[text]\nmodel = \"missing.bin\"\n").unwrap();
    let (ok, _, stderr) = text(&dir, &["analyze"], "很好\n");
    assert!(
        !ok && stderr.contains("[text]") && stderr.contains("missing.bin"),
        "{stderr}"
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = scratch("pipe");
    let comments: String = (0..200_000)
        .map(|i| format!("{{\"id\": {i}, \"text\": \"物流很快，但是质量很差\"}}\n"))
        .collect();
    let input = dir.join("comments.jsonl");
    std::fs::write(&input, comments).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cxm"))
        .current_dir(&dir)
        .env_remove("CXM_CONFIG")
        .args(["text", "analyze", input.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running cxm");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"id\":0"), "{first}");
    // The reader is gone, as with `cxm text analyze … | head -1`.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}

#[test]
fn a_learning_rate_that_is_not_positive_is_refused() {
    let dir = scratch("rate");
    for rate in [
        "--learning-rate=0",
        "--learning-rate=-0.1",
        "--learning-rate=NaN",
    ] {
        let (ok, _, stderr) = text(
            &dir,
            &[
                "train",
                "--seed-corpus",
                "--lang",
                "en",
                rate,
                "--out",
                "never.bin",
            ],
            "",
        );
        assert!(
            !ok && stderr.contains("--learning-rate must be a positive number"),
            "{stderr}"
        );
        assert!(!dir.join("never.bin").exists());
    }
}

#[test]
fn a_hold_out_that_is_not_a_share_is_refused() {
    let dir = scratch("share");
    std::fs::write(dir.join("labelled.csv"), "comment,label\n很好,1\n很差,0\n").unwrap();
    let data = [
        "--data",
        "labelled.csv",
        "--text-col",
        "comment",
        "--label-col",
        "label",
    ];
    for share in [
        "--hold-out=20",
        "--hold-out=0",
        "--hold-out=1",
        "--hold-out=NaN",
    ] {
        let train: Vec<&str> = [
            &["train", "--lang", "zh", "--out", "never.bin"][..],
            &data,
            &[share],
        ]
        .concat();
        let eval: Vec<&str> = [&["eval"][..], &data, &[share]].concat();
        for args in [train, eval] {
            let (ok, _, stderr) = text(&dir, &args, "");
            assert!(
                !ok && stderr.contains("not a share between 0 and 1"),
                "{args:?}: {stderr}"
            );
        }
    }
    assert!(!dir.join("never.bin").exists());
}
