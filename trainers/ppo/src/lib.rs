//! Proximal policy optimisation (PPO) for recurrent policies, spiking or
//! not, across task distributions (meta-RL): the update rule only; the run
//! machinery is `lsnn-rl-trainer`'s, and [`Ppo`] implements its `Algorithm`.
//!
//! One update plays the B trials the trainer started to their end with the
//! current weights (no gradient), computes GAE advantages over each whole
//! trial (episodes inside a trial do not cut the return), normalises them
//! over the update, then makes `train.ppo_epochs` passes over the trials in
//! `train.ppo_minibatches` minibatches of whole trials. Each minibatch is
//! re-run from the trial start with the current weights (no stored hidden
//! state goes stale across epochs), and its loss
//!
//! ```text
//! -min(r A, clip(r, 1 - eps, 1 + eps) A) + value weight x 0.5 (V - target)^2
//!     - entropy weight x entropy (+ the firing-rate penalty)
//! ```
//!
//! with `r` the probability ratio to the rollout's policy, is followed by one
//! optimiser step. The value may be clipped to within `train.ppo_value_clip`
//! of the rollout's value. Gradients come from autograd or, for spiking
//! cores on the CPU, from the kernel's hand-derived backward pass.
//! train.csv's `approx_kl` and `clip_fraction` report how far each update
//! moved the policy.
//!
//! ```
//! use std::sync::Arc;
//! use lsnn_rl_ppo::Ppo;
//! use lsnn_rl_trainer::{RunConfig, Trainer, Algo};
//!
//! let mut registry = lsnn_rl_env::Registry::new();
//! lsnn_rl_bandits::register(&mut registry).unwrap();
//! let mut config = RunConfig::new("bandit-dependent:pulls=10", lsnn_rl_neural::AgentKind::Lsnn, 3);
//! config.train.algo = Algo::Ppo;
//! config.train.batch = 8;
//! config.train.ppo_minibatches = 2;
//! let dist = Arc::from(registry.make(&config.env).unwrap());
//! let config = config.validated().unwrap();
//! let mut trainer = Trainer::new(config, dist, tch::Device::Cpu, Box::new(Ppo::new())).unwrap();
//! let stats = trainer.update().unwrap();
//! assert_eq!(stats.env_steps, 80);
//! // One update moves the policy a little: a small KL from the rollout's
//! // policy, most ratios inside the clip range.
//! let (kl, clipped) = (stats.approx_kl.unwrap(), stats.clip_fraction.unwrap());
//! assert!(kl > 0.0 && kl < 0.05, "approx_kl {kl}");
//! assert!(clipped < 0.5, "clip_fraction {clipped}");
//! ```

mod forward;
mod rollout;
mod update;

use lsnn_rl_neural::Tape;

/// The PPO algorithm, with the CPU kernel's recording buffers it reuses
/// from minibatch to minibatch.
#[derive(Default)]
pub struct Ppo {
    tape: Tape,
}

impl Ppo {
    /// PPO with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }
}
