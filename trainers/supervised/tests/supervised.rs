//! Supervised learning-to-learn end to end on small seeded function
//! families: a small LSNN learns to learn within the test budget, both
//! backward passes give the same updates, the same seed gives the same
//! weights, a resumed run equals an uninterrupted one, and mismatched
//! tasks are refused.

use std::sync::Arc;

use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::AgentKind;
use lsnn_rl_supervised::Supervised;
use lsnn_rl_trainer::run::{Progress, RunDir, Start, train};
use lsnn_rl_trainer::{
    ActionMode, Algo, Bptt, EpisodeLog, EvalSummary, RunConfig, Trainer, UpdateStats,
};
use tch::Device;

fn dist(spec: &str) -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_functions::register(&mut registry).unwrap();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    Arc::from(registry.make(spec).unwrap())
}

/// A small LSNN on random linear maps, 10 examples per trial.
fn small_config(seed: u64) -> RunConfig {
    let mut config = RunConfig::new("function-linear:examples=10", AgentKind::Lsnn, seed);
    config.agent.n_lif = 20;
    config.agent.n_alif = 20;
    config.train.algo = Algo::Supervised;
    config.train.batch = 16;
    config.train.updates = 300;
    config.train.lr = 0.01;
    config.train.lr_final = 0.003;
    config.train.eval_every = 0;
    config.train.checkpoint_every = 2;
    config.train.keep_checkpoints = 0;
    config
}

fn trainer(config: RunConfig) -> Trainer {
    let dist = dist(&config.env);
    Trainer::new(
        config.validated().unwrap(),
        dist,
        Device::Cpu,
        Box::new(Supervised::new()),
    )
    .unwrap()
}

/// Mean squared error per examples seen (the step index), over 300 trials
/// of a seed training never draws.
fn error_curve(trainer: &Trainer) -> Vec<f64> {
    let mut log = EpisodeLog::default();
    let dist = trainer.distribution().clone();
    trainer
        .evaluate(dist.as_ref(), 300, 99, ActionMode::Sample, Some(&mut log))
        .unwrap();
    let steps = log.rows.iter().map(|r| r.step).max().unwrap() + 1;
    let mut sums = vec![0.0; steps];
    for row in &log.rows {
        // The reward is minus the squared error of the step's prediction.
        sums[row.step] -= row.reward / 300.0;
    }
    sums
}

#[test]
fn a_small_lsnn_learns_to_learn_linear_maps() {
    tch::set_num_threads(1);
    let mut trainer = trainer(small_config(1));
    let before = error_curve(&trainer);
    for _ in 0..trainer.config().train.updates {
        let stats = trainer.update().unwrap();
        assert!(!stats.skipped && stats.mse.unwrap().is_finite());
    }
    let after = error_curve(&trainer);
    let late = |c: &[f64]| c[5..].iter().sum::<f64>() / 5.0;
    // Predicting the family's mean (0) scores its variance, 1/3 + 1/4; with
    // fixed weights the trained network must do much better once it has
    // seen a few examples of the map, and much better than before training.
    assert!(
        (0.45..0.75).contains(&after[0]),
        "no example yet: {after:?}"
    );
    assert!(
        late(&after) < 0.7 * after[0],
        "no learning within the trial: {after:?}"
    );
    assert!(
        late(&after) < 0.7 * late(&before),
        "before {before:?} after {after:?}"
    );
}

#[test]
fn manual_and_autograd_backward_passes_give_the_same_updates() {
    tch::set_num_threads(1);
    let run = |bptt| {
        let mut config = small_config(3);
        config.train.bptt = bptt;
        config.train.rate_weight = 0.5;
        config.train.truncate = 4;
        let mut trainer = trainer(config);
        let stats: Vec<UpdateStats> = (0..2).map(|_| trainer.update().unwrap()).collect();
        (trainer.weights().unwrap(), stats)
    };
    let (manual_w, manual_s) = run(Bptt::Manual);
    let (auto_w, auto_s) = run(Bptt::Autograd);
    for (m, a) in manual_s.iter().zip(&auto_s) {
        let (m_mse, a_mse) = (m.mse.unwrap(), a.mse.unwrap());
        assert!(
            (m_mse - a_mse).abs() < 1e-5 * a_mse,
            "mse {m_mse} vs {a_mse}"
        );
        let rel = (m.grad_norm - a.grad_norm).abs() / a.grad_norm;
        assert!(
            rel < 1e-4,
            "gradient norms {} vs {}",
            m.grad_norm,
            a.grad_norm
        );
        assert!(m.rate_lif.is_some() && m.rate_alif.is_some());
    }
    for ((name, m), (_, a)) in manual_w.iter().zip(&auto_w) {
        let diff: f32 = m
            .iter()
            .zip(a)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-4, "{name}: weights differ by {diff}");
    }
}

