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
/// population; populations without neurons are left out. Each population
/// starts with what the heads read, named by what it filters:
/// `spikes_*` (filtered spikes), `filtered_membrane_*` (filtered
/// potentials), or both in that order with `agent.readout = "both"`.
pub fn spiking_components(n_lif: usize, n_alif: usize, readout: Readout) -> Vec<&'static str> {
    let populations = [
        (
            n_lif,
            ["spikes_lif", "filtered_membrane_lif", "membrane_lif"],
            None,
        ),
        (
            n_alif,
            ["spikes_alif", "filtered_membrane_alif", "membrane_alif"],
            Some("threshold_alif"),
        ),
    ];
    let mut names = Vec::new();
    for (count, [spikes, filtered_membrane, membrane], threshold) in populations {
        if count == 0 {
            continue;
        }
        if readout.reads_spikes() {
            names.push(spikes);
        }
        if readout.reads_membrane() {
            names.push(filtered_membrane);
        }
        names.push(membrane);
        names.extend(threshold);
    }
    names
}

/// One batch row of a spiking state split into [`spiking_components`]:
/// the heads' filtered input (`trace`, n or 2n values: with both readouts
/// the filtered spikes, then the filtered potentials), potentials `v` (n)
/// and (ALIF only) thresholds.
pub fn spiking_row(trace: &[f32], v: &[f32], threshold: &[f32], n_lif: usize) -> Vec<Vec<f32>> {
    let n = v.len();
    let mut out = Vec::with_capacity(7);
    for neurons in [0..n_lif, n_lif..n] {
        if neurons.is_empty() {
            continue;
        }
        for read in trace.chunks_exact(n.max(1)) {
            out.push(read[neurons.clone()].to_vec());
        }
        out.push(v[neurons.clone()].to_vec());
        if neurons.start == n_lif {
            out.push(threshold[neurons].to_vec());
        }
    }
    out
}
