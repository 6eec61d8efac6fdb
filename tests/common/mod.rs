//! Helpers shared by the end-to-end tests: run the binary, read its output,
//! check that a failure is one clear line.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with a private cache folder and no LD_LIBRARY_PATH (the
/// binary must find LibTorch through its RUNPATH).
pub fn lsnn_rl(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsnn-rl"))
        .args(args)
        .env("LSNN_RL_CACHE_DIR", cache)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("the binary runs")
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure must be one clear line, a non-zero status, and no panic.
pub fn assert_clean_failure(out: &Output, expected: &[&str]) {
    let err = stderr(out);
    assert!(!out.status.success(), "should fail; stderr: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    for needle in expected {
        assert!(err.contains(needle), "'{needle}' missing from: {err}");
    }
}

/// A CSV's data rows as text, without the wall-clock column (index 2 of
/// train.csv) when `wall_column` is true: what must repeat bit for bit.
/// An absent file has no rows.
#[allow(dead_code)] // not every test binary reads CSVs
pub fn rows_without_wall(path: &Path, wall_column: bool) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            if wall_column {
                cells.remove(2);
            }
            cells.join(",")
        })
        .collect()
}
