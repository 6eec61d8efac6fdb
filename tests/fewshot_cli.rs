//! End-to-end tests of learning-to-learn from a teacher on the command
//! line: the function families are listed, `train` picks the supervised
//! trainer and prints the error per examples seen, `eval --csv` logs the
//! inputs, targets and predictions, `plot` draws the curve and the surface,
//! `baselines` scores the few-shot baselines, and mismatches are refused.

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_clean_failure, stderr, stdout};

fn lsnn_rl(args: &[&str]) -> Output {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache");
    common::lsnn_rl(&cache, args)
}

/// A tiny supervised run: sines, 8 examples, 5 + 5 neurons, batch 4.
fn train(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--env",
        "function-sine:examples=8",
        "--updates",
        "3",
        "--set",
        "agent.n_lif=5",
        "--set",
        "agent.n_alif=5",
        "--set",
        "train.batch=4",
        "--set",
        "train.eval_trials=20",
    ];
    args.extend(extra);
    lsnn_rl(&args)
}

#[test]
fn the_function_families_are_listed() {
    let out = lsnn_rl(&["envs"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for id in ["function-net", "function-linear", "function-sine"] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
}

#[test]
fn train_picks_the_supervised_trainer_and_eval_logs_the_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = train(&run, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains("algo = \"supervised\""), "{config}");
    // The error per examples seen, for the network and every predictor.
    let table = stdout(&out);
    for row in [
        "network",
        "untrained network",
        "family-mean",
        "kernel-ridge",
    ] {
        assert!(table.contains(row), "{row} missing:\n{table}");
    }
    assert!(table.contains("k=0") && table.contains("k=7"), "{table}");
    let curve = std::fs::read_to_string(run.join("analysis/fewshot-curve.csv")).unwrap();
    let lines: Vec<&str> = curve.lines().collect();
    assert_eq!(
        lines[0],
        "examples,network,untrained_network,family_mean,kernel_ridge"
    );
    assert_eq!(lines.len(), 9, "{curve}");
    let train_csv = std::fs::read_to_string(run.join("train.csv")).unwrap();
    assert!(train_csv.lines().next().unwrap().ends_with(",mse"));
    // eval --csv: per step, the inputs, the target and the prediction.
    let log = dir.path().join("log.csv");
    let out = lsnn_rl(&[
        "eval",
        "--quiet",
        "--run",
        run.to_str().unwrap(),
        "--trials",
        "5",
        "--seed",
        "9",
        "--csv",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(5 functions, seed 9)"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|&c| c == name).unwrap();
    let (target, prediction) = (column("target"), column("prediction"));
    let (reward, x0) = (column("reward"), column("x0"));
    assert_eq!(text.lines().count(), 1 + 5 * 8);
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let value = |i: usize| cells[i].parse::<f64>().unwrap();
        let error = value(prediction) - value(target);
        assert!((value(reward) + error * error).abs() < 1e-6, "{line}");
        assert!(value(x0).abs() <= 1.0, "{line}");
    }
}

#[test]
fn plot_draws_the_error_curve_and_the_surface() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(train(&run, &[]).status.success());
    let out = lsnn_rl(&["plot", run.to_str().unwrap(), "--quiet", "--trials", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in [
        "fewshot-curve.png",
        "fewshot-surface.png",
        "learning-curve.png",
    ] {
        let bytes = std::fs::read(run.join("plots").join(file)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{file}");
    }
}

#[test]
fn the_few_shot_baselines_score_a_function_family() {
    let out = lsnn_rl(&[
        "baselines",
        "--env",
        "function-linear:examples=6",
        "--trials",
        "50",
        "--seed",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("family-mean") && text.contains("kernel-ridge"),
        "{text}"
    );
    assert!(!text.contains("thompson"), "{text}");
}

#[test]
fn algorithms_that_do_not_fit_the_task_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = train(&dir.path().join("a2c"), &["--algo", "a2c"]);
    assert_clean_failure(&out, &["train.algo", "supervised task"]);
    let out = lsnn_rl(&[
        "train",
        "--quiet",
        "--out",
        dir.path().join("bandit").to_str().unwrap(),
        "--env",
        "bandit-bernoulli:arms=2,pulls=5",
        "--algo",
        "supervised",
        "--no-recipe",
        "--updates",
        "1",
    ]);
    assert_clean_failure(&out, &["train.algo", "reward task"]);
    assert!(!dir.path().join("bandit").join("train.csv").exists());
}
