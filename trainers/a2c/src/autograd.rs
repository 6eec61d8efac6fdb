//! Backpropagation through time by LibTorch's autograd: the tensor network
//! (any core, any device) stepped through each chunk, the loss's graph
//! followed back to every weight. An LSTM is stepped without gradient and
//! its chunk re-run with gradient through one sequence operator.

use std::time::Instant;

use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::rollout::{ActionMode, Batch, choose_actions};
use tch::{Device, Kind, Tensor};

use crate::Net;
use crate::chunk::{ChunkRecord, Chunks, UpdateTotals};
use crate::loss::chunk_loss;
use lsnn_rl_trainer::penalty::rate_penalty;

/// Rolls the batch out through the tensor network and backpropagates each
/// chunk with autograd.
pub(crate) fn backprop_autograd(
    net: Net<'_>,
    batch: &mut Batch,
    chunks: &Chunks,
    totals: &mut UpdateTotals,
) -> Result<(), TrainError> {
    let t = net.config.train.clone();
    let batch_size = batch.len();
    let k_steps = net.config.agent.k_steps.max(1) as f64;
    let (n_lif, _) = net.agent.neuron_count();
    // An LSTM acts without gradient and then runs the chunk's inputs again
    // through one sequence operator with gradient: one autograd node for
    // the chunk instead of several per step (the same features to f32
    // rounding). The inputs are constants of the loss either way (actions
    // are sampled without gradient). The other cores are stepped with
    // gradient.
    let by_sequence = net.agent.runs_sequences();
    let mut state = net.agent.initial_state(batch_size)?;
    let mut start = 0;
    while start < chunks.trial_steps {
        let len = chunks.chunk.min(chunks.trial_steps - start);
        let mut record = ChunkRecord::with_capacity(len * batch_size);
        let mut features = Vec::with_capacity(if by_sequence { 0 } else { len });
        let mut inputs = Vec::with_capacity(if by_sequence { len } else { 0 });
        let chunk_start = state.shallow_clone();
        let mut spike_sum: Option<Tensor> = None;
        let rollout_start = Instant::now();
        for _ in 0..len {
            let obs = batch.obs_tensor(net.device);
            let (out, next) = if by_sequence {
                let _guard = tch::no_grad_guard();
                net.agent.step(&obs, &state)?
            } else {
                net.agent.step(&obs, &state)?
            };
            state = next;
            let policy_out = {
                let _guard = tch::no_grad_guard();
                net.agent.heads(&out.features.detach()).0
            };
            let (actions, codes) =
                choose_actions(net.agent, &policy_out, batch, ActionMode::Sample)?;
            totals.steps_taken += record.play(batch, &actions, codes)?;
            if by_sequence {
                inputs.push(obs);
            } else {
                features.push(out.features);
            }
            if let Some(spikes) = out.spikes {
                spike_sum = Some(match spike_sum {
                    Some(sum) => sum + spikes,
                    None => spikes,
                });
            }
        }
        let bootstrap = bootstrap_values(net, batch, &state, start + len < chunks.trial_steps)?;
        totals.report.rollout += rollout_start.elapsed();
        let backward_start = Instant::now();
        let stacked = if by_sequence {
            let sequence = net
                .agent
                .sequence(&Tensor::f_stack(&inputs, 0)?, &chunk_start)?;
            let (features, last) = sequence.expect("runs_sequences: the core runs sequences");
            // The re-run must end where the steps did (a wiring check).
            debug_assert!(
                (last.features() - state.features())
                    .abs()
                    .max()
                    .double_value(&[])
                    < 1e-4,
                "the sequence re-run left the chunk's steps"
            );
            features
        } else {
            Tensor::stack(&features, 0)
        }
        .reshape([(len * batch_size) as i64, -1]);
        let mut loss = chunk_loss(net, &stacked, &record, &bootstrap, batch, chunks, totals)?;
        if let Some(spikes) = spike_sum {
            let rate = spikes.sum_dim_intlist(0, false, Kind::Float)
                / ((batch_size * len) as f64 * k_steps);
            if t.rate_weight > 0.0 {
                let share = len as f64 / chunks.trial_steps as f64;
                loss += rate_penalty(&rate, &t, share);
            }
            let rates: Vec<f32> = rate.detach().f_to_device(Device::Cpu)?.try_into()?;
            totals.rates.add(&rates, n_lif, len);
        }
        loss.f_backward()?;
        totals.report.backward += backward_start.elapsed();
        state = state.detach();
        start += len;
    }
    Ok(())
}

/// Values of the states after a truncated chunk (0 for ended trials and
/// when the chunk ends the trial), computed without gradient and without
/// advancing the state.
fn bootstrap_values(
    net: Net<'_>,
    batch: &Batch,
    state: &lsnn_rl_neural::RecurrentState,
    needed: bool,
) -> Result<Vec<f32>, TrainError> {
    let mut values = vec![0.0; batch.len()];
    if !needed {
        return Ok(values);
    }
    let _guard = tch::no_grad_guard();
    let (out, _) = net.agent.step(&batch.obs_tensor(net.device), state)?;
    let v: Vec<f32> = net
        .agent
        .heads(&out.features)
        .1
        .to_device(Device::Cpu)
        .try_into()?;
    for (b, value) in values.iter_mut().enumerate() {
        if batch.is_active(b) {
            *value = v[b];
        }
    }
    Ok(values)
}
