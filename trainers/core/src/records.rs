//! What updates and evaluations report: the figures of an update (a
//! `train.csv` row), the summary of an evaluation (the environment core's one
//! [`EvalSummary`], which baselines and sweeps report too), and its
//! step-by-step log.

pub use lsnn_rl_env::EvalSummary;
use lsnn_rl_env::Info;

/// What one update measured.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateStats {
    /// Updates done, this one included.
    pub update: usize,
    /// Environment steps taken so far in the run.
    pub env_steps: u64,
    /// Mean total reward of the update's trials.
    pub mean_trial_reward: f64,
    /// Mean total regret of the update's trials, where the task reports it.
    pub mean_regret: Option<f64>,
    /// Policy-gradient loss.
    pub policy_loss: f64,
    /// Value loss (0.5 x squared error).
    pub value_loss: f64,
    /// Mean policy entropy per step.
    pub entropy: f64,
    /// Gradient norm before clipping.
    pub grad_norm: f64,
    /// Mean firing rate of the LIF neurons, spikes per network step.
    pub rate_lif: Option<f64>,
    /// Mean firing rate of the ALIF neurons, spikes per network step.
    pub rate_alif: Option<f64>,
    /// Learning rate of this update.
    pub lr: f64,
    /// Entropy weight of this update.
    pub entropy_weight: f64,
    /// The update was skipped: its gradient was not finite.
    pub skipped: bool,
    /// PPO: mean approximate KL divergence of the new policy from the
    /// rollout's (None for A2C).
    pub approx_kl: Option<f64>,
    /// PPO: share of the steps whose probability ratio was clipped (None
    /// for A2C).
    pub clip_fraction: Option<f64>,
    /// Sparse or sign-constrained networks: synapses woken by rewiring in
    /// this update, input and recurrent (None for a dense network).
    pub rewired: Option<u64>,
    /// Sparse or sign-constrained networks: existing synapses after the
    /// update, input and recurrent (None for a dense network).
    pub synapses: Option<u64>,
    /// Supervised training: the mean squared error of the predictions over
    /// every step of the update's trials (None for the RL trainers).
    pub mse: Option<f64>,
    /// Where the update's wall time went.
    pub phases: PhaseTimes,
}

/// Wall time of one update by phase.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseTimes {
    /// Forward passes, action choice and environment steps.
    pub rollout: std::time::Duration,
    /// Loss and backward pass (autograd, or the kernel's backward pass).
    pub backward: std::time::Duration,
    /// Gradient norm, clipping and the Adam step.
    pub optimiser: std::time::Duration,
}

/// One step of one evaluation trial, for the episode log.
#[derive(Clone, Debug)]
pub struct LogRow {
    /// Trial index in the evaluation.
    pub trial: u64,
    /// Episode within the trial.
    pub episode: u64,
    /// Step within the trial.
    pub step: usize,
    /// The action, printed.
    pub action: String,
    /// Its reward.
    pub reward: f64,
    /// Whether it ended the trial.
    pub done: bool,
    /// The critic's value before the action.
    pub value: f64,
    /// Spikes of the whole network during this step (0 for LSTM/GRU).
    pub spikes: u64,
    /// Mean adaptive threshold `thr + beta * b` of the ALIF neurons after
    /// this step (None without ALIF neurons).
    pub alif_threshold: Option<f64>,
    /// The environment's info.
    pub info: Info,
}

/// A spike: which neuron fired when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpikeEvent {
    /// Trial index in the evaluation.
    pub trial: u64,
    /// Step within the trial.
    pub step: usize,
    /// Neuron index (LIF first, then ALIF).
    pub neuron: usize,
    /// Whether the neuron is adaptive.
    pub adaptive: bool,
}

/// Where an evaluation writes its step-by-step record.
#[derive(Default)]
pub struct EpisodeLog {
    /// One row per step per trial.
    pub rows: Vec<LogRow>,
    /// Spike events, when asked for.
    pub spikes: Option<Vec<SpikeEvent>>,
}
