//! Supervised learning-to-learn (Bellec et al. 2018, section 3): a
//! recurrent network, spiking or not, trained across a family of functions
//! (`lsnn-rl-functions`) by backpropagation through time of the squared
//! error of its predictions, so that with fixed weights it learns a new
//! function from the examples of one trial. The update rule only; the run
//! machinery (run directory, checkpoints, exact resume, records, the
//! non-finite policy, evaluation) is `lsnn-rl-trainer`'s.
//!
//! One update plays the B trials the trainer started, each on its own
//! function: at every step the network sees x_t and the previous target,
//! and its policy head's output (the Gaussian head's mean, no noise) is
//! the prediction of f(x_t). The loss is the mean over steps and trials
//! of (prediction - target)^2, plus the firing-rate penalty of spiking
//! networks; the gradient comes from the CPU kernel's hand-derived
//! backward pass where the spiking agents use it for RL (`train.bptt`),
//! else from LibTorch's autograd; one optimiser step follows. With
//! `train.truncate` the trials are cut into chunks (state carried,
//! gradient stopped), as in A2C.
//!
//! ```
//! use std::sync::Arc;
//! use lsnn_rl_supervised::{RunConfig, Supervised, Trainer};
//!
//! let mut registry = lsnn_rl_env::Registry::new();
//! lsnn_rl_functions::register(&mut registry).unwrap();
//! let mut config = RunConfig::new("function-sine:examples=10", lsnn_rl_neural::AgentKind::Lsnn, 3);
//! config.train.algo = lsnn_rl_trainer::Algo::Supervised;
//! config.train.batch = 8;
//! let dist = Arc::from(registry.make(&config.env).unwrap());
//! let config = config.validated().unwrap();
//! let mut trainer = Trainer::new(config, dist, tch::Device::Cpu, Box::new(Supervised::new())).unwrap();
//! let stats = trainer.update().unwrap();
//! assert_eq!(stats.env_steps, 80);
//! assert!(stats.mse.unwrap() > 0.0 && stats.grad_norm > 0.0);
//! ```

mod autograd;
mod manual;
mod update;

use lsnn_rl_neural::Tape;
use tch::Device;

pub use lsnn_rl_trainer::{RunConfig, TrainError, Trainer};

/// The supervised algorithm, with buffers it reuses from update to update.
#[derive(Default)]
pub struct Supervised {
    /// The CPU kernel's recording buffers.
    tape: Tape,
    /// The features of a chunk.
    features: Vec<f32>,
}

impl Supervised {
    /// The algorithm with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A trainer for `config` (checked here) that updates by supervised BPTT.
pub fn trainer(
    config: RunConfig,
    dist: std::sync::Arc<dyn lsnn_rl_env::TaskDistribution>,
    device: Device,
) -> Result<Trainer, TrainError> {
    Trainer::new(
        config.validated()?,
        dist,
        device,
        Box::new(Supervised::new()),
    )
}

/// How one update cuts its trials for backpropagation.
#[derive(Clone, Copy)]
pub(crate) struct Chunks {
    /// Steps per chunk (the whole trial without `train.truncate`).
    pub len: usize,
    /// What the summed squared error is divided by: B x trial steps.
    pub denom: f64,
}

/// What the chunks of one update record and add up.
#[derive(Default)]
pub(crate) struct Totals {
    /// Sum over played steps of the squared error.
    pub squared_error: f64,
    /// Steps played.
    pub steps: u64,
    /// Mean LIF and ALIF rates, each weighted by its chunk's length.
    pub rates: lsnn_rl_trainer::penalty::RateSums,
    pub rollout: std::time::Duration,
    pub backward: std::time::Duration,
}

/// Plays one step of every running trial with the network's predictions
/// (clamped into the action space; the loss uses them unclamped) and
/// records the targets the trials report; `mask` is 1 where a trial ran.
pub(crate) fn play_predictions(
    batch: &mut lsnn_rl_trainer::rollout::Batch,
    predictions: &[f32],
    targets: &mut Vec<f32>,
    mask: &mut Vec<f32>,
) -> Result<u64, TrainError> {
    let lsnn_rl_env::Space::Box(bounds) = batch.action_space().clone() else {
        return Err(TrainError::Env(lsnn_rl_env::EnvError::Unsupported {
            env: "supervised training".to_string(),
            what: "a discrete action space: the network's output is a prediction".to_string(),
        }));
    };
    let d = bounds.low.len();
    let mut played = 0;
    for b in 0..batch.len() {
        let row = &predictions[b * d..(b + 1) * d];
        let action = lsnn_rl_env::Action::Continuous(
            row.iter()
                .zip(bounds.low.iter().zip(&bounds.high))
                // A non-finite prediction plays 0: its loss is not finite, so the
                // trainer's non-finite policy deals with the update.
                .map(|(&p, (&lo, &hi))| if p.is_finite() { p.clamp(lo, hi) } else { 0.0 })
                .collect(),
        );
        match batch.step(b, &action)? {
            Some((_, _, info)) => {
                let target = info.get(lsnn_rl_env::TARGET).ok_or_else(|| {
                    TrainError::Env(lsnn_rl_env::EnvError::Unsupported {
                        env: "supervised training".to_string(),
                        what: format!(
                            "a step without a '{}' in its info: the task must report the value to predict",
                            lsnn_rl_env::TARGET
                        ),
                    })
                })?;
                targets.push(target as f32);
                mask.push(1.0);
                played += 1;
            }
            None => {
                targets.push(0.0);
                mask.push(0.0);
            }
        }
    }
    Ok(played)
}
