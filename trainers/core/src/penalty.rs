//! The firing-rate penalty every trainer may add to its loss, and its
//! gradient by hand for the CPU kernel's manual backward pass (beside the
//! penalty it differentiates).

use tch::{Kind, Tensor};

use crate::config::{RatePenalty, TrainConfig};

/// The firing-rate penalty `w * share * sum_j (rate_j - target)^2` over the
/// neurons' rates `[n]` (spikes per network step, carrying the surrogate
/// gradient); with `rate_penalty = "above"` only the rates above the target
/// count. A chunk of a trial weighs by its `share` of the trial, so chunked
/// and whole-trial runs weigh the penalty alike.
pub fn rate_penalty(rate: &Tensor, t: &TrainConfig, share: f64) -> Tensor {
    let excess = rate - t.rate_target;
    let excess = match t.rate_penalty {
        RatePenalty::Both => excess,
        RatePenalty::Above => excess.relu(),
    };
    excess.square().sum(Kind::Float) * (t.rate_weight * share)
}

/// The gradient of [`rate_penalty`] with respect to each spike of neuron j,
/// the same for all its spikes: `2 w share (rate_j - target) / S`, where
/// `S` spikes-worth of steps make the rate (B x len x K); with
/// `rate_penalty = "above"`, 0 for rates at or below the target. Empty
/// without a penalty.
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
            let excess = rate as f64 - t.rate_target;
            let excess = match t.rate_penalty {
                RatePenalty::Both => excess,
                RatePenalty::Above => excess.max(0.0),
            };
            (2.0 * t.rate_weight * share * excess / spikes_per_neuron) as f32
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written gradient per spike equals autograd's gradient of
    /// the tensor penalty, where the rate is the spikes summed over `S`
    /// spike slots divided by `S`.
    fn check_gradient(mode: RatePenalty) -> Vec<f32> {
        let t = TrainConfig {
            rate_weight: 0.7,
            rate_target: 0.1,
            rate_penalty: mode,
            ..TrainConfig::default()
        };
        let slots = 8.0;
        let spike_sums = Tensor::from_slice(&[0.0f32, 0.5, 1.0, 2.0, 4.0]).set_requires_grad(true);
        let rate = &spike_sums / slots;
        rate_penalty(&rate, &t, 0.5).backward();
        let autograd = Vec::<f32>::try_from(spike_sums.grad()).unwrap();
        let rates = Vec::<f32>::try_from(rate.detach()).unwrap();
        let manual = rate_penalty_spike_gradient(&rates, &t, 0.5, slots);
        for (m, a) in manual.iter().zip(&autograd) {
            assert!(
                (m - a).abs() <= 1e-6 * a.abs().max(1e-3),
                "{manual:?} vs {autograd:?}"
            );
        }
        manual
    }

    #[test]
    fn both_sides_pull_quiet_and_busy_neurons_to_the_target() {
        let grad = check_gradient(RatePenalty::Both);
        // Rates 0, 0.0625 sit below the target 0.1 (negative gradient: fire more).
        assert!(grad[0] < 0.0 && grad[1] < 0.0);
        assert!(grad[3] > 0.0 && grad[4] > 0.0);
    }

    #[test]
    fn a_ceiling_leaves_neurons_below_the_target_alone() {
        let grad = check_gradient(RatePenalty::Above);
        assert_eq!(&grad[..2], &[0.0, 0.0]);
        assert!(grad[2] > 0.0 && grad[3] > grad[2] && grad[4] > grad[3]);
        let t = TrainConfig {
            rate_penalty: RatePenalty::Above,
            rate_target: 0.5,
            ..TrainConfig::default()
        };
        let quiet = Tensor::from_slice(&[0.0f32, 0.25, 0.5]);
        assert_eq!(rate_penalty(&quiet, &t, 1.0).double_value(&[]), 0.0);
    }
}
