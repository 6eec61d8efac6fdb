//! The firing-rate penalty every trainer may add to its loss, and its
//! gradient by hand for the CPU kernel's manual backward pass (beside the
//! penalty it differentiates).

use tch::{Kind, Tensor};

use crate::config::TrainConfig;

/// The firing-rate penalty `w * share * sum_j (rate_j - target)^2` over the
/// neurons' rates `[n]` (spikes per network step, carrying the surrogate
/// gradient). A chunk of a trial weighs by its `share` of the trial, so
/// chunked and whole-trial runs weigh the penalty alike.
pub fn rate_penalty(rate: &Tensor, t: &TrainConfig, share: f64) -> Tensor {
    (rate - t.rate_target).square().sum(Kind::Float) * (t.rate_weight * share)
}

/// The gradient of [`rate_penalty`] with respect to each spike of neuron j,
/// the same for all its spikes: `2 w share (rate_j - target) / S`, where
/// `S` spikes-worth of steps make the rate (B x len x K). Empty without a
/// penalty.
pub fn rate_penalty_spike_gradient(
    rates: &[f32],
    t: &TrainConfig,
    share: f64,
    spikes_per_neuron: f64,
) -> Vec<f32> {
    if t.rate_weight <= 0.0 {
        return Vec::new();
    }
    rates
        .iter()
        .map(|&rate| {
            (2.0 * t.rate_weight * share * (rate as f64 - t.rate_target) / spikes_per_neuron) as f32
        })
        .collect()
}

/// The mean firing rates of an update's LIF and ALIF neurons, each chunk of
/// the trials weighted by its length (what `train.csv`'s `rate_lif` and
/// `rate_alif` report).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RateSums {
    /// Sums of (mean rate x chunk length), LIF and ALIF; None until a
    /// chunk with spikes was added.
    sums: Option<(f64, f64)>,
}

impl RateSums {
    /// Adds a chunk of `len` steps with these per-neuron rates (the first
    /// `n_lif` of them the LIF neurons').
    pub fn add(&mut self, rates: &[f32], n_lif: usize, len: usize) {
        let mean = |r: &[f32]| {
            if r.is_empty() {
                0.0
            } else {
                r.iter().map(|&x| x as f64).sum::<f64>() / r.len() as f64
            }
        };
        let (lif, alif) = rates.split_at(n_lif.min(rates.len()));
        let sums = self.sums.unwrap_or((0.0, 0.0));
        self.sums = Some((
            sums.0 + mean(lif) * len as f64,
            sums.1 + mean(alif) * len as f64,
        ));
    }

    /// The mean LIF and ALIF rates over `trial_steps` steps; None for a
    /// population the network does not have, or without spikes (LSTM, GRU).
    pub fn means(
        &self,
        trial_steps: usize,
        n_lif: usize,
        n_alif: usize,
    ) -> (Option<f64>, Option<f64>) {
        let of = |sum: f64, n: usize| (n > 0).then_some(sum / trial_steps as f64);
        match self.sums {
            Some((lif, alif)) => (of(lif, n_lif), of(alif, n_alif)),
            None => (None, None),
        }
    }
}
