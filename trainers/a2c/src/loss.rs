//! The actor-critic loss of one chunk, and the firing-rate penalty's
//! gradient by hand for the manual backward pass (beside the penalty it
//! differentiates).

use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::config::{Advantage, TrainConfig};
use lsnn_rl_trainer::returns::{ChunkData, gae, n_step};
use lsnn_rl_trainer::rollout::{Batch, log_prob_and_entropy};
use tch::{Device, Kind, Tensor};

use crate::Net;
use crate::chunk::{ChunkRecord, Chunks, UpdateTotals};

/// The actor-critic loss of one chunk from its features `[len * B, F]`; adds the
/// chunk's policy loss, value loss and entropy to `totals`.
pub(crate) fn chunk_loss(
    net: Net<'_>,
    features: &Tensor,
    record: &ChunkRecord,
    bootstrap: &[f32],
    batch: &Batch,
    chunks: &Chunks,
    totals: &mut UpdateTotals,
) -> Result<Tensor, TrainError> {
    let t = &net.config.train;
    let (policy_out, values) = net.agent.heads(features);
    let values_vec: Vec<f32> = values.detach().f_to_device(Device::Cpu)?.try_into()?;
    let data = ChunkData {
        batch: batch.len(),
        rewards: &record.rewards,
        values: &values_vec,
        mask: &record.mask,
        trial_end: &record.trial_end,
        bootstrap,
    };
    let (advantages, targets) = match t.advantage {
        Advantage::Gae => gae(&data, t.gamma as f32, t.gae_lambda as f32),
        Advantage::Nstep => n_step(&data, t.gamma as f32, t.n_step),
    };
    let to_tensor = |v: &[f32]| Tensor::from_slice(v).to_device(net.device);
    let (mask, advantages, targets) = (
        to_tensor(&record.mask),
        to_tensor(&advantages),
        to_tensor(&targets),
    );
    let (log_prob, step_entropy) =
        log_prob_and_entropy(net.agent, &policy_out, &record.codes, batch.action_space());
    let denom = chunks.denom;
    let policy_loss = -(log_prob * advantages * &mask).sum(Kind::Float) / denom;
    let value_loss = ((targets - values).square() * &mask).sum(Kind::Float) * (0.5 / denom);
    let entropy = (step_entropy * &mask).sum(Kind::Float) / denom;
    totals.policy_loss += policy_loss.f_double_value(&[])?;
    totals.value_loss += value_loss.f_double_value(&[])?;
    totals.entropy += entropy.f_double_value(&[])?;
    Ok(&policy_loss + &value_loss * t.value_weight - &entropy * chunks.entropy_weight)
}

/// The firing-rate penalty of a chunk, `w * share * sum_j (rate_j - target)^2`
/// over the neurons' rates `[n]` (spikes per network step, carrying the
/// surrogate gradient). Each chunk weighs by its `share` of the trial, so
/// chunked and whole-trial runs weigh the penalty alike.
pub(crate) fn rate_penalty(rate: &Tensor, t: &TrainConfig, share: f64) -> Tensor {
    (rate - t.rate_target).square().sum(Kind::Float) * (t.rate_weight * share)
}

/// The gradient of [`rate_penalty`] with respect to each spike of neuron j,
/// the same for all its spikes: `2 w share (rate_j - target) / S`, where
/// `S` spikes-worth of steps make the rate (B x len x K). Empty without a
/// penalty.
pub(crate) fn rate_penalty_spike_gradient(
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
