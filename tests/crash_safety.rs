//! Crash safety of `lsnn-rl train`: SIGKILL at seeded random moments, and a
//! disk that fills up mid-run, leave a run directory whose newest checkpoint
//! is complete (or absent), whose CSVs hold whole rows of the uninterrupted
//! run, and which `--resume` finishes with the uninterrupted run's result.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_clean_failure, rows_without_wall, stderr, stdout};
use lsnn_rl_a2c::checkpoint;
use rand::{Rng, SeedableRng};

/// Updates of each run: about half a second of training after a half-second start.
const UPDATES: &str = "60";

fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("lsnn-rl-cache")
}

/// `train` of a tiny run into `out`, a checkpoint after every update.
fn train_args(out: &Path, keep: usize) -> Vec<String> {
    let keep = format!("train.keep_checkpoints={keep}");
    let mut args: Vec<String> = vec!["train", "--quiet", "--out", out.to_str().unwrap()]
        .into_iter()
        .map(String::from)
        .collect();
    for a in [
        "--env",
        "bandit-dependent:difficulty=easy,pulls=10",
        "--seed",
        "5",
        "--updates",
        UPDATES,
        "--set",
        "agent.n_lif=5",
        "--set",
        "agent.n_alif=5",
        "--set",
        "train.batch=4",
        "--set",
        "train.eval_trials=4",
        "--set",
        "train.eval_every=10",
        "--set",
        "train.checkpoint_every=1",
        "--set",
        &keep,
    ] {
        args.push(a.to_string());
    }
    args
}

