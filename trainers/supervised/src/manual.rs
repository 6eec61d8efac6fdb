//! Backpropagation through time by hand: the trials played through the CPU
//! kernel (no tensor operation per step), the squared error and the heads'
//! gradients in Rust, the kernel's hand-derived backward pass to the core's
//! weights. LibTorch holds the weights and takes the Adam step.

use std::time::Instant;

use lsnn_rl_neural::SpikingKernel;
use lsnn_rl_trainer::penalty::rate_penalty_spike_gradient;
use lsnn_rl_trainer::rollout::Batch;
use lsnn_rl_trainer::{RunConfig, TrainError};

use crate::{Chunks, Supervised, Totals, play_predictions};

/// Plays the batch through the CPU kernel in chunks of `chunks.len` steps and
/// accumulates the gradient of sum(mask (prediction - target)^2) / `chunks.denom`
/// (plus the rate penalty) in the network's variables.
pub(crate) fn backprop_manual(
    algo: &mut Supervised,
    agent: &lsnn_rl_neural::ActorCritic,
    config: &RunConfig,
    kernel: &SpikingKernel,
    batch: &mut Batch,
    chunks: Chunks,
    totals: &mut Totals,
) -> Result<(), TrainError> {
    let t = &config.train;
    let batch_size = batch.len();
    let trial_steps = batch.trial_steps;
    let k_steps = config.agent.k_steps.max(1);
    let (n_lif, _) = agent.neuron_count();
    let heads = agent.cpu_heads();
    let outputs_per_row = agent.action_head().size();
    let mut state = kernel.initial_state(batch_size);
    let mut tape = std::mem::take(&mut algo.tape);
    let mut predictions = Vec::new();
    let mut start = 0;
    while start < trial_steps {
        let len = chunks.len.min(trial_steps - start);
        let mut features = std::mem::take(&mut algo.features);
        features.clear();
        tape.clear();
        let mut targets = Vec::with_capacity(len * batch_size);
        let mut mask = Vec::with_capacity(len * batch_size);
        let rollout_start = Instant::now();
        for _ in 0..len {
            kernel.step(batch.obs(), &mut state, Some(&mut tape));
            features.extend_from_slice(&state.trace);
            heads.policy(&state.trace, &mut predictions);
            totals.steps += play_predictions(batch, &predictions, &mut targets, &mut mask)?;
        }
        totals.rollout += rollout_start.elapsed();
        let backward_start = Instant::now();
        // d/d prediction of sum(mask (p - y)^2) / denom; the value head and a
        // Gaussian head's log-std get no gradient.
        heads.policy(&features, &mut predictions);
        let mut d_outputs = vec![0.0f32; predictions.len()];
        for (row, (&y, &m)) in targets.iter().zip(&mask).enumerate() {
            for a in 0..outputs_per_row {
                let i = row * outputs_per_row + a;
                let error = (predictions[i] - y) as f64;
                totals.squared_error += m as f64 * error * error;
                d_outputs[i] = (2.0 * m as f64 * error / chunks.denom) as f32;
            }
        }
        let d_values = vec![0.0f32; targets.len()];
        let head_grads = heads.backward(&features, &d_outputs, &d_values);
        agent.accumulate_head_grads(&head_grads, None)?;
        let spikes_per_neuron = (batch_size * len * k_steps) as f64;
        let rates: Vec<f32> = tape
            .spike_count()
            .iter()
            .map(|&count| (count / spikes_per_neuron) as f32)
            .collect();
        let share = len as f64 / trial_steps as f64;
        let d_spike = rate_penalty_spike_gradient(&rates, t, share, spikes_per_neuron);
        totals.rates.add(&rates, n_lif, len);
        let grads = kernel.backward(&mut tape, batch_size, &head_grads.features, &d_spike);
        agent.accumulate_core_grads(&grads)?;
        algo.features = features;
        totals.backward += backward_start.elapsed();
        start += len;
    }
    algo.tape = tape;
    Ok(())
}
