//! End-to-end tests of `lsnn-rl sweep` with the local runner, on the small
//! sweep (sweeps/small.toml: 2 agents x 2 seeds, 4 tiny updates each).

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_clean_failure, stderr, stdout};

fn lsnn_rl(args: &[&str]) -> Output {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache");
    common::lsnn_rl(&cache, args)
}

/// The repository's small sweep, copied into `dir` (its runs go to dir/runs/small).
fn small_sweep(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sweeps/small.toml")).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// `sweep collect FILE --csv DIR/NAME`, which must succeed; the CSV's text.
fn collected(dir: &Path, file: &str, name: &str) -> String {
    let csv = dir.join(name);
    let collect = lsnn_rl(&["sweep", "collect", file, "--csv", csv.to_str().unwrap()]);
    assert!(collect.status.success(), "{}", stderr(&collect));
    read(&csv)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const CELLS: [&str; 4] = [
    "agent-lsnn_seed-0",
    "agent-lsnn_seed-1",
    "agent-lstm_seed-0",
    "agent-lstm_seed-1",
];

#[test]
fn local_runner_records_failures_runs_only_what_is_missing_and_collects() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let f = file.to_str().unwrap();
    let runs = dir.path().join("runs/small");

    let plan = lsnn_rl(&["sweep", "plan", f]);
    assert!(plan.status.success(), "{}", stderr(&plan));
    let text = stdout(&plan);
    assert!(text.contains("4 cells = agent (2) x seed (2)"), "{text}");
    for name in CELLS {
        assert!(
            text.contains(&runs.join(name).display().to_string()),
            "{text}"
        );
    }
    assert_eq!(text.matches("pending").count(), 4, "{text}");

    // Cell 0's folder holds another run (seed 9): that cell must fail, with
    // its exit status and log recorded, and the others must still complete.
    let blocked = runs.join(CELLS[0]);
    std::fs::create_dir_all(&blocked).unwrap();
    let other = lsnn_rl(&[
        "config",
        "--agent",
        "lsnn",
        "--env",
        "bandit-bernoulli:arms=2,pulls=10",
    ]);
    std::fs::write(
        blocked.join("config.toml"),
        stdout(&other).replace("seed = 0", "seed = 9"),
    )
    .unwrap();
    let first = lsnn_rl(&["sweep", "run", f, "--local", "--jobs", "2", "--quiet"]);
    assert_clean_failure(
        &first,
        &[
            "1 of 4 cells did not complete",
            "run the same command again",
        ],
    );
    let summary = stdout(&first);
    assert!(summary.contains("3 complete"), "{summary}");
    assert!(
        summary.contains("failed: agent-lsnn_seed-0 (train error)")
            && summary.contains("another configuration"),
        "{summary}"
    );
    let failure = read(&blocked.join("failed.json"));
    assert!(
        failure.contains("\"step\": \"train\"") && failure.contains("cell.log"),
        "{failure}"
    );
    assert!(read(&blocked.join("cell.log")).contains("another configuration"));
    for name in &CELLS[1..] {
        let result = read(&runs.join(name).join("final-eval.json"));
        assert!(
            result.contains("\"trials\": 100") && result.contains("\"updates\": 4"),
            "{result}"
        );
        assert_eq!(read(&runs.join(name).join("train.csv")).lines().count(), 5);
    }
    let partial = lsnn_rl(&["sweep", "collect", f]);
    assert_clean_failure(
        &partial,
        &["1 of 4 cells have no final evaluation", "--partial"],
    );

    // Clear the obstacle: the second run trains that cell only.
    std::fs::remove_dir_all(&blocked).unwrap();
    let done_log = read(&runs.join(CELLS[1]).join("cell.log"));
    let second = lsnn_rl(&["sweep", "run", f, "--local", "--jobs", "2"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("4 complete (3 already"),
        "{}",
        stdout(&second)
    );
    assert_eq!(
        read(&runs.join(CELLS[1]).join("cell.log")),
        done_log,
        "complete cells are not touched"
    );
    assert!(blocked.join("final-eval.json").exists());

    // A third run has nothing to do.
    let third = lsnn_rl(&["sweep", "run", f, "--local"]);
    assert!(third.status.success(), "{}", stderr(&third));
    assert!(
        stdout(&third).contains("4 complete (4 already"),
        "{}",
        stdout(&third)
    );
    assert!(stderr(&third).contains("0 to run"), "{}", stderr(&third));
    assert_eq!(read(&runs.join(CELLS[1]).join("cell.log")), done_log);
    // So does the Slurm runner: no script, no sbatch.
    let slurm = lsnn_rl(&["sweep", "run", f, "--slurm", "--dry-run"]);
    assert!(
        stdout(&slurm).contains("nothing to submit"),
        "{}",
        stdout(&slurm)
    );

    let table = collected(dir.path(), f, "out.csv");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "agent,seeds,mean_total_reward,ci95,mean_regret,regret_ci95"
    );
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[1].starts_with("lsnn,2,") && lines[2].starts_with("lstm,2,"),
        "{table}"
    );
    // The row is the mean of the two seeds' final evaluations.
    let reward = |name: &str| -> f64 {
        let v: serde_json::Value =
            serde_json::from_str(&read(&runs.join(name).join("final-eval.json"))).unwrap();
        v["mean_total_reward"].as_f64().unwrap()
    };
    let mean: f64 = lines[1].split(',').nth(2).unwrap().parse().unwrap();
    assert!(
        (mean - (reward(CELLS[0]) + reward(CELLS[1])) / 2.0).abs() < 1e-6,
        "{table}"
    );
    for reward in lines[1..].iter().map(|l| l.split(',').nth(2).unwrap()) {
        let r: f64 = reward.parse().unwrap();
        assert!(
            (0.0..=10.0).contains(&r),
            "10 pulls of 0/1 rewards: {table}"
        );
    }
}

