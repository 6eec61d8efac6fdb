//! Backpropagation through time by hand: the batch rolled out through the
//! CPU kernel (no tensor operation per step), autograd only from the loss
//! back to the features, the kernel's hand-derived backward pass from there
//! to the core's weights.

use std::time::Instant;

use lsnn_rl_neural::SpikingKernel;
use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::rollout::{ActionMode, Batch, choose_actions_from, gaussian_std};
use tch::{Device, Tensor};

use crate::chunk::{ChunkRecord, Chunks, UpdateTotals};
use crate::loss::chunk_loss;
use crate::{Buffers, Net};
use lsnn_rl_trainer::penalty::rate_penalty_spike_gradient;

/// Rolls the batch out through the CPU kernel (no tensor operation per step)
/// and backpropagates each chunk by hand: autograd only from the loss back to
/// the features, the kernel's backward pass from there to the core's weights.
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
    let n = kernel.neurons();
    let heads = net.agent.cpu_heads();
    let std = gaussian_std(net.agent)?;
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
        let stacked = Tensor::from_slice(&features)
            .view([(len * batch_size) as i64, n as i64])
            .to_device(net.device)
            .set_requires_grad(true);
        let loss = chunk_loss(net, &stacked, &record, &bootstrap, batch, chunks, totals)?;
        let spikes_per_neuron = (batch_size * len * k_steps) as f64;
        let rates: Vec<f32> = tape
            .spike_count()
            .iter()
            .map(|&count| (count / spikes_per_neuron) as f32)
            .collect();
        let share = len as f64 / chunks.trial_steps as f64;
        let d_spike = rate_penalty_spike_gradient(&rates, &t, share, spikes_per_neuron);
        totals.add_rates(&rates, n_lif, len);
        loss.f_backward()?;
        let mut d_features = features;
        stacked
            .grad()
            .to_device(Device::Cpu)
            .copy_data(&mut d_features, len * batch_size * n);
        let grads = kernel.backward(&mut tape, batch_size, &d_features, &d_spike);
        net.agent.accumulate_core_grads(&grads)?;
        buffers.features = d_features;
        totals.report.backward += backward_start.elapsed();
        start += len;
    }
    buffers.tape = tape;
    Ok(())
}
