//! The memory a run will need, estimated before its network is built, so
//! that a network that cannot fit is refused with the figure instead of
//! failing inside LibTorch's allocator.

use lsnn_rl_neural::AgentKind;

use crate::config::RunConfig;

/// Bytes per stored number (f32).
const FLOAT: f64 = 4.0;
/// Numbers the backward pass through time keeps per neuron (or LSTM/GRU
/// unit) and network step: state, spikes, surrogate terms and gate values,
/// with room to spare (an overestimate by design).
const TAPE_PER_UNIT_STEP: f64 = 12.0;

/// What a run would need, by part, in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryEstimate {
    /// Weights of the network.
    pub weights: f64,
    /// Gradients and the optimiser's two moments (3 x the weights).
    pub optimiser: f64,
    /// What backpropagation through time records for one chunk of the
    /// batch's trials.
    pub tape: f64,
}

impl MemoryEstimate {
    /// The whole estimate.
    pub fn total(&self) -> f64 {
        self.weights + self.optimiser + self.tape
    }

    /// The estimate for `config`, with `obs_size` input floats and
    /// `actions` policy outputs per step, trials of `trial_steps` steps.
    pub fn of(config: &RunConfig, obs_size: usize, actions: usize, trial_steps: usize) -> Self {
        let a = &config.agent;
        let (i, o) = (obs_size as f64, actions as f64);
        let (units, core) = match a.kind {
            AgentKind::Lsnn | AgentKind::Lif => {
                let n = a.n_lif as f64 + a.n_alif as f64;
                (n, i * n + n * n)
            }
            AgentKind::Lstm => {
                let h = a.hidden as f64;
                (h, 4.0 * h * (i + h) + 8.0 * h)
            }
            AgentKind::Gru => {
                let h = a.hidden as f64;
                (h, 3.0 * h * (i + h) + 6.0 * h)
            }
        };
        let heads = (o + 1.0) * (units + 1.0) + o;
        let weights = (core + heads) * FLOAT;
        let t = &config.train;
        let chunk = if t.truncate == 0 {
            trial_steps
        } else {
            t.truncate.min(trial_steps)
        };
        let network_steps = chunk as f64 * a.k_steps.max(1) as f64;
        let tape = TAPE_PER_UNIT_STEP * units * t.batch as f64 * network_steps * FLOAT;
        Self {
            weights,
            optimiser: 3.0 * weights,
            tape,
        }
    }
}

/// A run that would not fit in this machine's memory.
#[derive(Debug, thiserror::Error)]
#[error(
    "this network needs about {} (weights {}, gradients and optimiser moments {}, backpropagation record {} for {batch} trials) but the machine has {} available; use fewer neurons (agent.n_lif, agent.n_alif, agent.hidden), a smaller train.batch or a shorter train.truncate",
    gib(estimate.total()),
    gib(estimate.weights),
    gib(estimate.optimiser),
    gib(estimate.tape),
    gib(*available)
)]
pub struct MemoryError {
    /// What the run would need.
    pub estimate: MemoryEstimate,
    /// Bytes available on this machine.
    pub available: f64,
    /// Trials per update.
    pub batch: usize,
}

fn gib(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", bytes / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    }
}

/// Memory available to a new allocation, in bytes: `MemAvailable` of
/// /proc/meminfo on Linux; None where it cannot be read (no check then).
pub fn available_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// What a network is built for: training keeps the record of
/// backpropagation through time, evaluation (no gradient) does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Updates: weights, gradients and moments, and the BPTT record.
    Training,
    /// Fixed weights (`eval`, `plot`, a sweep's final evaluation): no
    /// record is kept.
    Evaluation,
}

/// Refuses a network whose estimate for `purpose` exceeds the memory
/// available.
pub fn check(
    config: &RunConfig,
    obs_size: usize,
    actions: usize,
    trial_steps: usize,
    purpose: Purpose,
) -> Result<MemoryEstimate, MemoryError> {
    let mut estimate = MemoryEstimate::of(config, obs_size, actions, trial_steps);
    if purpose == Purpose::Evaluation {
        estimate.tape = 0.0;
    }
    match available_bytes() {
        Some(available) if estimate.total() > available => Err(MemoryError {
            estimate,
            available,
            batch: config.train.batch,
        }),
        _ => Ok(estimate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_network_is_small_and_a_huge_one_is_refused() {
        let config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 1);
        let small = MemoryEstimate::of(&config, 6, 2, 100);
        // 100 neurons: 6 x 100 + 100 x 100 weights, a few MB of tape.
        assert!(
            small.weights > 40_000.0 && small.weights < 50_000.0,
            "{small:?}"
        );
        assert!(small.total() < 100e6, "{small:?}");
        assert!(check(&config, 6, 2, 100, Purpose::Training).is_ok());

        let mut huge = config.clone();
        huge.agent.n_lif = 100_000_000;
        let err = check(&huge, 6, 2, 100, Purpose::Evaluation).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("GiB") && text.contains("agent.n_lif"),
            "{text}"
        );
        assert!(err.estimate.weights > 1e15);
    }

    #[test]
    fn evaluation_is_not_charged_the_training_record() {
        let mut config = RunConfig::new("bandit-dependent", AgentKind::Lsnn, 1);
        // A batch whose BPTT record could not fit anywhere, on a small network.
        config.train.batch = 1_000_000_000;
        let err = check(&config, 6, 2, 100, Purpose::Training).unwrap_err();
        assert!(err.to_string().contains("backpropagation record"), "{err}");
        let fits = check(&config, 6, 2, 100, Purpose::Evaluation).unwrap();
        assert_eq!(fits.tape, 0.0);
    }

    #[test]
    fn truncation_and_k_steps_scale_the_tape() {
        let mut config = RunConfig::new("bandit-dependent", AgentKind::Lstm, 1);
        let whole = MemoryEstimate::of(&config, 6, 2, 100).tape;
        config.train.truncate = 25;
        assert_eq!(MemoryEstimate::of(&config, 6, 2, 100).tape * 4.0, whole);
        config.train.truncate = 0;
        config.agent.k_steps = 2;
        assert_eq!(MemoryEstimate::of(&config, 6, 2, 100).tape, 2.0 * whole);
    }
}
