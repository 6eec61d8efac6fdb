//! Backpropagation through time by LibTorch's autograd: the tensor network
//! (any core, any device) stepped through each chunk, the squared error's
//! graph followed back to every weight.

use std::time::Instant;

use lsnn_rl_trainer::penalty::rate_penalty;
use lsnn_rl_trainer::rollout::Batch;
use lsnn_rl_trainer::{RunConfig, TrainError};
use tch::{Device, Kind, Tensor};

use crate::{Chunks, Totals, play_predictions};

/// Plays the batch through the tensor network in chunks of `chunks.len` steps
/// and backpropagates sum(mask (prediction - target)^2) / `chunks.denom` (plus the
/// rate penalty) with autograd.
pub(crate) fn backprop_autograd(
    agent: &lsnn_rl_neural::ActorCritic,
    config: &RunConfig,
    device: Device,
    batch: &mut Batch,
    chunks: Chunks,
    totals: &mut Totals,
) -> Result<(), TrainError> {
    let t = &config.train;
    let batch_size = batch.len();
    let trial_steps = batch.trial_steps;
    let k_steps = config.agent.k_steps.max(1) as f64;
    let (n_lif, _) = agent.neuron_count();
    let mut state = agent.initial_state(batch_size)?;
    let mut start = 0;
    while start < trial_steps {
        let len = chunks.len.min(trial_steps - start);
        let mut outputs = Vec::with_capacity(len);
        let mut targets = Vec::with_capacity(len * batch_size);
        let mut mask = Vec::with_capacity(len * batch_size);
        let mut spike_sum: Option<Tensor> = None;
        let rollout_start = Instant::now();
        for _ in 0..len {
            let (out, next) = agent.step(&batch.obs_tensor(device), &state)?;
            state = next;
            let prediction = agent.heads(&out.features).0;
            let played: Vec<f32> = prediction
                .detach()
                .f_to_device(Device::Cpu)?
                .f_flatten(0, -1)?
                .try_into()?;
            totals.steps += play_predictions(batch, &played, &mut targets, &mut mask)?;
            outputs.push(prediction);
            if let Some(spikes) = out.spikes {
                spike_sum = Some(match spike_sum {
                    Some(sum) => sum + spikes,
                    None => spikes,
                });
            }
        }
        totals.rollout += rollout_start.elapsed();
        let backward_start = Instant::now();
        let predictions = Tensor::stack(&outputs, 0).view([(len * batch_size) as i64, -1]);
        let targets = Tensor::from_slice(&targets).to_device(device).view([-1, 1]);
        let mask = Tensor::from_slice(&mask).to_device(device).view([-1, 1]);
        let squared = (predictions - targets).square() * mask;
        let sum = squared.sum(Kind::Float);
        totals.squared_error += sum.double_value(&[]);
        let mut loss = sum / chunks.denom;
        if let Some(spikes) = spike_sum {
            let rate = spikes.sum_dim_intlist(0, false, Kind::Float)
                / ((batch_size * len) as f64 * k_steps);
            if t.rate_weight > 0.0 {
                let share = len as f64 / trial_steps as f64;
                loss += rate_penalty(&rate, t, share);
            }
            let rates: Vec<f32> = rate.detach().f_to_device(Device::Cpu)?.try_into()?;
            totals.rates.add(&rates, n_lif, len);
        }
        loss.f_backward()?;
        totals.backward += backward_start.elapsed();
        state = state.detach();
        start += len;
    }
    Ok(())
}
