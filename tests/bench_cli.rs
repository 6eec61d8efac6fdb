//! `lsnn-rl bench`: the CSV a user gets, and clear errors.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{assert_clean_failure, lsnn_rl, stderr, stdout};

/// `lsnn-rl bench ARGS --repeats 1 --warmup 0 --quiet --csv FILE`, which
/// must succeed, and the rows of its CSV.
fn bench_rows(dir: &Path, args: &[&str]) -> Vec<HashMap<String, String>> {
    let csv_path = dir.join("bench.csv");
    let mut all = vec!["bench"];
    all.extend(args);
    all.extend(["--repeats", "1", "--warmup", "0", "--quiet", "--csv"]);
    all.push(csv_path.to_str().unwrap());
    let out = lsnn_rl(dir, &all);
    assert!(out.status.success(), "{}", stderr(&out));
    read_rows(&csv_path)
}

/// The rows of a bench CSV, each a map from column to cell.
fn read_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            header
                .iter()
                .cloned()
                .zip(row.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn bench_writes_both_modes_with_the_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("bench.csv");
    let out = lsnn_rl(
        dir.path(),
        &[
            "bench",
            "--preset",
            "small",
            "--repeats",
            "2",
            "--warmup",
            "0",
            "--quiet",
            "--csv",
            csv_path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("env-steps/s"), "{}", stdout(&out));
    let rows = read_rows(&csv_path);
    for column in [
        "preset",
        "mode",
        "threads",
        "env_steps_per_s",
        "update_ms_median",
        "peak_rss_mb",
    ] {
        assert!(rows[0].contains_key(column), "{column} missing");
    }
    let get = |row: &HashMap<String, String>, column: &str| row[column].clone();
    let modes: Vec<String> = rows.iter().map(|r| get(r, "mode")).collect();
    assert_eq!(modes, ["train", "infer"]);
    for row in &rows {
        assert_eq!(get(row, "preset"), "small");
        assert_eq!(get(row, "threads"), "1");
        assert_eq!(get(row, "batch"), "64");
        assert_eq!(get(row, "trial_steps"), "100");
        // The default on the CPU is the kernel's backward pass.
        assert_eq!(get(row, "bptt"), "manual");
        let speed: f64 = get(row, "env_steps_per_s").parse().unwrap();
        let median: f64 = get(row, "update_ms_median").parse().unwrap();
        // env-steps/s is B x T over the median time.
        let expected = 64.0 * 100.0 / (median / 1e3);
        assert!(
            (speed - expected).abs() / expected < 1e-3,
            "{speed} vs {expected}"
        );
    }
    let train = &rows[0];
    let shares: f64 = ["rollout_share", "backward_share", "optimiser_share"]
        .iter()
        .map(|c| get(train, c).parse::<f64>().unwrap())
        .sum();
    assert!(
        shares > 0.5 && shares <= 1.0001,
        "phase shares sum to {shares}"
    );
    assert!(
        !get(train, "gemm_ms").is_empty(),
        "the kernel's GEMM floor is reported"
    );
}

#[test]
fn bench_autograd_is_selectable() {
    let dir = tempfile::tempdir().unwrap();
    let out = lsnn_rl(
        dir.path(),
        &[
            "bench",
            "--preset",
            "small",
            "--repeats",
            "1",
            "--warmup",
            "0",
            "--bptt",
            "autograd",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("autograd"), "{}", stdout(&out));
}

#[test]
fn bench_measures_each_connectivity_as_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let rows = bench_rows(
        dir.path(),
        &["--preset", "small", "--connectivity", "1,0.12"],
    );
    let cells: Vec<&str> = rows
        .iter()
        .map(|row| row["connectivity"].as_str())
        .collect();
    assert_eq!(cells, ["1", "1", "0.12", "0.12"]);
}

#[test]
fn unknown_presets_and_unavailable_devices_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = lsnn_rl(dir.path(), &["bench", "--preset", "huge"]);
    assert_clean_failure(&out, &["unknown preset 'huge'", "small", "large"]);
    let out = lsnn_rl(
        dir.path(),
        &["bench", "--preset", "small", "--connectivity", "0"],
    );
    assert_clean_failure(&out, &["--connectivity 0", "(0, 1]"]);
    if !tch::Cuda::is_available() {
        let out = lsnn_rl(
            dir.path(),
            &["bench", "--preset", "small", "--device", "cuda"],
        );
        assert_clean_failure(&out, &["cuda", "--device cpu"]);
    }
}

