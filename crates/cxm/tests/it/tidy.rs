//! House rules that tools do not check: every Rust module opens with `//!` saying what it is
//! for, and no file holds more than 800 lines of code outside its tests.

use std::path::{Path, PathBuf};

/// Most lines of non-test code a file may hold before it should be split.
const MAX_CODE_LINES: usize = 800;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_files() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates, &mut files);
    assert!(
        files.len() > 40,
        "the crates were not found under {}",
        crates.display()
    );
    files
}

#[test]
fn every_module_says_what_it_is_for() {
    let missing: Vec<String> = workspace_files()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_file_grows_past_the_split_point() {
    let too_long: Vec<String> = workspace_files()
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            // Inline unit tests sit at the end, after `#[cfg(test)]`; they do not count.
            let code = text.split("\n#[cfg(test)]\nmod tests").next().unwrap_or("");
            let lines = code
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
                .count();
            (lines > MAX_CODE_LINES).then(|| format!("{}: {lines} lines", path.display()))
        })
        .collect();
    assert!(
        too_long.is_empty(),
        "split these files (at most {MAX_CODE_LINES} lines of code):\n{}",
        too_long.join("\n")
    );
}
