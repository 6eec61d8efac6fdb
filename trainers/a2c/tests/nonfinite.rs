//! Non-finite numbers: a NaN loss (forced by the testing hook
//! `train.inject_nonfinite`) skips its update and is counted in train.csv;
//! after `train.nonfinite_limit` in a row the run rolls back with a lower
//! learning rate (kept across a resume) or stops with a clear error; weights
//! with NaN are never written.

mod common;

use common::{Quiet, dist, weights};

use std::path::Path;

use lsnn_rl_a2c::checkpoint::{self, NonFiniteRecord};
use lsnn_rl_a2c::run::{RunDir, Start, train};
use lsnn_rl_a2c::{OnNonFinite, RunConfig, TrainError, Trainer};
use lsnn_rl_neural::AgentKind;
use tch::Device;

fn tiny(updates: usize) -> RunConfig {
    let mut config = RunConfig::new(
        "bandit-dependent:difficulty=easy,pulls=10",
        AgentKind::Lsnn,
        7,
    );
    config.agent.n_lif = 5;
    config.agent.n_alif = 5;
    config.train.batch = 4;
    config.train.updates = updates;
    config.train.eval_every = 0;
    config.train.checkpoint_every = 1;
    config.train.keep_checkpoints = 0;
    config
}

fn run(dir: &Path, config: &RunConfig, resume: bool, stop_after: Option<usize>) -> Trainer {
    try_run(dir, config, resume, stop_after).unwrap()
}

fn try_run(
    dir: &Path,
    config: &RunConfig,
    resume: bool,
    stop_after: Option<usize>,
) -> Result<Trainer, TrainError> {
    tch::set_num_threads(1);
    train(
        &RunDir::new(dir),
        if resume {
            Start::Resume(config.clone().validated().unwrap())
        } else {
            Start::Fresh(config.clone().validated().unwrap())
        },
        dist(&config.env),
        Device::Cpu,
        &mut Quiet { stop_after },
    )
}

