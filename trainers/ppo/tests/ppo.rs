//! PPO end to end on small seeded bandit problems: it learns, both backward
//! passes give the same updates, it is deterministic, a resumed run equals
//! an uninterrupted one, and its settings are checked.

use std::sync::Arc;

use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::AgentKind;
use lsnn_rl_ppo::Ppo;
use lsnn_rl_trainer::run::{Progress, RunDir, Start, train};
use lsnn_rl_trainer::{
    ActionMode, Algo, Bptt, EvalSummary, RunConfig, Schedule, Trainer, UpdateStats,
};
use tch::Device;

fn dist(spec: &str) -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    Arc::from(registry.make(spec).unwrap())
}

/// A small LSNN on the easy dependent bandit (p1 is 0.1 or 0.9), trained
/// by PPO: chance is 10 per 20-pull trial, the good arm pays 18.
fn small_config(seed: u64) -> RunConfig {
    let mut config = RunConfig::new(
        "bandit-dependent:difficulty=easy,pulls=20",
        AgentKind::Lsnn,
        seed,
    );
    config.agent.n_lif = 20;
    config.agent.n_alif = 20;
    config.train.algo = Algo::Ppo;
    config.train.batch = 16;
    config.train.ppo_minibatches = 2;
    config.train.ppo_epochs = 3;
    config.train.updates = 100;
    config.train.lr = 0.01;
    config.train.lr_final = 0.003;
    config.train.entropy_weight = 0.01;
    config.train.entropy_final = 0.0;
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
        Box::new(Ppo::new()),
    )
    .unwrap()
}

fn evaluate(trainer: &Trainer) -> EvalSummary {
    trainer
        .evaluate(
            trainer.distribution().as_ref(),
            200,
            99,
            ActionMode::Sample,
            None,
        )
        .unwrap()
}

#[test]
fn a_small_lsnn_learns_by_ppo() {
    tch::set_num_threads(1);
    let mut trainer = trainer(small_config(1));
    let before = evaluate(&trainer);
    let mut last = None;
    for _ in 0..100 {
        let stats = trainer.update().unwrap();
        assert!(!stats.skipped);
        last = Some(stats);
    }
    let after = evaluate(&trainer);
    assert!(
        (before.mean_total_reward - 10.0).abs() < 2.0,
        "untrained: {before:?}"
    );
    assert!(after.mean_total_reward > 14.0, "trained: {after:?}");
    let last = last.unwrap();
    let (kl, clipped) = (last.approx_kl.unwrap(), last.clip_fraction.unwrap());
    assert!(kl.is_finite() && kl >= 0.0, "approx_kl {kl}");
    assert!((0.0..=1.0).contains(&clipped), "clip_fraction {clipped}");
}

#[test]
fn a_small_lstm_learns_by_ppo() {
    // Its minibatches of whole trials re-run through one sequence operator.
    tch::set_num_threads(1);
    let mut config = small_config(1);
    config.agent.kind = AgentKind::Lstm;
    config.agent.hidden = 16;
    let mut trainer = trainer(config);
    let before = evaluate(&trainer);
    for _ in 0..100 {
        assert!(!trainer.update().unwrap().skipped);
    }
    let after = evaluate(&trainer);
    assert!(
        (before.mean_total_reward - 10.0).abs() < 2.0,
        "untrained: {before:?}"
    );
    assert!(after.mean_total_reward > 14.0, "trained: {after:?}");
}

#[test]
fn an_lstms_rerun_reproduces_its_rollout() {
    // One epoch over one minibatch: the re-run through the LSTM sequence
    // operator must give the rollout's probabilities (stepped by its cells)
    // to f32 rounding, so nothing is clipped and the KL is ~0.
    tch::set_num_threads(1);
    for k_steps in [1, 2] {
        let mut config = small_config(2);
        config.agent.kind = AgentKind::Lstm;
        config.agent.hidden = 16;
        config.agent.k_steps = k_steps;
        config.train.ppo_epochs = 1;
        config.train.ppo_minibatches = 1;
        let mut trainer = trainer(config);
        for _ in 0..3 {
            let stats = trainer.update().unwrap();
            let (kl, clipped) = (stats.approx_kl.unwrap(), stats.clip_fraction.unwrap());
            assert!(kl.abs() < 1e-6, "K={k_steps}: approx_kl {kl}");
            assert_eq!(clipped, 0.0, "K={k_steps}: clip_fraction");
        }
    }
}

