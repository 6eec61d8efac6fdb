//! The example's binary end to end: its new task `doors` is listed, trains,
//! evaluates with an episode log, plots and sweeps (the sweep's cells run
//! as child processes of this binary, so they know `doors` too).

use std::path::Path;
use std::process::Command;

/// Runs the example's binary in `dir`; asserts success and returns stdout.
fn run(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lsnn-rl-example-custom-env"))
        .args(args)
        .current_dir(dir)
        .env("LSNN_RL_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("the example binary starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// A tiny network and batch, so that training takes a second.
const TINY: [&str; 10] = [
    "--set",
    "agent.n_lif=4",
    "--set",
    "agent.n_alif=4",
    "--set",
    "train.batch=4",
    "--set",
    "train.eval_trials=4",
    "--set",
    "train.eval_every=0",
];

#[test]
fn every_subcommand_takes_the_new_task() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    let envs = run(dir, &["envs"]);
    assert!(envs.contains("doors  two doors, one prize"), "{envs}");
    assert!(
        envs.contains("bandit-dependent"),
        "the built-in tasks stay: {envs}"
    );

    let mut train = vec!["train", "--env", "doors:pulls=6", "--updates", "3"];
    train.extend(["--seed", "1", "--out", "run", "--quiet"]);
    train.extend(TINY);
    let table = run(dir, &train);
    assert!(table.starts_with("doors:pulls=6 ("), "{table}");
    assert!(table.contains("lsnn (run)"), "{table}");
    assert!(dir.join("run/config.toml").exists());

    let eval = run(
        dir,
        &["eval", "--run", "run", "--trials", "5", "--csv", "ep.csv"],
    );
    assert!(
        eval.contains("doors:pulls=6 (5 trials, seed 1000003)"),
        "{eval}"
    );
    let log = std::fs::read_to_string(dir.join("ep.csv")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines[0].starts_with("algo,trial,episode,step,action,reward,done,value,spikes"));
    // 5 trials of 6 doors each.
    assert_eq!(lines.len(), 1 + 5 * 6, "{log}");
    assert!(lines[1..].iter().all(|l| l.starts_with("lsnn,")), "{log}");

    let plot = run(dir, &["plot", "run", "--trials", "5", "--quiet"]);
    assert!(plot.contains("learning-curve.png"), "{plot}");
    for file in plot.lines() {
        assert!(dir.join(file).metadata().unwrap().len() > 1000, "{file}");
    }

    std::fs::write(
        dir.join("doors.toml"),
        "output = \"runs\"\n[base]\nenv = \"doors:pulls=4\"\nagent.n_lif = 4\nagent.n_alif = 4\n\
         train.updates = 2\ntrain.batch = 2\ntrain.eval_every = 0\ntrain.eval_trials = 4\n\
         [axes]\nseed = [0, 1]\n[eval]\ntrials = 10\n",
    )
    .unwrap();
    let plan = run(dir, &["sweep", "plan", "doors.toml"]);
    assert!(plan.contains("2 cells"), "{plan}");
    let swept = run(dir, &["sweep", "run", "doors.toml", "--local", "--quiet"]);
    assert!(swept.contains("2 complete"), "{swept}");
    let collected = run(
        dir,
        &["sweep", "collect", "doors.toml", "--csv", "sweep.csv"],
    );
    assert!(collected.contains("2 training seeds"), "{collected}");
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("seeds,mean_total_reward,ci95,mean_regret,regret_ci95"));
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[1].starts_with("2,"), "{csv}");
}
