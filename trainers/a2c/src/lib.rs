//! Synchronous advantage actor-critic (A2C) for recurrent, spiking or not,
//! policies across task distributions (meta-RL): the update rule only; the
//! run machinery (run directory, checkpoints, records, optimiser,
//! evaluation) is `lsnn-rl-trainer`'s.
//!
//! One update rolls out the B trials the trainer started, in lockstep (the
//! recurrent state carried through all episodes of a trial), backpropagates
//! through each trial (or through chunks of it, state carried and detached)
//! and takes one optimiser step:
//!
//! - `chunk`: how the trials are cut and what each chunk records;
//! - `autograd`: the tensor network, gradients by LibTorch's autograd;
//! - `manual`: the CPU kernel with its hand-derived backward pass;
//! - `loss`: the actor-critic loss (the firing-rate penalty and its gradient
//!   are `lsnn_rl_trainer::penalty`'s).
//!
//! ```
//! use std::sync::Arc;
//! use lsnn_rl_a2c::{A2c, RunConfig, Trainer};
//!
//! let mut registry = lsnn_rl_env::Registry::new();
//! lsnn_rl_bandits::register(&mut registry).unwrap();
//! let mut config = RunConfig::new("bandit-dependent:pulls=10", lsnn_rl_neural::AgentKind::Lsnn, 3);
//! config.train.batch = 8;
//! let dist = Arc::from(registry.make(&config.env).unwrap());
//! let config = config.validated().unwrap();
//! let mut trainer = Trainer::new(config, dist, tch::Device::Cpu, Box::new(A2c::new())).unwrap();
//! let stats = trainer.update().unwrap();
//! assert_eq!(stats.env_steps, 80);
//! assert!(stats.grad_norm > 0.0 && !stats.skipped);
//! ```

mod autograd;
mod chunk;
mod loss;
mod manual;
pub mod run;
mod update;

use lsnn_rl_neural::{ActorCritic, Tape};
use tch::Device;

pub use lsnn_rl_trainer::{
    ActionMode, Advantage, Algorithm, Bptt, ConfigError, EpisodeLog, EvalSummary, LogRow,
    OnNonFinite, PhaseTimes, RunConfig, Schedule, SpikeEvent, TrainConfig, TrainError, Trainer,
    UpdateStats, ValidRunConfig, adam, checkpoint, config, lesion, probe, recorder, returns,
    rollout,
};

/// The A2C algorithm, with buffers it reuses from update to update.
#[derive(Default)]
pub struct A2c {
    buffers: Buffers,
}

impl A2c {
    /// A2C with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A trainer for `config` (checked here) that updates by A2C.
pub fn trainer(
    config: RunConfig,
    dist: std::sync::Arc<dyn lsnn_rl_env::TaskDistribution>,
    device: Device,
) -> Result<Trainer, TrainError> {
    Trainer::new(config.validated()?, dist, device, Box::new(A2c::new()))
}

/// Buffers the manual backward pass keeps between updates (no fresh pages
/// every update).
#[derive(Default)]
pub(crate) struct Buffers {
    /// The CPU kernel's recording buffers.
    tape: Tape,
    /// The features of a chunk, then their gradients.
    features: Vec<f32>,
}

/// The network and what an update reads of the run, for the loss and the
/// backward passes.
#[derive(Clone, Copy)]
pub(crate) struct Net<'a> {
    pub agent: &'a ActorCritic,
    pub config: &'a RunConfig,
    pub device: Device,
}
