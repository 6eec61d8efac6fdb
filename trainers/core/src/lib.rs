//! What every lsnn-rl trainer shares, whatever its update rule.
//!
//! A run is a [`RunConfig`] (parsed and validated once), a task distribution
//! and a network ([`lsnn_rl_neural::ActorCritic`]) trained by a [`Trainer`]:
//! the network, its optimiser ([`adam::Adam`] with saved moments), the
//! counters, and an [`Algorithm`] that computes one update. Everything else
//! is here and the same for every algorithm:
//!
//! - [`run`]: the run directory, its lock, starting, resuming (with the
//!   choice of schedule when a finished run is extended), the non-finite
//!   policy (skip, roll back, stop), periodic evaluation and checkpointing;
//! - [`checkpoint`]: weights and optimiser moments as safetensors with a
//!   JSON sidecar of hashes; [`recorder`]: `train.csv` and `eval.csv`;
//! - [`rollout`]: B trials stepped in lockstep with the meta-RL inputs, and
//!   action choice; [`returns`]: GAE and n-step returns;
//! - [`eval`]: evaluation with fixed weights, the CPU kernel where training
//!   uses it; [`probe`] and [`lesion`]: the state recorded at every step of
//!   an evaluation, and a part of it cut from a chosen step on; [`memory`]: the memory a network will need, checked before it
//!   is built.
//!
//! Data flows one way: configuration -> task distribution and network ->
//! trainer -> recorder (CSV) and checkpoints.
//!
//! ```
//! use std::sync::Arc;
//! use lsnn_rl_trainer::{Algorithm, RunConfig, Trainer, UpdateContext, UpdateReport, TrainError};
//!
//! /// An "algorithm" that computes no gradient: the weights never move.
//! struct Frozen;
//! impl Algorithm for Frozen {
//!     fn name(&self) -> &'static str { "frozen" }
//!     fn update(&mut self, ctx: &mut UpdateContext<'_>) -> Result<UpdateReport, TrainError> {
//!         let steps = ctx.play_fixed(&lsnn_rl_env::Action::Discrete(0))?;
//!         Ok(UpdateReport { env_steps: steps, ..UpdateReport::default() })
//!     }
//! }
//!
//! let mut registry = lsnn_rl_env::Registry::new();
//! lsnn_rl_bandits::register(&mut registry).unwrap();
//! let mut config = RunConfig::new("bandit-dependent:pulls=10", lsnn_rl_neural::AgentKind::Lsnn, 7);
//! config.train.batch = 4;
//! let dist = Arc::from(registry.make(&config.env).unwrap());
//! let config = config.validated().unwrap();
//! let mut trainer = Trainer::new(config, dist, tch::Device::Cpu, Box::new(Frozen)).unwrap();
//! let stats = trainer.update().unwrap();
//! assert_eq!((stats.update, stats.env_steps), (1, 40));
//! ```

pub mod adam;
pub mod algorithm;
pub mod checkpoint;
pub mod config;
pub mod cpu_loss;
pub mod eval;
pub mod lesion;
pub mod lock;
pub mod memory;
pub mod penalty;
pub mod probe;
pub mod recorder;
pub mod records;
pub mod returns;
pub mod rollout;
pub mod run;
pub mod trainer;

pub use algorithm::{Algorithm, UpdateContext, UpdateReport};
pub use config::{
    Advantage, Algo, Bptt, ConfigError, OnNonFinite, RatePenalty, RunConfig, Schedule,
    ScheduleChoice, TrainConfig, ValidRunConfig,
};
pub use records::{EpisodeLog, EvalSummary, LogRow, PhaseTimes, SpikeEvent, UpdateStats};
pub use rollout::ActionMode;
pub use trainer::Trainer;

/// Everything that can stop training or evaluation. Each variant keeps its
/// cause as [`std::error::Error::source`], so the command line can print
/// the whole chain on one line.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The network could not be built.
    #[error(transparent)]
    Agent(#[from] lsnn_rl_neural::ConfigError),
    /// The environment rejected something.
    #[error("environment")]
    Env(#[from] lsnn_rl_env::EnvError),
    /// A checkpoint is missing, corrupt or does not fit.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A file could not be read or written.
    #[error("{context}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written atomically.
    #[error(transparent)]
    Write(#[from] lsnn_rl_env::storage::WriteError),
    /// The run directory does not hold what the request needs, or is
    /// locked by another process (the message says which and what to do).
    #[error("{0}")]
    RunDir(String),
    /// The network would not fit in memory.
    #[error(transparent)]
    Memory(#[from] memory::MemoryError),
    /// Losses, gradients or weights were NaN or infinite.
    #[error("non-finite numbers: {0}")]
    NonFinite(String),
    /// A run stopped part-way; the message says from where it resumes.
    #[error("{0}")]
    Resumable(String),
    /// The network could not take a step.
    #[error(transparent)]
    Net(#[from] lsnn_rl_neural::NetError),
    /// An evaluation probe asked for something the network lacks (a lesion
    /// of a part it does not have); the message says what it has.
    #[error("{0}")]
    Probe(String),
    /// LibTorch failed.
    #[error("libtorch")]
    Torch(#[from] tch::TchError),
}

impl TrainError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        TrainError::Io {
            context: context.into(),
            source,
        }
    }
}

/// An error and its causes on one line, outermost first, joined by ": "
/// (as the command line prints them).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        let more = e.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = e.source();
    }
    text
}
