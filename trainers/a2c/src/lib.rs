//! Synchronous advantage actor-critic (A2C) for recurrent, spiking or not,
//! policies across task distributions (meta-RL).
//!
//! One update samples B tasks, rolls out B trials in lockstep (the recurrent
//! state carried through all episodes of a trial), backpropagates through
//! each trial (or through chunks of it, state carried and detached), and
//! takes one Adam step. Data flows one way: [`RunConfig`] -> task
//! distribution and network -> [`Trainer`] -> [`recorder`] (CSV) and
//! [`checkpoint`] (safetensors).

pub mod adam;
pub mod checkpoint;
pub mod config;
pub mod recorder;
pub mod returns;
pub mod rollout;
pub mod run;
pub mod storage;
pub mod trainer;

pub use config::{Advantage, Bptt, ConfigError, OnNonFinite, RunConfig, Schedule, TrainConfig};
pub use rollout::ActionMode;
pub use trainer::{EpisodeLog, EvalSummary, LogRow, PhaseTimes, SpikeEvent, Trainer, UpdateStats};

/// Everything that can stop training or evaluation.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The network could not be built.
    #[error(transparent)]
    Agent(#[from] lsnn_rl_neural::ConfigError),
    /// The environment rejected something.
    #[error("environment: {0}")]
    Env(String),
    /// A checkpoint is missing, corrupt or does not fit.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// Losses, gradients or weights were NaN or infinite.
    #[error("non-finite numbers: {0}")]
    NonFinite(String),
    /// A run stopped part-way; the message says from where it resumes.
    #[error("{0}")]
    Resumable(String),
    /// LibTorch failed.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl From<lsnn_rl_env::EnvError> for TrainError {
    fn from(e: lsnn_rl_env::EnvError) -> Self {
        TrainError::Env(e.to_string())
    }
}
