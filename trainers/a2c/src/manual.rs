//! Backpropagation through time by hand: the batch rolled out through the
//! CPU kernel (no tensor operation per step), the loss, the heads and their
//! gradients in Rust on the kernel's buffers (`lsnn_rl_trainer::cpu_loss`,
//! `CpuHeads::backward`), the kernel's hand-derived backward pass from there
//! to the core's weights. LibTorch holds the weights and takes the Adam step.

use std::time::Instant;

use lsnn_rl_neural::SpikingKernel;
use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::config::TrainConfig;
use lsnn_rl_trainer::cpu_loss::{LossInputs, actor_critic_loss};
use lsnn_rl_trainer::returns::{ChunkData, estimate_returns};
use lsnn_rl_trainer::rollout::{ActionMode, Batch, choose_actions_from, gaussian_std};
use tch::Device;

use crate::chunk::{ChunkRecord, Chunks, UpdateTotals};
use crate::{Buffers, Net};
use lsnn_rl_trainer::penalty::rate_penalty_spike_gradient;

/// Rolls the batch out through the CPU kernel (no tensor operation per step)
/// and backpropagates each chunk by hand: the loss and the heads in Rust, the
/// kernel's backward pass from the features to the core's weights.
pub(crate) fn backprop_manual(
    net: Net<'_>,
    buffers: &mut Buffers,
    kernel: &SpikingKernel,
    batch: &mut Batch,
    chunks: &Chunks,
    totals: &mut UpdateTotals,
) -> Result<(), TrainError> {
    let t = net.config.train.clone();
    let batch_size = batch.len();
    let k_steps = net.config.agent.k_steps.max(1);
    let (n_lif, _) = net.agent.neuron_count();
    let heads = net.agent.cpu_heads();
    let std = gaussian_std(net.agent)?;
    let log_std: Vec<f32> = match net.agent.log_std() {
        Some(log_std) => log_std.detach().f_to_device(Device::Cpu)?.try_into()?,
        None => Vec::new(),
    };
    let mut state = kernel.initial_state(batch_size);
    // The tape's buffers live with the trainer: no fresh pages every update.
    let mut tape = std::mem::take(&mut buffers.tape);
    let mut outputs = Vec::new();
    let mut start = 0;
    while start < chunks.trial_steps {
        let len = chunks.chunk.min(chunks.trial_steps - start);
        let mut record = ChunkRecord::with_capacity(len * batch_size);
        let mut features = std::mem::take(&mut buffers.features);
        features.clear();
        tape.clear();
        let rollout_start = Instant::now();
        for _ in 0..len {
            kernel.step(batch.obs(), &mut state, Some(&mut tape));
            features.extend_from_slice(&state.trace);
            heads.policy(&state.trace, &mut outputs);
            let (actions, codes) = choose_actions_from(&outputs, &std, batch, ActionMode::Sample);
            totals.steps_taken += record.play(batch, &actions, codes)?;
        }
        let mut bootstrap = vec![0.0; batch_size];
        if start + len < chunks.trial_steps {
            let mut next = state.clone();
            kernel.step(batch.obs(), &mut next, None);
            for (b, value) in heads.value(&next.trace).into_iter().enumerate() {
                if batch.is_active(b) {
                    bootstrap[b] = value;
                }
            }
        }
        totals.report.rollout += rollout_start.elapsed();
        let backward_start = Instant::now();
        // The loss and its gradients in Rust, on the kernel's buffers.
        heads.policy(&features, &mut outputs);
        let values = heads.value(&features);
        let (advantages, targets) =
            returns(&t, chunks.gamma, &record, &values, &bootstrap, batch_size);
        let (terms, loss_grads) = actor_critic_loss(&LossInputs {
            space: batch.action_space(),
            outputs: &outputs,
            values: &values,
            codes: &record.codes,
            advantages: &advantages,
            targets: &targets,
            mask: &record.mask,
            log_std: &log_std,
            denom: chunks.denom,
            value_weight: t.value_weight,
            entropy_weight: chunks.entropy_weight,
            ppo: None,
        });
        totals.policy_loss += terms.policy;
        totals.value_loss += terms.value;
        totals.entropy += terms.entropy;
        let head_grads = heads.backward(&features, &loss_grads.outputs, &loss_grads.values);
        let d_log_std = (!log_std.is_empty()).then_some(loss_grads.log_std.as_slice());
        net.agent.accumulate_head_grads(&head_grads, d_log_std)?;
        let spikes_per_neuron = (batch_size * len * k_steps) as f64;
        let rates: Vec<f32> = tape
            .spike_count()
            .iter()
            .map(|&count| (count / spikes_per_neuron) as f32)
            .collect();
        let share = len as f64 / chunks.trial_steps as f64;
        let d_spike = rate_penalty_spike_gradient(&rates, &t, share, spikes_per_neuron);
        totals.rates.add(&rates, n_lif, len);
        let grads = kernel.backward(&mut tape, batch_size, &head_grads.features, &d_spike);
        net.agent.accumulate_core_grads(&grads)?;
        buffers.features = features;
        totals.report.backward += backward_start.elapsed();
        start += len;
    }
    buffers.tape = tape;
    Ok(())
}

/// The advantages and value targets of a chunk, as `chunk_loss` computes them.
fn returns(
    t: &TrainConfig,
    gamma: f64,
    record: &ChunkRecord,
    values: &[f32],
    bootstrap: &[f32],
    batch: usize,
) -> (Vec<f32>, Vec<f32>) {
    let data = ChunkData {
        batch,
        rewards: &record.rewards,
        values,
        mask: &record.mask,
        trial_end: &record.trial_end,
        bootstrap,
    };
    estimate_returns(&data, t, gamma)
}
