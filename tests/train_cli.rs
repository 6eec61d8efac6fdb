//! End-to-end tests of `lsnn-rl train`, `eval` and `config` on tiny runs.

mod common;

use std::path::Path;
use std::process::Output;

use common::{assert_clean_failure, stderr, stdout};

/// Runs the binary with a cache folder in Cargo's scratch space for tests
/// (the Gittins tables of `--baselines` land there, not in the home folder).
fn lsnn_rl(args: &[&str]) -> Output {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache");
    common::lsnn_rl(&cache, args)
}

/// A tiny, fast run: 10-pull easy bandit, 5 + 5 neurons, batch 4.
const TINY: [&str; 12] = [
    "--env",
    "bandit-dependent:difficulty=easy,pulls=10",
    "--set",
    "agent.n_lif=5",
    "--set",
    "agent.n_alif=5",
    "--set",
    "train.batch=4",
    "--set",
    "train.eval_trials=4",
    "--set",
    "train.eval_every=2",
];

fn train(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--quiet", "--out", out.to_str().unwrap()];
    args.extend(TINY);
    args.extend(extra);
    lsnn_rl(&args)
}

fn csv_rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn train_writes_a_run_directory_and_resume_continues_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = train(
        &run,
        &[
            "--updates",
            "4",
            "--seed",
            "3",
            "--set",
            "train.checkpoint_every=2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("mean total reward"),
        "{}",
        stdout(&out)
    );
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(
        config.contains("n_alif = 5") && config.contains("seed = 3"),
        "{config}"
    );
    let rows = csv_rows(&run.join("train.csv"));
    assert_eq!(rows.len(), 5, "header + 4 updates: {rows:?}");
    assert!(
        rows[0].starts_with("update,env_steps,wall_s,mean_trial_reward,mean_regret,policy_loss")
    );
    assert_eq!(
        csv_rows(&run.join("eval.csv")).len(),
        3,
        "evaluations at 2 and 4"
    );
    assert!(run.join("checkpoints/update-0000004.json").exists());
    assert!(run.join("checkpoints/update-0000004.safetensors").exists());

    // A second run into the same folder is refused; --resume continues it.
    let again = train(&run, &["--updates", "4"]);
    assert_clean_failure(&again, &["already holds a run", "--resume"]);
    let resumed = lsnn_rl(&[
        "train",
        "--quiet",
        "--resume",
        "--updates",
        "6",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(csv_rows(&run.join("train.csv")).len(), 7);
}

#[test]
fn eval_writes_the_episode_log_and_spikes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(train(&run, &["--updates", "2"]).status.success());
    let episodes = dir.path().join("episodes.csv");
    let spikes = dir.path().join("spikes.csv");
    let out = lsnn_rl(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--trials",
        "5",
        "--seed",
        "9",
        "--csv",
        episodes.to_str().unwrap(),
        "--spikes",
        spikes.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("5 trials, seed 9"),
        "{}",
        stdout(&out)
    );
    let rows = csv_rows(&episodes);
    assert_eq!(rows.len(), 1 + 5 * 10, "a row per step per trial");
    assert!(
        rows[0].starts_with("algo,trial,episode,step,action,reward,done,value,spikes,arm,expected_reward,best_expected_reward"),
        "{}",
        rows[0]
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.split(',').nth(6) == Some("1"))
            .count(),
        5,
        "one done per trial"
    );
    let spike_rows = csv_rows(&spikes);
    assert_eq!(spike_rows[0], "trial,step,neuron,population");
    let total: u64 = rows[1..]
        .iter()
        .map(|r| r.split(',').nth(8).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        spike_rows.len() as u64 - 1,
        total,
        "the spike file lists every counted spike"
    );

    // Same seed, same log.
    let again = dir.path().join("again.csv");
    lsnn_rl(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--trials",
        "5",
        "--seed",
        "9",
        "--csv",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&episodes).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn bad_runs_configs_and_checkpoints_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    assert_clean_failure(
        &lsnn_rl(&["eval", "--run", missing.to_str().unwrap()]),
        &["is not a run directory"],
    );

    let run = dir.path().join("run");
    assert_clean_failure(&train(&run, &["--set", "train.lrr=0.1"]), &["lrr"]);
    assert_clean_failure(&train(&run, &["--set", "agent.tau_m=-3"]), &["agent.tau_m"]);
    assert_clean_failure(
        &train(&run, &["--set", "agent.k_steps=0"]),
        &["agent.k_steps"],
    );
    assert_clean_failure(&train(&run, &["--device", "cuda"]), &["cuda"]);
    let bad_env = lsnn_rl(&[
        "train",
        "--env",
        "bandit-bernoulli:arms=0",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_clean_failure(&bad_env, &["arms"]);

    assert!(train(&run, &["--updates", "2"]).status.success());
    // A task with another number of arms needs another network.
    let other = lsnn_rl(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--env",
        "bandit-bernoulli:arms=3,pulls=10",
        "--trials",
        "2",
    ]);
    assert_clean_failure(&other, &["does not fit"]);
    // A truncated weight file.
    let weights = run.join("checkpoints/update-0000002.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 3]).unwrap();
    assert_clean_failure(
        &lsnn_rl(&["eval", "--run", run.to_str().unwrap(), "--trials", "2"]),
        &["corrupt or truncated"],
    );
}

#[test]
fn config_prints_the_commented_defaults() {
    let out = lsnn_rl(&[
        "config",
        "--agent",
        "lstm",
        "--env",
        "bandit-bernoulli:arms=3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let toml = stdout(&out);
    assert!(toml.contains("env = \"bandit-bernoulli:arms=3\""), "{toml}");
    assert!(toml.contains("kind = \"lstm\""), "{toml}");
    assert!(
        toml.contains("[train]") && toml.contains("\n# Total updates of the run"),
        "{toml}"
    );
    assert!(
        toml.lines().filter(|l| l.starts_with("# ")).count() > 30,
        "every key commented:\n{toml}"
    );
    // The printed file is a valid --config.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.toml");
    std::fs::write(&path, &toml).unwrap();
    let run = dir.path().join("run");
    let out = lsnn_rl(&[
        "train",
        "--quiet",
        "--config",
        path.to_str().unwrap(),
        "--updates",
        "1",
        "--set",
        "train.batch=2",
        "--set",
        "agent.hidden=4",
        "--set",
        "train.eval_trials=2",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_family_with_a_tuned_recipe_trains_on_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let small = [
        "--env",
        "maze-water-grid:steps=10",
        "--updates",
        "1",
        "--set",
        "train.batch=2",
        "--set",
        "train.eval_trials=2",
        "--set",
        "agent.n_lif=4",
        "--set",
        "agent.n_alif=4",
        // The recipe's schedules end at update 40 000 (see below).
        "--set",
        "train.schedule_end=0",
    ];
    let run = dir.path().join("recipe");
    let mut args = vec!["train", "--quiet", "--out", run.to_str().unwrap()];
    args.extend(small);
    let out = lsnn_rl(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = stderr(&out).lines().next().unwrap_or_default().to_string();
    assert!(
        first.starts_with("using the tuned recipe configs/maze-water-grid/lsnn.toml"),
        "{first}"
    );
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(
        config.contains("recipe = \"configs/maze-water-grid/lsnn.toml\"")
            && config.contains("k_steps = 5"),
        "{config}"
    );
    // The run's config.toml given back with --config: its own keys (here a
    // K the recipe does not have), the recipe it came from named as such.
    let edited = dir.path().join("edited.toml");
    std::fs::write(&edited, config.replace("k_steps = 5", "k_steps = 4")).unwrap();
    let again = dir.path().join("again");
    let out = lsnn_rl(&[
        "train",
        "--quiet",
        "--config",
        edited.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = stderr(&out).lines().next().unwrap_or_default().to_string();
    assert!(
        first.ends_with(
            "records that it started from the tuned recipe configs/maze-water-grid/lsnn.toml; its own keys apply"
        ),
        "{first}"
    );
    let config = std::fs::read_to_string(again.join("config.toml")).unwrap();
    assert!(config.contains("k_steps = 4"), "{config}");
    // Without that --set, the one-update run would stop the recipe's
    // schedules part-way: refused, with what to do.
    let cut = dir.path().join("cut");
    let mut args = vec!["train", "--quiet", "--out", cut.to_str().unwrap()];
    args.extend(&small[..small.len() - 2]);
    assert_clean_failure(
        &lsnn_rl(&args),
        &[
            "train.schedule_end = 40000 (from the recipe configs/maze-water-grid/lsnn.toml)",
            "train at least 40000 updates",
            "--set train.schedule_end=0",
        ],
    );
    assert!(!cut.exists());
    // --no-recipe: the plain defaults, nothing said, nothing recorded.
    let plain = dir.path().join("plain");
    let mut args = vec![
        "train",
        "--quiet",
        "--no-recipe",
        "--out",
        plain.to_str().unwrap(),
    ];
    args.extend(small);
    let out = lsnn_rl(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("recipe"), "{}", stderr(&out));
    let config = std::fs::read_to_string(plain.join("config.toml")).unwrap();
    assert!(
        !config.contains("recipe") && config.contains("k_steps = 1"),
        "{config}"
    );
    // `config` shows what a run would get.
    let shown = stdout(&lsnn_rl(&["config", "--env", "maze-water-grid"]));
    assert!(shown.contains("k_steps = 5"), "{shown}");
}

#[test]
fn train_with_baselines_prints_one_table_and_overwrite_replaces_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let first = train(&run, &["--updates", "1", "--baselines"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let table = stdout(&first);
    for row in ["lsnn (", "random", "thompson", "gittins"] {
        assert!(table.contains(row), "{row} missing from:\n{table}");
    }
    // --overwrite replaces a run folder, and only a run folder.
    let second = train(&run, &["--updates", "2", "--overwrite"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(csv_rows(&run.join("train.csv")).len(), 3);
}

#[test]
fn sigterm_finishes_the_update_writes_a_checkpoint_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache");
    let mut args = vec![
        "train",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
        "--updates",
        "100000",
    ];
    args.extend(TINY);
    args.extend(["--set", "train.checkpoint_every=0"]);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lsnn-rl"))
        .args(&args)
        .env("LSNN_RL_CACHE_DIR", &cache)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until a few updates are logged, then ask it to stop.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(run.join("train.csv")).map_or(0, |t| t.lines().count()) < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "training did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_clean_failure(&out, &["interrupted after update", "--resume"]);
    let rows = csv_rows(&run.join("train.csv"));
    let last: usize = rows
        .last()
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        run.join(format!("checkpoints/update-{last:07}.json"))
            .exists(),
        "the last logged update has its checkpoint"
    );
    let resumed = lsnn_rl(&[
        "train",
        "--quiet",
        "--resume",
        "--updates",
        &(last + 2).to_string(),
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(csv_rows(&run.join("train.csv")).len(), last + 3);
}

#[test]
fn bad_input_is_one_clear_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();

    // A --config file that is not TOML, and one with an unknown key.
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "env = \"bandit-dependent\"\nseed = \n[train").unwrap();
    let out = lsnn_rl(&[
        "train",
        "--config",
        broken.to_str().unwrap(),
        "--out",
        run_s,
    ]);
    assert_clean_failure(&out, &["broken.toml"]);
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(
        &unknown,
        "env = \"bandit-dependent\"\nseed = 1\n[train]\nlrr = 0.1\n",
    )
    .unwrap();
    let out = lsnn_rl(&[
        "train",
        "--config",
        unknown.to_str().unwrap(),
        "--out",
        run_s,
    ]);
    assert_clean_failure(&out, &["unknown.toml", "lrr"]);
    // Deep R settings that cannot work: named, with what to do.
    let out = lsnn_rl(&["train", "--set", "train.rewiring=true", "--out", run_s]);
    assert_clean_failure(&out, &["train.rewiring", "agent.connectivity below 1"]);
    let out = lsnn_rl(&[
        "train",
        "--agent",
        "lstm",
        "--set",
        "agent.dale=true",
        "--out",
        run_s,
    ]);
    assert_clean_failure(&out, &["agent.dale", "spiking kinds"]);
    let out = lsnn_rl(&["train", "--set", "agent.connectivity=1.5", "--out", run_s]);
    assert_clean_failure(&out, &["agent.connectivity must be in (0, 1]"]);
    // The hand-derived backward pass for an agent it cannot serve: refused
    // before the run directory exists, so the corrected command can run.
    let out = lsnn_rl(&[
        "train",
        "--agent",
        "lstm",
        "--set",
        "train.bptt=manual",
        "--out",
        run_s,
    ]);
    assert_clean_failure(&out, &["train.bptt", "lsnn or lif"]);
    assert!(!run.exists(), "a refused run leaves no directory");
    // A thread count LibTorch cannot take: clap's usage error, no panic.
    let out = lsnn_rl(&["train", "--threads", "4294967296", "--out", run_s]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && !err.contains("panicked"), "{err}");
    assert!(
        err.contains("--threads") && err.contains("1..=1024"),
        "{err}"
    );
    // Out-of-range values.
    let no_neurons = train(&run, &["--set", "agent.n_lif=0", "--set", "agent.n_alif=0"]);
    assert_clean_failure(&no_neurons, &["n_lif"]);
    assert_clean_failure(
        &train(&run, &["--set", "train.rollback_lr_factor=1.5"]),
        &["train.rollback_lr_factor"],
    );
    assert_clean_failure(
        &train(&run, &["--set", "train.on_nonfinite=\"retry\""]),
        &["on_nonfinite"],
    );
    // An environment spec that does not parse.
    let bad_spec = lsnn_rl(&["train", "--env", "bandit-bernoulli:arms", "--out", run_s]);
    assert_clean_failure(&bad_spec, &["malformed environment spec"]);
    assert!(!run.exists(), "a refused run leaves no folder");

    // Folders that are not runs, and outputs that cannot be written.
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let resumed = lsnn_rl(&["train", "--resume", "--out", plain.to_str().unwrap()]);
    assert_clean_failure(&resumed, &["is not a run directory"]);
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("run");
    assert_clean_failure(
        &train(&under_file, &["--updates", "1"]),
        &["cannot create", "a-file"],
    );
    assert_clean_failure(
        &train(Path::new("/proc/lsnn-rl-run"), &["--updates", "1"]),
        &["/proc/lsnn-rl-run"],
    );

    // Checkpoints of another version, another agent, with a flipped byte.
    assert!(train(&run, &["--updates", "2"]).status.success());
    let sidecar = run.join("checkpoints/update-0000002.json");
    let original = std::fs::read_to_string(&sidecar).unwrap();
    std::fs::write(
        &sidecar,
        original.replace("\"format_version\": 2", "\"format_version\": 99"),
    )
    .unwrap();
    let eval = ["eval", "--run", run_s, "--trials", "2"];
    assert_clean_failure(&lsnn_rl(&eval), &["checkpoint format 99", "reads formats"]);
    std::fs::write(&sidecar, &original).unwrap();
    let lstm = dir.path().join("lstm");
    let out = lsnn_rl(&[
        "train",
        "--quiet",
        "--agent",
        "lstm",
        "--updates",
        "1",
        "--env",
        "bandit-dependent:difficulty=easy,pulls=10",
        "--set",
        "agent.hidden=4",
        "--set",
        "train.batch=2",
        "--set",
        "train.eval_trials=2",
        "--out",
        lstm.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let other = lsnn_rl(&[
        "eval",
        "--run",
        lstm.to_str().unwrap(),
        "--trials",
        "2",
        "--checkpoint",
        sidecar.to_str().unwrap(),
    ]);
    assert_clean_failure(&other, &["does not fit"]);
    let weights = run.join("checkpoints/update-0000002.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&weights, &bytes).unwrap();
    assert_clean_failure(&lsnn_rl(&eval), &["corrupt or truncated"]);
}

#[test]
fn a_nan_streak_with_on_nonfinite_stop_is_one_clear_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = train(
        &run,
        &[
            "--updates",
            "6",
            "--set",
            "train.checkpoint_every=1",
            "--set",
            "train.on_nonfinite=stop",
            "--set",
            "train.nonfinite_limit=2",
            "--set",
            "train.inject_nonfinite=[3, 4]",
        ],
    );
    assert_clean_failure(&out, &["updates 3 to 4", "NaN", "update 2", "--resume"]);
    let skipped: Vec<String> = csv_rows(&run.join("train.csv"))[1..]
        .iter()
        .map(|r| r.split(',').nth(13).unwrap().to_string())
        .collect();
    assert_eq!(skipped, ["0", "0", "1", "1"]);
}