/// A navigation sweep's table adds the goal figures and, for a task of two
/// episodes per trial, each episode's success and steps.
#[test]
fn navigation_cells_collect_goal_and_episode_figures() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("maze.toml");
    std::fs::write(
        &file,
        r#"
output = "runs/maze"
[base]
env = "maze-random:size=3,horizon=12,pool=4"
agent.n_lif = 4
agent.n_alif = 4
train.updates = 2
train.batch = 2
train.eval_every = 0
[axes]
seed = [0, 1]
[eval]
trials = 40
env_params = "layouts=test"
"#,
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let run = lsnn_rl(&["sweep", "run", f, "--local", "--jobs", "2", "--quiet"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let table = collected(dir.path(), f, "maze.csv");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "seeds,mean_total_reward,ci95,mean_regret,regret_ci95,goals_per_trial,goals_ci95,\
         steps_to_first_goal,steps_per_later_goal,later_goal_path_ratio,ep1_success,ep1_steps,\
         ep2_success,ep2_steps,ep2_no_longer"
    );
    let cells: Vec<&str> = lines[1].split(',').collect();
    let value = |i: usize| -> f64 { cells[i].parse().unwrap_or_else(|_| panic!("{table}")) };
    // At most one goal per episode, two episodes of at most 12 steps.
    assert!((0.0..=2.0).contains(&value(5)), "{table}");
    assert!((1.0..=24.0).contains(&value(7)), "{table}");
    for (success, steps) in [(10, 11), (12, 13)] {
        assert!((0.0..=1.0).contains(&value(success)), "{table}");
        assert!((1.0..=12.0).contains(&value(steps)), "{table}");
    }
    assert!((0.0..=1.0).contains(&value(14)), "{table}");
    // Goals per trial is the two episodes' success rates added up.
    assert!((value(5) - value(10) - value(12)).abs() < 1e-5, "{table}");
    // The agents trained on the train pool and were tested on the test pool.
    let log = read(&dir.path().join("runs/maze/seed-0/config.toml"));
    assert!(
        log.contains("layouts=train") || !log.contains("layouts"),
        "{log}"
    );
    let plan = lsnn_rl(&["sweep", "plan", f]);
    assert!(stdout(&plan).contains("complete"), "{}", stdout(&plan));
}

#[test]
fn a_killed_cell_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.toml");
    std::fs::write(
        &file,
        r#"output = "runs"
[base]
env = "bandit-bernoulli:arms=2,pulls=10"
agent.kind = "lstm"
agent.hidden = 8
train.updates = 150
train.batch = 2
train.eval_every = 0
train.eval_trials = 2
train.checkpoint_every = 2
[eval]
trials = 10
"#,
    )
    .unwrap();
    let cell = dir.path().join("runs/base");
    let checkpoints = cell.join("checkpoints");
    // The runner in its own process group, so one kill takes the runner,
    // the cell process and its training.
    let mut runner = Command::new(env!("CARGO_BIN_EXE_lsnn-rl"))
        .args(["sweep", "run", file.to_str().unwrap(), "--local", "--quiet"])
        .env_remove("LD_LIBRARY_PATH")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let newest = || {
        std::fs::read_dir(&checkpoints)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_prefix("update-")?
                            .strip_suffix(".json")?
                            .parse::<u64>()
                            .ok()
                    })
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    };
    while newest() < 4 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        assert!(
            runner.try_wait().unwrap().is_none(),
            "the sweep ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", runner.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    runner.wait().unwrap();
    assert!(
        !cell.join("final-eval.json").exists(),
        "killed before the end"
    );
    let at_kill = newest();
    assert!(at_kill < 150, "killed mid-run, at checkpoint {at_kill}");

    let plan = lsnn_rl(&["sweep", "plan", file.to_str().unwrap()]);
    assert!(stdout(&plan).contains("partial"), "{}", stdout(&plan));
    let again = lsnn_rl(&["sweep", "run", file.to_str().unwrap(), "--local"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let log = read(&cell.join("cell.log"));
    assert!(log.contains("training: resuming from update"), "{log}");
    // One row per update, none twice: the rows after the checkpoint were cut.
    let updates: Vec<u64> = read(&cell.join("train.csv"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(updates, (1..=150).collect::<Vec<_>>());
    assert!(read(&cell.join("final-eval.json")).contains("\"updates\": 150"));
}

#[test]
fn slurm_dry_run_prints_one_array_task_per_missing_cell() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_sweep(dir.path());
    let out = lsnn_rl(&[
        "sweep",
        "run",
        file.to_str().unwrap(),
        "--slurm",
        "--dry-run",
        "--partition",
        "cpu",
        "--time",
        "02:00:00",
        "--cpus-per-task",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = stdout(&out);
    for line in [
        "#!/bin/bash",
        "#SBATCH --job-name=small",
        "#SBATCH --array=0-3",
        "#SBATCH --partition=cpu",
        "#SBATCH --time=02:00:00",
        "#SBATCH --cpus-per-task=2",
        "sweep cell '",
        "--index \"$SLURM_ARRAY_TASK_ID\"",
    ] {
        assert!(script.contains(line), "'{line}' missing:\n{script}");
    }
    assert!(
        !dir.path().join("runs").exists(),
        "a dry run writes nothing"
    );
    let bad = lsnn_rl(&[
        "sweep",
        "run",
        file.to_str().unwrap(),
        "--slurm",
        "--time",
        "2h",
    ]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("HH:MM:SS"), "{}", stderr(&bad));
}

#[test]
fn bad_sweep_files_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |text: &str| {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        path
    };
    let cases: [(&str, &[&str]); 6] = [
        ("output = \"o\"\n[axes]\nseed = [", &["bad.toml"]),
        (
            "output = \"o\"\n[axes]\nseed = []",
            &["seed has no values", "remove the axis"],
        ),
        (
            "output = \"o\"\n[axes]\n\"train.lrr\" = [0.1]",
            &["lrr", "valid keys"],
        ),
        (
            "output = \"o\"\n[base]\nenv = \"bandit-nope\"",
            &["bandit-nope", "lsnn-rl envs"],
        ),
        ("[axes]\nseed = [0]", &["no output root", "output = "]),
        ("output = \"o\"\nsurprise = 1", &["surprise", "[base]"]),
    ];
    for (text, expected) in cases {
        let path = write(text);
        let out = lsnn_rl(&["sweep", "plan", path.to_str().unwrap()]);
        assert_clean_failure(&out, expected);
    }
    let missing = lsnn_rl(&["sweep", "plan", "/no/such/sweep.toml"]);
    assert_clean_failure(
        &missing,
        &["cannot read the sweep file", "/no/such/sweep.toml"],
    );
    let file = small_sweep(dir.path());
    let out = lsnn_rl(&["sweep", "cell", file.to_str().unwrap(), "--index", "4"]);
    assert_clean_failure(&out, &["cell index 4 is out of range", "4 cells"]);
    // The example sweep of the docs plans: 2 environments x 2 agents x 5 seeds.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/sweeps/example.toml");
    let out = lsnn_rl(&["sweep", "plan", example]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("20 cells = env (2) x agent (2) x seed (5)"),
        "{}",
        stdout(&out)
    );
}
