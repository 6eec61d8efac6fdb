//! End-to-end tests of the `lsnn-rl` binary: what a user types, what they see.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with a private cache folder and no LD_LIBRARY_PATH (the
/// binary must find LibTorch through its RUNPATH).
fn lsnn_rl(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsnn-rl"))
        .args(args)
        .env("LSNN_RL_CACHE_DIR", cache)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure must be one clear line, a non-zero status, and no panic.
fn assert_clean_failure(out: &Output, expected: &[&str]) {
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

const BANDITS: [&str; 5] = [
    "bandit-bernoulli",
    "bandit-dependent",
    "bandit-eleven-arm",
    "bandit-gaussian",
    "bandit-restless",
];

#[test]
fn envs_lists_every_bandit_with_spaces_and_defaults() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(cache.path(), &["envs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for id in BANDITS {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    assert!(text.contains("arms=5"), "defaults missing:\n{text}");
    assert!(text.contains("Discrete(11)"), "spaces missing:\n{text}");

    let out = lsnn_rl(cache.path(), &["envs", "--json"]);
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    for id in BANDITS {
        assert!(ids.contains(&id));
    }
    assert_eq!(listing[0]["params"][0]["name"], "arms");
}

#[test]
fn baselines_writes_the_csv_and_orders_the_algorithms_sensibly() {
    let cache = tempfile::tempdir().unwrap();
    let csv_path = cache.path().join("out.csv");
    let args = [
        "baselines",
        "--env",
        "bandit-bernoulli:arms=5,pulls=100",
        "--trials",
        "300",
        "--seed",
        "0",
        "--csv",
        csv_path.to_str().unwrap(),
    ];
    let out = lsnn_rl(cache.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("gittins"), "{}", stdout(&out));

    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for column in [
        "env",
        "algo",
        "trials",
        "mean_total_reward",
        "ci95",
        "mean_regret",
    ] {
        assert!(
            header.iter().any(|h| h == column),
            "no column {column}: {header:?}"
        );
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut reward = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(&record[col("env")], "bandit-bernoulli:arms=5,pulls=100");
        assert_eq!(&record[col("trials")], "300");
        let mean: f64 = record[col("mean_total_reward")].parse().unwrap();
        let regret: f64 = record[col("mean_regret")].parse().unwrap();
        assert!(regret >= 0.0);
        reward.insert(record[col("algo")].to_string(), mean);
    }
    for algo in [
        "random",
        "greedy",
        "eps-greedy",
        "ucb1",
        "thompson",
        "gittins",
    ] {
        assert!(reward.contains_key(algo), "{algo} missing: {reward:?}");
    }
    // Random earns about 50 of 100 pulls; the Bayesian policies far more.
    assert!((reward["random"] - 50.0).abs() < 3.0, "{reward:?}");
    assert!(reward["gittins"] > reward["random"] + 20.0, "{reward:?}");
    assert!(reward["thompson"] > reward["random"] + 15.0, "{reward:?}");
    assert!(reward["gittins"] > reward["ucb1"] - 1.0, "{reward:?}");

    // Same seed, same table, byte for byte.
    let first = std::fs::read(&csv_path).unwrap();
    let out = lsnn_rl(cache.path(), &args);
    assert!(out.status.success());
    assert_eq!(first, std::fs::read(&csv_path).unwrap());
}

#[test]
fn bad_environments_fail_with_a_clear_message() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(cache.path(), &["baselines", "--env", "no-such-env"]);
    assert_clean_failure(
        &out,
        &["unknown environment 'no-such-env'", "bandit-bernoulli"],
    );

    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-bernoulli:arms=0"],
    );
    assert_clean_failure(&out, &["arms=0", "at least 1"]);

    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-bernoulli:legs=3"],
    );
    assert_clean_failure(&out, &["no parameter 'legs'", "arms", "pulls"]);

    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-bernoulli:arms"],
    );
    assert_clean_failure(&out, &["malformed environment spec"]);
}

#[test]
fn bad_algorithms_and_outputs_fail_with_a_clear_message() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-bernoulli",
            "--algos",
            "ucb1,oracle9",
        ],
    );
    assert_clean_failure(&out, &["oracle9", "thompson"]);

    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-gaussian",
            "--algos",
            "thompson",
            "--trials",
            "5",
        ],
    );
    assert_clean_failure(&out, &["thompson"]);

    let missing = cache.path().join("no-such-folder").join("out.csv");
    let out = lsnn_rl(
        cache.path(),
        &[
            "baselines",
            "--env",
            "bandit-bernoulli:arms=2,pulls=10",
            "--trials",
            "5",
            "--algos",
            "random",
            "--csv",
            missing.to_str().unwrap(),
        ],
    );
    assert_clean_failure(&out, &["no-such-folder"]);
}

#[test]
fn algorithms_that_cannot_play_a_task_are_skipped_with_a_note() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(
        cache.path(),
        &["baselines", "--env", "bandit-gaussian", "--trials", "20"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped thompson"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("ucb1"));
}

#[test]
fn every_subcommand_help_has_examples() {
    let cache = tempfile::tempdir().unwrap();
    for sub in ["envs", "baselines", "info"] {
        let out = lsnn_rl(cache.path(), &[sub, "--help"]);
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("Examples:"),
            "{sub} --help lacks examples"
        );
    }
}

#[test]
fn the_binary_finds_libtorch_without_ld_library_path() {
    let cache = tempfile::tempdir().unwrap();
    let out = lsnn_rl(cache.path(), &["info"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("libtorch: /"), "{text}");
    assert!(text.contains("libtorch_cpu.so"), "{text}");
}