/// Every file of a run directory with its bytes, for "only read" checks.
fn files_of(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_of(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn bench_times_a_trained_run_with_its_own_configuration_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_arg = run.to_str().unwrap();
    let trained = lsnn_rl(
        dir.path(),
        &[
            "train",
            "--quiet",
            "--out",
            run_arg,
            "--env",
            "bandit-bernoulli:arms=3,pulls=12",
            "--updates",
            "6",
            "--threads",
            "1",
            "--set",
            "agent.n_lif=7",
            "--set",
            "agent.n_alif=5",
            "--set",
            "agent.k_steps=2",
            "--set",
            "train.batch=5",
            "--set",
            "train.eval_every=0",
        ],
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    let before = files_of(&run);
    let rows = bench_rows(dir.path(), &["--run", run_arg, "--recurrent", "sparse"]);
    let get = |row: &HashMap<String, String>, column: &str| row[column].clone();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        // The run's own task, batch and network, not a preset's.
        assert_eq!(get(row, "preset"), format!("run:{run_arg}"));
        assert_eq!(get(row, "env"), "bandit-bernoulli:arms=3,pulls=12");
        assert_eq!(get(row, "batch"), "5");
        assert_eq!(get(row, "neurons"), "12");
        assert_eq!(get(row, "trial_steps"), "12");
        assert_eq!(get(row, "recurrent"), "sparse");
        assert_eq!(get(row, "model"), "eprop2020");
    }
    let rate: f64 = get(&rows[0], "rate").parse().unwrap();
    assert!((0.0..=1.0).contains(&rate), "a firing rate, got {rate}");
    assert!(get(&rows[1], "rate").is_empty(), "inference has no update");
    // Timing a run writes nothing into it.
    assert!(files_of(&run) == before, "bench changed the run's files");

    // A gated network: its hidden units, and no neuron model or rate.
    let lstm = dir.path().join("lstm");
    let lstm_arg = lstm.to_str().unwrap();
    let trained = lsnn_rl(
        dir.path(),
        &[
            "train",
            "--quiet",
            "--out",
            lstm_arg,
            "--env",
            "bandit-bernoulli:arms=3,pulls=12",
            "--agent",
            "lstm",
            "--updates",
            "2",
            "--set",
            "agent.hidden=9",
            "--set",
            "train.batch=5",
            "--set",
            "train.eval_every=0",
        ],
    );
    assert!(trained.status.success(), "{}", stderr(&trained));
    let rows = bench_rows(dir.path(), &["--run", lstm_arg]);
    let train = &rows[0];
    assert_eq!(get(train, "neurons"), "9");
    assert_eq!(get(train, "bptt"), "autograd");
    assert!(get(train, "model").is_empty() && get(train, "rate").is_empty());
}

#[test]
fn bench_run_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-run");
    let out = lsnn_rl(
        dir.path(),
        &["bench", "--run", missing.to_str().unwrap(), "--quiet"],
    );
    assert_clean_failure(&out, &["no-such-run", "not a run directory"]);
    // A run and presets are two different subjects (clap's usage error).
    let out = lsnn_rl(
        dir.path(),
        &[
            "bench",
            "--run",
            missing.to_str().unwrap(),
            "--preset",
            "small",
        ],
    );
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("'--run <RUN>' cannot be used with '--preset <NAME>'"),
        "{err}"
    );
}
