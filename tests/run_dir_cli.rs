//! End-to-end tests of the run directory: one writer at a time, no
//! directory left by a network that cannot be built, and what the schedules
//! do when a finished run is extended.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_clean_failure, rows_without_wall, stderr, stdout};

fn cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache")
}

fn lsnn_rl(args: &[&str]) -> Output {
    common::lsnn_rl(&cache(), args)
}

/// A tiny run: 10-pull bandit, 5 + 5 neurons, batch 4.
const TINY: [&str; 10] = [
    "--env",
    "bandit-dependent:pulls=10",
    "--set",
    "agent.n_lif=5",
    "--set",
    "agent.n_alif=5",
    "--set",
    "train.batch=4",
    "--set",
    "train.eval_every=0",
];

#[test]
fn a_second_process_on_a_run_directory_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = run.to_str().unwrap();
    let mut args = vec!["train", "--quiet", "--out", out, "--updates", "100000"];
    args.extend(TINY);
    let mut first = Command::new(env!("CARGO_BIN_EXE_lsnn-rl"))
        .args(&args)
        .env("LSNN_RL_CACHE_DIR", cache())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(run.join("train.csv")).map_or(0, |t| t.lines().count()) < 3 {
        assert!(Instant::now() < deadline, "training did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let holder = format!("process {}", first.id());
    // A fresh run, an overwrite and a resume of the same folder all stop
    // with the holder's name, and change nothing.
    let mut again = vec!["train", "--quiet", "--out", out, "--updates", "5"];
    again.extend(TINY);
    let second = lsnn_rl(&again);
    assert_clean_failure(&second, &["is in use by", &holder, "choose another --out"]);
    let mut overwrite = again.clone();
    overwrite.push("--overwrite");
    assert_clean_failure(&lsnn_rl(&overwrite), &["is in use by", &holder]);
    let resume = lsnn_rl(&["train", "--quiet", "--resume", "--out", out]);
    assert_clean_failure(&resume, &["is in use by", &holder]);
    assert!(run.join("config.toml").exists());
    first.kill().unwrap();
    first.wait().unwrap();
    // The killed holder's lock is taken over: the run resumes (to a total
    // past its newest checkpoint, which is at most the rows it logged).
    let logged = std::fs::read_to_string(run.join("train.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let total = (logged + 2).to_string();
    let resumed = lsnn_rl(&[
        "train",
        "--quiet",
        "--resume",
        "--updates",
        &total,
        "--out",
        out,
    ]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stdout(&resumed).contains("mean total reward"),
        "the final table"
    );
}

#[test]
fn a_network_too_large_for_memory_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("huge");
    let out = lsnn_rl(&[
        "train",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
        "--set",
        "agent.n_lif=100000000",
    ]);
    assert_clean_failure(&out, &["needs about", "GiB", "agent.n_lif"]);
    assert!(!run.exists(), "no run directory is left behind");
}

#[test]
fn extending_a_finished_run_says_what_the_schedules_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = run.to_str().unwrap();
    let mut args = vec!["train", "--quiet", "--out", out, "--updates", "4"];
    args.extend(TINY);
    let first = lsnn_rl(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    let lr_of = |row: usize| -> f64 {
        let text = std::fs::read_to_string(run.join("train.csv")).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|c| *c == "lr").unwrap();
        text.lines()
            .nth(row)
            .unwrap()
            .split(',')
            .nth(col)
            .unwrap()
            .parse()
            .unwrap()
    };
    let final_lr = lr_of(4);

    let kept = lsnn_rl(&[
        "train",
        "--quiet",
        "--resume",
        "--updates",
        "6",
        "--out",
        out,
    ]);
    assert!(kept.status.success(), "{}", stderr(&kept));
    let said = stderr(&kept);
    assert!(
        said.lines()
            .next()
            .unwrap()
            .contains("keep their final values"),
        "{said}"
    );
    assert_eq!(lr_of(5), final_lr);
    assert_eq!(lr_of(6), final_lr);
    // The extended run's config.toml (train.schedule_end = 4) trains the same
    // run straight: the same weights and the same rows, wall clock aside.
    let straight = dir.path().join("straight");
    let config = dir.path().join("extended.toml");
    std::fs::copy(run.join("config.toml"), &config).unwrap();
    let again = lsnn_rl(&[
        "train",
        "--quiet",
        "--config",
        config.to_str().unwrap(),
        "--out",
        straight.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    let newest = "checkpoints/update-0000006.safetensors";
    assert_eq!(
        std::fs::read(run.join(newest)).unwrap(),
        std::fs::read(straight.join(newest)).unwrap()
    );
    assert_eq!(
        rows_without_wall(&run.join("train.csv"), true),
        rows_without_wall(&straight.join("train.csv"), true)
    );
    assert!(!rows_without_wall(&run.join("train.csv"), true).is_empty());
    // A run cut short keeps its schedules (schedule_end beyond its updates);
    // its config.toml given back with --config trains as written.
    let cut = dir.path().join("cut");
    std::fs::create_dir(&cut).unwrap();
    let cut_config = cut.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace("updates = 6\n", "updates = 5\n");
    assert!(text.contains("updates = 5\n") && text.contains("schedule_end = 4\n"));
    std::fs::write(
        &cut_config,
        text.replace("schedule_end = 4\n", "schedule_end = 6\n"),
    )
    .unwrap();
    let cut_run = lsnn_rl(&[
        "train",
        "--quiet",
        "--config",
        cut_config.to_str().unwrap(),
        "--out",
        cut.join("run").to_str().unwrap(),
    ]);
    assert!(cut_run.status.success(), "{}", stderr(&cut_run));

    let restarted = lsnn_rl(&[
        "train",
        "--quiet",
        "--resume",
        "--updates",
        "8",
        "--schedule",
        "restart",
        "--out",
        out,
    ]);
    assert!(restarted.status.success(), "{}", stderr(&restarted));
    let said = stderr(&restarted);
    assert!(
        said.lines().next().unwrap().contains("start again"),
        "{said}"
    );
    assert!(lr_of(7) > final_lr * 5.0, "the learning rate starts again");
}

#[test]
fn overwrite_keeps_the_old_run_until_the_new_network_exists_and_resume_needs_enough_updates() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = run.to_str().unwrap();
    let mut args = vec!["train", "--quiet", "--out", out, "--updates", "4"];
    args.extend(TINY);
    args.extend(["--set", "train.checkpoint_every=2"]);
    let first = lsnn_rl(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    // A replacement that cannot be built leaves the old run as it was.
    let huge = lsnn_rl(&[
        "train",
        "--quiet",
        "--overwrite",
        "--out",
        out,
        "--set",
        "agent.n_lif=100000000",
    ]);
    assert_clean_failure(&huge, &["needs about"]);
    assert_eq!(
        std::fs::read_to_string(run.join("config.toml")).unwrap(),
        config
    );
    assert!(run.join("checkpoints/update-0000004.json").exists());
    // Fewer updates than the run has done: a clear error, nothing changed.
    let fewer = lsnn_rl(&[
        "train",
        "--quiet",
        "--resume",
        "--updates",
        "2",
        "--out",
        out,
    ]);
    assert_clean_failure(&fewer, &["has done 4 updates", "--updates 4 or more"]);
    assert_eq!(
        std::fs::read_to_string(run.join("config.toml")).unwrap(),
        config
    );
}