fn resume_args(out: &Path) -> Vec<String> {
    [
        "train",
        "--quiet",
        "--resume",
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

fn command(args: &[String], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lsnn-rl"));
    cmd.args(args)
        .env("LSNN_RL_CACHE_DIR", cache())
        .env_remove("LD_LIBRARY_PATH")
        .env_remove(lsnn_rl_env::storage::FAIL_WRITES_AFTER_BYTES);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(args: &[String], env: &[(&str, String)]) -> Output {
    command(args, env).output().expect("the binary runs")
}

/// The uninterrupted run: its CSV rows and the weight hash of every update.
struct Reference {
    train: Vec<String>,
    eval: Vec<String>,
    /// `weights_sha256` of the checkpoint of update i + 1.
    weights: Vec<String>,
    /// Bytes the run writes (it keeps all checkpoints): the size of its files.
    bytes: u64,
    duration: Duration,
    _dir: tempfile::TempDir,
}

fn reference() -> Reference {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let started = Instant::now();
    let done = run(&train_args(&out, 0), &[]);
    let duration = started.elapsed();
    assert!(done.status.success(), "{}", stderr(&done));
    let weights = checkpoint::list(&out.join("checkpoints"))
        .unwrap()
        .into_iter()
        .map(|(_, sidecar)| checkpoint::load(&sidecar).unwrap().meta.weights_sha256)
        .collect::<Vec<_>>();
    assert_eq!(weights.len().to_string(), UPDATES);
    let bytes = walk(&out).iter().map(|p| p.metadata().unwrap().len()).sum();
    Reference {
        train: rows_without_wall(&out.join("train.csv"), true),
        eval: rows_without_wall(&out.join("eval.csv"), false),
        weights,
        bytes,
        duration,
        _dir: dir,
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .collect()
}

/// Checks a run directory after a kill or a failed write, and returns
/// whether it holds a run (`config.toml`) at all.
fn check_invariants(out: &Path, reference: &Reference, context: &str) -> bool {
    if !out.join("config.toml").exists() {
        // Killed before the run wrote anything: nothing else may be there.
        for name in ["train.csv", "eval.csv", "checkpoints"] {
            assert!(!out.join(name).exists(), "{context}: {name} without config");
        }
        return false;
    }
    // The newest checkpoint (one with a sidecar) loads, its hashes hold, and
    // its weights are those of the uninterrupted run at that update.
    let ckpts = checkpoint::list(&out.join("checkpoints")).unwrap();
    let newest = ckpts.last().map(|(update, sidecar)| {
        let loaded = checkpoint::load(sidecar)
            .unwrap_or_else(|e| panic!("{context}: newest checkpoint {update}: {e}"));
        assert_eq!(loaded.meta.update, *update);
        assert_eq!(
            loaded.meta.weights_sha256,
            reference.weights[update - 1],
            "{context}: checkpoint {update} differs from the uninterrupted run's"
        );
        *update
    });
    // Files under their final names are whole: tensor files parse, sidecars
    // name files that exist.
    for path in walk(&out.join("checkpoints")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") {
            continue;
        }
        if name.ends_with(".safetensors") {
            tch::Tensor::read_safetensors(&path)
                .unwrap_or_else(|e| panic!("{context}: {name} is not whole: {e}"));
        } else {
            assert!(name.ends_with(".json"), "{context}: stray file {name}");
        }
    }
    // train.csv: whole rows, those of the uninterrupted run, at least up to
    // the newest checkpoint.
    for (file, wall, expected) in [
        ("train.csv", true, &reference.train),
        ("eval.csv", false, &reference.eval),
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap_or_default();
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{context}: {file} ends in half a row: {:?}",
            text.lines().last()
        );
        let got = rows_without_wall(&out.join(file), wall);
        assert!(
            got.len() <= expected.len() && got[..] == expected[..got.len()],
            "{context}: {file} rows differ from the uninterrupted run's"
        );
        if file == "train.csv" {
            assert!(
                got.len() >= newest.unwrap_or(0),
                "{context}: train.csv has {} rows, checkpoint {newest:?}",
                got.len()
            );
        }
    }
    true
}

/// A finished run equals the uninterrupted one and holds no leftovers.
fn check_finished(out: &Path, reference: &Reference, context: &str) {
    assert_eq!(
        rows_without_wall(&out.join("train.csv"), true),
        reference.train,
        "{context}: train.csv"
    );
    assert_eq!(
        rows_without_wall(&out.join("eval.csv"), false),
        reference.eval,
        "{context}: eval.csv"
    );
    let (update, sidecar) = checkpoint::list(&out.join("checkpoints"))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(update.to_string(), UPDATES);
    assert_eq!(
        checkpoint::load(&sidecar).unwrap().meta.weights_sha256,
        reference.weights[update - 1],
        "{context}: final weights"
    );
    assert_eq!(temp_files(out), Vec::<PathBuf>::new(), "{context}");
}

/// Starts `args`, SIGKILLs it after `delay` unless it finished first.
/// Returns the exit output and whether the kill landed.
fn kill_after(args: &[String], delay: Duration) -> (Output, bool) {
    let child: Child = command(args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let mut child = child;
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let killed = out.status.signal() == Some(9);
    (out, killed)
}

#[test]
fn sigkill_at_twenty_random_moments_leaves_a_run_that_resumes_to_the_same_end() {
    let reference = reference();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6b11);
    let window = reference.duration.as_millis() as u64;
    let dir = tempfile::tempdir().unwrap();
    let (mut kills, mut rounds, mut with_checkpoint) = (0, 0, 0);
    while kills < 20 {
        rounds += 1;
        assert!(rounds <= 40, "only {kills} kills landed in 40 rounds");
        let out = dir.path().join(format!("round-{rounds}"));
        let mut started = false;
        loop {
            let args = if started {
                resume_args(&out)
            } else {
                train_args(&out, 2)
            };
            let context = format!("round {rounds}, kill {}", kills + 1);
            if kills >= 20 {
                let done = run(&args, &[]);
                assert!(done.status.success(), "{context}: {}", stderr(&done));
                check_finished(&out, &reference, &context);
                break;
            }
            let delay = Duration::from_millis(rng.random_range(0..window));
            let (result, killed) = kill_after(&args, delay);
            if !killed {
                assert!(result.status.success(), "{context}: {}", stderr(&result));
                assert!(stdout(&result).contains("mean total reward"), "{context}");
                check_finished(&out, &reference, &context);
                break;
            }
            kills += 1;
            started = check_invariants(&out, &reference, &context);
            if started
                && !checkpoint::list(&out.join("checkpoints"))
                    .unwrap()
                    .is_empty()
            {
                with_checkpoint += 1;
            }
            if !started {
                // Killed before config.toml: nothing to resume, and --resume says so.
                let refused = common::lsnn_rl(
                    &cache(),
                    &["train", "--resume", "--out", out.to_str().unwrap()],
                );
                assert_clean_failure(&refused, &["is not a run directory"]);
            }
        }
    }
    // The kills must have hit training, not only start-up.
    assert!(
        with_checkpoint >= 5,
        "only {with_checkpoint} kills after a checkpoint"
    );
    eprintln!("{kills} kills over {rounds} runs, {with_checkpoint} after a checkpoint");
}

#[test]
fn a_disk_that_fills_up_mid_run_keeps_the_previous_checkpoint_and_resumes() {
    let reference = reference();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xd15c);
    let dir = tempfile::tempdir().unwrap();
    for round in 0..5 {
        // Full after a random share of what the run writes.
        let budget = rng.random_range(0..reference.bytes);
        let context = format!("disk full after {budget} of {} bytes", reference.bytes);
        let out = dir.path().join(format!("run-{round}"));
        let env = [(
            lsnn_rl_env::storage::FAIL_WRITES_AFTER_BYTES,
            budget.to_string(),
        )];
        let failed = run(&train_args(&out, 0), &env);
        assert_clean_failure(&failed, &["No space left on device"]);
        let started = check_invariants(&out, &reference, &context);
        // The process failed cleanly: no temporary file stays behind.
        assert_eq!(temp_files(&out), Vec::<PathBuf>::new(), "{context}");
        let again = if started {
            assert!(stderr(&failed).contains("--resume"), "{}", stderr(&failed));
            run(&resume_args(&out), &[])
        } else {
            run(&train_args(&out, 0), &[])
        };
        assert!(again.status.success(), "{context}: {}", stderr(&again));
        check_finished(&out, &reference, &context);
    }
}
