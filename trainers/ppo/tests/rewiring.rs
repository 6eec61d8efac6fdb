//! Deep R rewiring end to end, for every trainer (A2C, PPO, and the
//! supervised trainer on a function family) and both
//! backward passes (the CPU kernel's and autograd): the number of existing
//! synapses never changes, no weight changes sign, dormant weights are
//! exactly zero in every checkpoint, the same seed rewires the same
//! synapses, and a resumed run equals an uninterrupted one.

use std::sync::Arc;

use lsnn_rl_env::{Registry, TaskDistribution};
use lsnn_rl_neural::AgentKind;
use lsnn_rl_neural::connectivity::Synapses;
use lsnn_rl_ppo::Ppo;
use lsnn_rl_trainer::run::{Progress, RunDir, Start, train};
use lsnn_rl_trainer::{Algo, Bptt, EvalSummary, RunConfig, Trainer, UpdateStats, checkpoint};
use tch::{Device, Tensor};

fn dist(spec: &str) -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    lsnn_rl_functions::register(&mut registry).unwrap();
    Arc::from(registry.make(spec).unwrap())
}

/// A small sparse LSNN with Dale's law and rewiring. A high learning rate
/// and some noise, so that synapses really go dormant in a few updates.
fn sparse_config(seed: u64, algo: Algo, bptt: Bptt) -> RunConfig {
    let env = match algo {
        Algo::Supervised => "function-linear:examples=10",
        Algo::A2c | Algo::Ppo => "bandit-dependent:pulls=10",
    };
    let mut config = RunConfig::new(env, AgentKind::Lsnn, seed);
    config.agent.n_lif = 12;
    config.agent.n_alif = 12;
    config.agent.connectivity = 0.2;
    config.agent.input_connectivity = 0.5;
    config.agent.dale = true;
    config.train.rewiring = true;
    config.train.rewiring_temperature = 1e-4;
    config.train.rewiring_l1 = 0.5;
    config.train.algo = algo;
    config.train.bptt = bptt;
    config.train.batch = 8;
    config.train.ppo_minibatches = 2;
    config.train.ppo_epochs = 2;
    config.train.updates = 6;
    config.train.lr = 0.03;
    config.train.lr_final = 0.03;
    config.train.eval_every = 0;
    config.train.checkpoint_every = 1;
    config.train.keep_checkpoints = 0;
    config
}

fn trainer(config: RunConfig) -> Trainer {
    let dist = dist(&config.env);
    match config.train.algo {
        Algo::A2c => lsnn_rl_a2c::trainer(config, dist, Device::Cpu).unwrap(),
        Algo::Ppo => Trainer::new(
            config.validated().unwrap(),
            dist,
            Device::Cpu,
            Box::new(Ppo::new()),
        )
        .unwrap(),
        Algo::Supervised => lsnn_rl_supervised::trainer(config, dist, Device::Cpu).unwrap(),
    }
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten(0, -1).try_into().unwrap()
}

/// Checks the invariants of one matrix against its initial signs and count.
fn check_matrix(label: &str, synapses: &Synapses, weights: &[f32], first: &Synapses) {
    assert_eq!(
        synapses.existing(),
        first.existing(),
        "{label}: synapse count"
    );
    assert_eq!(synapses.sign(), first.sign(), "{label}: signs are fixed");
    for (k, &w) in weights.iter().enumerate() {
        if synapses.exists()[k] == 0.0 {
            assert_eq!(w, 0.0, "{label}: dormant entry {k} holds {w}");
        } else {
            assert!(
                w * synapses.sign()[k] > 0.0,
                "{label}: entry {k} = {w} against its sign"
            );
        }
    }
}

