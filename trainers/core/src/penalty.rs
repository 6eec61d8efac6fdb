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