#[test]
fn an_lstm_and_a_gru_train_by_autograd() {
    tch::set_num_threads(1);
    for kind in [AgentKind::Lstm, AgentKind::Gru] {
        let mut config = small_config(2);
        config.agent.kind = kind;
        config.agent.hidden = 16;
        let mut trainer = trainer(config);
        assert!(!trainer.uses_manual_bptt());
        let first = trainer.update().unwrap();
        let mut last = first.clone();
        for _ in 0..60 {
            last = trainer.update().unwrap();
        }
        assert!(first.grad_norm > 0.0 && last.rate_lif.is_none());
        assert!(
            last.mse.unwrap() < first.mse.unwrap(),
            "{kind:?}: {first:?} {last:?}"
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_weights_bit_for_bit() {
    tch::set_num_threads(1);
    let run = |seed| {
        let mut trainer = trainer(small_config(seed));
        for _ in 0..3 {
            trainer.update().unwrap();
        }
        trainer.weights().unwrap()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

struct StopAfter(Option<usize>);

impl Progress for StopAfter {
    fn update(&mut self, stats: &UpdateStats, _: Option<&EvalSummary>, _: usize) -> bool {
        self.0 != Some(stats.update)
    }
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    tch::set_num_threads(1);
    let mut config = small_config(4);
    config.train.updates = 5;
    let dist = dist(&config.env);
    let go = |dir: &std::path::Path, start: Start, stop: Option<usize>| {
        train(
            &RunDir::new(dir),
            start,
            dist.clone(),
            Device::Cpu,
            Box::new(Supervised::new()),
            &mut StopAfter(stop),
        )
        .unwrap()
    };
    let straight = tempfile::tempdir().unwrap();
    let full = go(
        straight.path(),
        Start::Fresh(config.clone().validated().unwrap()),
        None,
    );
    let split = tempfile::tempdir().unwrap();
    let stopped = go(
        split.path(),
        Start::Fresh(config.clone().validated().unwrap()),
        Some(2),
    );
    assert_eq!(stopped.updates_done(), 2);
    let resumed = go(
        split.path(),
        Start::Resume(config.validated().unwrap()),
        None,
    );
    assert_eq!(resumed.updates_done(), 5);
    assert_eq!(full.weights().unwrap(), resumed.weights().unwrap());
    let csv = std::fs::read_to_string(split.path().join("train.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let mse = header.iter().position(|&c| c == "mse").unwrap();
    for row in csv.lines().skip(1) {
        let value: f64 = row.split(',').nth(mse).unwrap().parse().unwrap();
        assert!(value > 0.0 && value.is_finite(), "{row}");
    }
    assert_eq!(csv.lines().count(), 6);
}

#[test]
fn tasks_and_algorithms_that_do_not_fit_are_refused() {
    // Supervised training on a reward task.
    let mut config = small_config(1);
    config.env = "bandit-bernoulli:arms=2,pulls=5".into();
    let err = Trainer::new(
        config.clone().validated().unwrap(),
        dist(&config.env),
        Device::Cpu,
        Box::new(Supervised::new()),
    )
    .err()
    .expect("a reward task is refused")
    .to_string();
    assert!(
        err.contains("train.algo") && err.contains("reward task"),
        "{err}"
    );
    // An RL algorithm on a task with targets.
    let mut config = small_config(1);
    config.train.algo = Algo::A2c;
    let err = Trainer::new(
        config.clone().validated().unwrap(),
        dist(&config.env),
        Device::Cpu,
        Box::new(lsnn_rl_a2c::A2c::new()),
    )
    .err()
    .expect("a mismatch is an error")
    .to_string();
    assert!(
        err.contains("train.algo") && err.contains("supervised task"),
        "{err}"
    );
}

#[test]
fn a_non_finite_update_is_skipped_and_a_streak_rolls_back() {
    tch::set_num_threads(1);
    let mut config = small_config(6);
    config.train.updates = 8;
    config.train.nonfinite_limit = 2;
    config.train.inject_nonfinite = vec![5, 6];
    let dir = tempfile::tempdir().unwrap();
    let dist = dist(&config.env);
    let trainer = train(
        &RunDir::new(dir.path()),
        Start::Fresh(config.validated().unwrap()),
        dist,
        Device::Cpu,
        Box::new(Supervised::new()),
        &mut StopAfter(None),
    )
    .unwrap();
    assert_eq!(trainer.updates_done(), 8);
    // The streak of two rolled back to the checkpoint of update 4 with half
    // the learning rate; every row of train.csv is a finite, applied update.
    assert_eq!(trainer.lr_factor(), 0.5);
    let csv = std::fs::read_to_string(dir.path().join("train.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|&c| c == name).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|r| r[at("skipped")] == "0"));
    assert_eq!(rows[7][at("rollbacks")], "1");
    assert!(lsnn_rl_trainer::checkpoint::weights_finite(&trainer));
}