#[test]
fn rewiring_keeps_synapse_count_and_signs_in_both_trainers_and_backward_passes() {
    tch::set_num_threads(1);
    for algo in [Algo::A2c, Algo::Ppo, Algo::Supervised] {
        for bptt in [Bptt::Manual, Bptt::Autograd] {
            let label = format!("{algo:?} {bptt:?}");
            let mut trainer = trainer(sparse_config(1, algo, bptt));
            let (input0, recurrent0) = trainer.agent().synapses().unwrap().unwrap();
            let mut rewired = 0;
            let mut moved = false;
            for _ in 0..6 {
                let stats = trainer.update().unwrap();
                assert!(!stats.skipped, "{label}");
                rewired += stats.rewired.unwrap();
                assert_eq!(
                    stats.synapses,
                    Some((input0.existing() + recurrent0.existing()) as u64)
                );
                let agent = trainer.agent();
                let (input, recurrent) = agent.synapses().unwrap().unwrap();
                check_matrix(&label, &input, &values(agent.w_in().unwrap()), &input0);
                check_matrix(
                    &label,
                    &recurrent,
                    &values(agent.w_rec().unwrap()),
                    &recurrent0,
                );
                moved |= recurrent.exists() != recurrent0.exists();
            }
            assert!(rewired > 0 && moved, "{label}: nothing was rewired");
        }
    }
}

/// Reports nothing; stops after `stop_after` updates, if set.
struct Quiet {
    stop_after: Option<usize>,
}

impl Progress for Quiet {
    fn update(&mut self, stats: &UpdateStats, _: Option<&EvalSummary>, _: usize) -> bool {
        self.stop_after != Some(stats.update)
    }
}

fn run_to(
    dir: &std::path::Path,
    config: &RunConfig,
    start: bool,
    stop_after: Option<usize>,
) -> Trainer {
    let valid = config.clone().validated().unwrap();
    let how = if start {
        Start::Fresh(valid)
    } else {
        Start::Resume(valid)
    };
    let algorithm: Box<dyn lsnn_rl_trainer::Algorithm> = match config.train.algo {
        Algo::A2c => Box::new(lsnn_rl_a2c::A2c::new()),
        Algo::Ppo => Box::new(Ppo::new()),
        Algo::Supervised => Box::new(lsnn_rl_supervised::Supervised::new()),
    };
    train(
        &RunDir::new(dir),
        how,
        dist(&config.env),
        Device::Cpu,
        algorithm,
        &mut Quiet { stop_after },
    )
    .unwrap()
}

#[test]
fn checkpoints_keep_dormant_weights_at_zero_and_a_resumed_run_replays() {
    tch::set_num_threads(1);
    for algo in [Algo::A2c, Algo::Ppo, Algo::Supervised] {
        let config = sparse_config(2, algo, Bptt::Auto);
        let straight = tempfile::tempdir().unwrap();
        let full = run_to(straight.path(), &config, true, None);
        // Every checkpoint: the same number of synapses, dormant weights zero.
        let mut counts = Vec::new();
        for (_, sidecar) in checkpoint::list(&straight.path().join("checkpoints")).unwrap() {
            let saved = checkpoint::load(&sidecar).unwrap();
            for matrix in ["w_in", "w_rec"] {
                let w = values(&saved.weights[&format!("core.{matrix}")]);
                let exists = values(&saved.weights[&format!("core.{matrix}_exists")]);
                for (w, e) in w.iter().zip(&exists) {
                    assert!(
                        *e == 1.0 || *w == 0.0,
                        "{algo:?} {matrix}: dormant weight {w}"
                    );
                }
                counts.push((matrix, exists.iter().filter(|e| **e == 1.0).count()));
            }
        }
        assert_eq!(counts.len(), 12, "{algo:?}: six checkpoints");
        for pair in counts.chunks(2).collect::<Vec<_>>().windows(2) {
            assert_eq!(
                pair[0], pair[1],
                "{algo:?}: counts change between checkpoints"
            );
        }
        // Stopped after update 3 and resumed: the same weights and synapses.
        let split = tempfile::tempdir().unwrap();
        run_to(split.path(), &config, true, Some(3));
        let resumed = run_to(split.path(), &config, false, None);
        assert_eq!(resumed.updates_done(), 6);
        assert_eq!(
            full.weights().unwrap(),
            resumed.weights().unwrap(),
            "{algo:?}"
        );
        // The same seed rewires the same synapses; another seed others.
        let again = run_to(tempfile::tempdir().unwrap().path(), &config, true, None);
        assert_eq!(full.weights().unwrap(), again.weights().unwrap());
        let other = run_to(
            tempfile::tempdir().unwrap().path(),
            &sparse_config(3, algo, Bptt::Auto),
            true,
            None,
        );
        let synapses = |t: &Trainer| t.agent().synapses().unwrap().unwrap().1;
        assert_ne!(synapses(&full), synapses(&other));
    }
}