/// train.csv as rows of cells, without the header.
fn table(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("train.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[13..15], ["skipped", "rollbacks"]);
    lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn column(rows: &[Vec<String>], index: usize) -> Vec<String> {
    rows.iter().map(|r| r[index].clone()).collect()
}

fn sidecar(dir: &Path, update: usize) -> checkpoint::CheckpointMeta {
    checkpoint::load(&dir.join(format!("checkpoints/update-{update:07}.json")))
        .unwrap()
        .meta
}

#[test]
fn a_nan_loss_skips_its_update_and_train_csv_counts_it() {
    let mut config = tiny(5);
    config.train.inject_nonfinite = vec![3];
    let dir = tempfile::tempdir().unwrap();
    let trainer = run(dir.path(), &config, false, None);
    assert!(checkpoint::weights_finite(&trainer));
    let rows = table(dir.path());
    assert_eq!(column(&rows, 13), ["0", "0", "1", "0", "0"]);
    assert_eq!(rows[2][5], "NaN", "the forced loss is logged as it was");
    // No checkpoint is written during a streak: the newest stays a state
    // to go back to.
    assert!(!dir.path().join("checkpoints/update-0000003.json").exists());
    assert_eq!(sidecar(dir.path(), 4).nonfinite_streak, 0);

    // The skipped update leaves weights and optimiser untouched.
    let mut trainer = lsnn_rl_a2c::trainer(config.clone(), dist(&config.env), Device::Cpu).unwrap();
    for _ in 0..2 {
        assert!(!trainer.update().unwrap().skipped);
    }
    let (before, steps) = (weights(&trainer), trainer.adam().steps());
    let stats = trainer.update().unwrap();
    assert!(stats.skipped && stats.grad_norm.is_nan());
    assert_eq!(stats.update, 3);
    assert_eq!(
        (weights(&trainer), trainer.adam().steps()),
        (before.clone(), steps)
    );
    assert!(!trainer.update().unwrap().skipped);
    assert_ne!(weights(&trainer), before);
}

#[test]
fn a_streak_of_nan_updates_rolls_back_with_a_lower_learning_rate() {
    let clean = tiny(10);
    let mut config = clean.clone();
    config.train.checkpoint_every = 2;
    config.train.nonfinite_limit = 3;
    config.train.inject_nonfinite = vec![5, 6, 7];
    let (plain, rolled) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(plain.path(), &clean, false, None);
    let trainer = run(rolled.path(), &config, false, None);

    let (want, got) = (table(plain.path()), table(rolled.path()));
    assert_eq!(got.len(), 10, "the skipped rows 5-7 are replaced: {got:?}");
    assert!(column(&got, 13).iter().all(|s| s == "0"));
    assert_eq!(column(&got, 14)[..4], ["0"; 4]);
    assert_eq!(column(&got, 14)[4..], ["1"; 6]);
    // Up to the checkpoint it went back to (update 4), the same run; from
    // there on half the learning rate.
    for u in 0..10 {
        let (lr_want, lr_got): (f64, f64) =
            (want[u][11].parse().unwrap(), got[u][11].parse().unwrap());
        let factor = if u < 4 { 1.0 } else { 0.5 };
        assert!(
            (lr_got - factor * lr_want).abs() < 1e-15,
            "update {}",
            u + 1
        );
    }
    let no_wall = |rows: &[Vec<String>]| {
        rows.iter()
            .map(|r| [&r[..2], &r[3..]].concat())
            .collect::<Vec<_>>()
    };
    assert_eq!(no_wall(&want[..4]), no_wall(&got[..4]));
    assert_eq!(trainer.lr_factor(), 0.5);
    let last = sidecar(rolled.path(), 10);
    assert_eq!((last.lr_factor, last.rollbacks), (0.5, 1));
    // Checkpoints before the roll-back keep factor 1; the replay's have 0.5.
    assert_eq!(sidecar(rolled.path(), 4).lr_factor, 1.0);
    assert_eq!(sidecar(rolled.path(), 6).lr_factor, 0.5);
    assert!(checkpoint::weights_finite(&trainer));
}

#[test]
fn the_lowered_learning_rate_survives_a_resume() {
    let mut config = tiny(10);
    config.train.checkpoint_every = 2;
    config.train.nonfinite_limit = 3;
    config.train.inject_nonfinite = vec![5, 6, 7];
    let (straight, split) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let full = run(straight.path(), &config, false, None);
    // Stopped after update 8 (past the roll-back), then resumed.
    let stopped = run(split.path(), &config, false, Some(8));
    assert_eq!((stopped.updates_done(), stopped.lr_factor()), (8, 0.5));
    let resumed = run(split.path(), &config, true, None);
    assert_eq!(resumed.lr_factor(), 0.5);
    assert_eq!(weights(&full), weights(&resumed));
    let without_wall = |dir: &Path| {
        table(dir)
            .into_iter()
            .map(|mut r| {
                r.remove(2);
                r
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(without_wall(straight.path()), without_wall(split.path()));
}

#[test]
fn a_streak_before_the_first_checkpoint_rolls_back_to_the_start() {
    let mut config = tiny(4);
    config.train.checkpoint_every = 10;
    config.train.nonfinite_limit = 2;
    config.train.inject_nonfinite = vec![1, 2];
    let dir = tempfile::tempdir().unwrap();
    let trainer = run(dir.path(), &config, false, None);
    assert_eq!((trainer.updates_done(), trainer.lr_factor()), (4, 0.5));
    let rows = table(dir.path());
    assert_eq!(column(&rows, 0), ["1", "2", "3", "4"]);
    assert_eq!(column(&rows, 13), ["0"; 4]);
    assert_eq!(column(&rows, 14), ["1"; 4]);
}

#[test]
fn on_nonfinite_stop_ends_the_run_with_a_clear_error_and_keeps_the_last_good_checkpoint() {
    let mut config = tiny(6);
    config.train.on_nonfinite = OnNonFinite::Stop;
    config.train.nonfinite_limit = 2;
    config.train.inject_nonfinite = vec![3, 4];
    let dir = tempfile::tempdir().unwrap();
    let err = try_run(dir.path(), &config, false, None).err().unwrap();
    assert!(matches!(err, TrainError::NonFinite(_)), "{err:?}");
    let text = err.to_string();
    for needle in ["updates 3 to 4", "NaN", "\"stop\"", "update 2", "--resume"] {
        assert!(text.contains(needle), "'{needle}' missing from: {text}");
    }
    assert_eq!(column(&table(dir.path()), 13), ["0", "0", "1", "1"]);
    let newest = checkpoint::list(&dir.path().join("checkpoints")).unwrap();
    assert_eq!(
        newest.last().unwrap().0,
        2,
        "no checkpoint during the streak"
    );

    // With roll-backs allowed but none left, the run stops the same way.
    config.train.on_nonfinite = OnNonFinite::Rollback;
    config.train.max_rollbacks = 0;
    let dir = tempfile::tempdir().unwrap();
    let err = try_run(dir.path(), &config, false, None).err().unwrap();
    assert!(err.to_string().contains("train.max_rollbacks"), "{err}");
}

#[test]
fn weights_with_nan_are_never_written() {
    tch::set_num_threads(1);
    let config = tiny(1);
    let trainer = lsnn_rl_a2c::trainer(config.clone(), dist(&config.env), Device::Cpu).unwrap();
    {
        let _guard = tch::no_grad_guard();
        let mut vars = trainer.agent().var_store().variables();
        let (_, first) = vars.iter_mut().next().unwrap();
        let _ = first.fill_(f64::NAN);
    }
    assert!(!checkpoint::weights_finite(&trainer));
    let dir = tempfile::tempdir().unwrap();
    let ckpts = dir.path().join("checkpoints");
    let err = checkpoint::save(&ckpts, &trainer, 0, NonFiniteRecord::default()).unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
    assert!(!ckpts.exists() || std::fs::read_dir(&ckpts).unwrap().next().is_none());
}