#[test]
fn manual_and_autograd_backward_passes_give_the_same_updates() {
    tch::set_num_threads(1);
    let run = |bptt| {
        let mut config = small_config(3);
        config.train.bptt = bptt;
        config.train.rate_weight = 0.5;
        config.train.ppo_value_clip = 0.2;
        let mut trainer = trainer(config);
        let stats: Vec<UpdateStats> = (0..2).map(|_| trainer.update().unwrap()).collect();
        (trainer.weights().unwrap(), stats)
    };
    let (manual_w, manual_s) = run(Bptt::Manual);
    let (auto_w, auto_s) = run(Bptt::Autograd);
    for (m, a) in manual_s.iter().zip(&auto_s) {
        assert_eq!(m.mean_trial_reward, a.mean_trial_reward, "same actions");
        let rel = (m.grad_norm - a.grad_norm).abs() / a.grad_norm;
        assert!(
            rel < 1e-4,
            "gradient norms {} vs {}",
            m.grad_norm,
            a.grad_norm
        );
        let kl = (m.approx_kl.unwrap() - a.approx_kl.unwrap()).abs();
        assert!(
            kl < 1e-5,
            "approx_kl {:?} vs {:?}",
            m.approx_kl,
            a.approx_kl
        );
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
fn the_same_seed_gives_the_same_weights_bit_for_bit() {
    tch::set_num_threads(1);
    let run = |seed| {
        let mut trainer = trainer(small_config(seed));
        for _ in 0..2 {
            trainer.update().unwrap();
        }
        trainer.weights().unwrap()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

/// PPO's advantages take the update's scheduled discount: moving it from
/// 0.9 to 0 leaves the first update as the constant discount's and changes
/// the second.
#[test]
fn a_scheduled_discount_changes_the_updates_after_the_first() {
    tch::set_num_threads(1);
    let run = |schedule: Schedule| {
        let mut config = small_config(7);
        config.train.updates = 3;
        config.train.gamma_final = 0.0;
        config.train.gamma_schedule = schedule;
        let mut trainer = trainer(config);
        (0..2)
            .map(|_| {
                trainer.update().unwrap();
                trainer.weights().unwrap()
            })
            .collect::<Vec<_>>()
    };
    let constant = run(Schedule::Constant);
    let linear = run(Schedule::Linear);
    assert_eq!(constant[0], linear[0], "update 1 at gamma 0.9");
    assert_ne!(constant[1], linear[1], "update 2 at gamma 0.45");
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
            Box::new(Ppo::new()),
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
    let header = std::fs::read_to_string(split.path().join("train.csv")).unwrap();
    let header = header.lines().next().unwrap();
    assert!(
        header.ends_with("approx_kl,clip_fraction,rewired,synapses,mse"),
        "{header}"
    );
}

#[test]
fn ppo_settings_are_checked() {
    let mut config = small_config(1);
    config.train.truncate = 5;
    let err = config.validate().unwrap_err().to_string();
    assert!(
        err.contains("train.truncate") && err.contains("whole trials"),
        "{err}"
    );
    let mut config = small_config(1);
    config.train.ppo_minibatches = 17;
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("train.ppo_minibatches"), "{err}");
    let mut config = small_config(1);
    config.train.ppo_clip = 0.0;
    assert!(config.validate().is_err());
    let mut config = small_config(1);
    config.agent.input_encoding = lsnn_rl_neural::InputEncoding::Poisson;
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("agent.input_encoding"), "{err}");
    // A trainer refuses an algorithm other than the one its configuration names.
    let mut config = small_config(1);
    config.train.algo = Algo::A2c;
    let dist = dist(&config.env);
    let err = Trainer::new(
        config.validated().unwrap(),
        dist,
        Device::Cpu,
        Box::new(Ppo::new()),
    )
    .err()
    .expect("a mismatch is an error")
    .to_string();
    assert!(err.contains("train.algo") && err.contains("ppo"), "{err}");
}
