//! The actor-critic loss of one chunk (the firing-rate penalty and its
//! gradient by hand are `lsnn_rl_trainer::penalty`'s, shared with PPO).

use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::returns::{ChunkData, estimate_returns};
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
    let (advantages, targets) = estimate_returns(&data, t, chunks.gamma);
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
