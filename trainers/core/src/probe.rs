//! What an evaluation can do besides playing: cut a part of the recurrent
//! state (a [`Lesion`]) and record the state at every step, for decoders.
//! [`crate::Trainer::evaluate_probed`] fills it.

use lsnn_rl_env::{GoalOutcome, Info};
use lsnn_rl_neural::Readout;

use crate::lesion::Lesion;

/// The requests of one probed evaluation and what it found, per trial.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// The lesion to apply, if any.
    pub lesion: Option<Lesion>,
    /// Record the state at every step into [`Probe::steps`].
    pub record: bool,
    /// Out: the names of the recorded state components, in the order of
    /// [`RecordedStep::values`].
    pub components: Vec<&'static str>,
    /// Out: the recorded steps, in trial order, then step order.
    pub steps: Vec<RecordedStep>,
    /// Out: every trial's outcome, in trial order (for paired comparisons).
    pub trials: Vec<TrialResult>,
}

/// One trial's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialResult {
    /// Total reward.
    pub total_reward: f64,
    /// Regret, where the task reports it.
    pub regret: Option<f64>,
    /// Goal figures, on navigation tasks.
    pub goals: Option<GoalOutcome>,
}

/// The network's state after its step at one step of one trial, and the
/// environment's info of that step.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedStep {
    /// The trial.
    pub trial: u64,
    /// The step in the trial.
    pub step: usize,
    /// One vector per component (see [`Probe::components`]).
    pub values: Vec<Vec<f32>>,
    /// What the environment reported for the step's action.
    pub info: Info,
}

/// The components a spiking network's state is recorded as, split by
/// population; populations without neurons are left out. The first of each
/// population is what the heads read, named by what it filters:
/// `spikes_*` (filtered spikes) or, when the heads read the membrane,
/// `filtered_membrane_*`.
pub fn spiking_components(n_lif: usize, n_alif: usize, readout: Readout) -> Vec<&'static str> {
    let (read_lif, read_alif) = match readout {
        Readout::Spikes => ("spikes_lif", "spikes_alif"),
        Readout::Membrane => ("filtered_membrane_lif", "filtered_membrane_alif"),
    };
    let mut names = Vec::new();
    if n_lif > 0 {
        names.extend([read_lif, "membrane_lif"]);
    }
    if n_alif > 0 {
        names.extend([read_alif, "membrane_alif", "threshold_alif"]);
    }
    names
}

/// One batch row of a spiking state split into [`spiking_components`]:
/// the heads' filtered input, potentials and (ALIF only) thresholds.
pub fn spiking_row(trace: &[f32], v: &[f32], threshold: &[f32], n_lif: usize) -> Vec<Vec<f32>> {
    let n = trace.len();
    let mut out = Vec::with_capacity(5);
    if n_lif > 0 {
        out.push(trace[..n_lif].to_vec());
        out.push(v[..n_lif].to_vec());
    }
    if n_lif < n {
        out.push(trace[n_lif..].to_vec());
        out.push(v[n_lif..].to_vec());
        out.push(threshold[n_lif..].to_vec());
    }
    out
}
