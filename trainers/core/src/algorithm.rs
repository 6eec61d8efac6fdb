//! The one trait a training algorithm implements, and what the trainer
//! hands it for an update.

use std::time::{Duration, Instant};

use lsnn_rl_env::derive_seed;
use lsnn_rl_neural::connectivity::AfterStep;
use lsnn_rl_neural::{ActorCritic, SpikingKernel};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::Device;

use crate::TrainError;
use crate::adam::Adam;
use crate::config::RunConfig;
use crate::rollout::Batch;

/// A training algorithm: given the network and a batch of freshly started
/// trials, compute one update (roll the trials out, compute gradients, and
/// take the optimiser step through [`UpdateContext::optimiser_step`]) and
/// report its figures. Everything else (schedules, seeds, counters,
/// checkpoints, the non-finite policy, records, evaluation) is the
/// trainer's.
///
/// An algorithm may keep buffers between updates (for speed), but no state
/// that changes what an update computes: a run resumed from a checkpoint
/// builds a fresh algorithm and must replay the uninterrupted run exactly.
pub trait Algorithm: Send {
    /// The name users write in configurations (`"a2c"`).
    fn name(&self) -> &'static str;

    /// One update on `ctx.batch`, whose trials have just been started.
    fn update(&mut self, ctx: &mut UpdateContext<'_>) -> Result<UpdateReport, TrainError>;
}

/// What an update's algorithm measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpdateReport {
    /// Environment steps taken by the update.
    pub env_steps: u64,
    /// Policy-gradient loss.
    pub policy_loss: f64,
    /// Value loss (0.5 x squared error).
    pub value_loss: f64,
    /// Mean policy entropy per step.
    pub entropy: f64,
    /// Gradient norm before clipping (of the last optimiser step).
    pub grad_norm: f64,
    /// Mean firing rate of the LIF neurons, spikes per network step.
    pub rate_lif: Option<f64>,
    /// Mean firing rate of the ALIF neurons, spikes per network step.
    pub rate_alif: Option<f64>,
    /// The optimiser step was skipped: the loss or gradient was not finite.
    pub skipped: bool,
    /// PPO: mean approximate KL divergence from the rollout's policy.
    pub approx_kl: Option<f64>,
    /// PPO: share of clipped probability ratios.
    pub clip_fraction: Option<f64>,
    /// Supervised: mean squared error of the predictions over the update.
    pub mse: Option<f64>,
    /// Wall time of the rollout (forward passes, actions, environment steps).
    pub rollout: Duration,
    /// Wall time of the loss and backward pass.
    pub backward: Duration,
    /// Wall time of the optimiser steps.
    pub optimiser: Duration,
}

/// What [`UpdateContext::optimiser_step`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradStep {
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Nothing was applied: the loss or the gradient was not finite.
    pub skipped: bool,
    /// The testing hook `train.inject_nonfinite` made this step's loss NaN.
    pub injected: bool,
}

/// Everything an algorithm may use for one update.
pub struct UpdateContext<'a> {
    /// The run's configuration.
    pub config: &'a RunConfig,
    /// The network (its variables receive the gradients).
    pub agent: &'a ActorCritic,
    /// The device of the network.
    pub device: Device,
    /// The update's trials, just started.
    pub batch: &'a mut Batch,
    /// Index of this update in the run (0-based).
    pub update: usize,
    /// Learning rate of this update (the schedule's, times any roll-back factor).
    pub lr: f64,
    /// Entropy weight of this update.
    pub entropy_weight: f64,
    /// Discount of this update (`train.gamma_schedule`).
    pub gamma: f64,
    /// The CPU kernel when gradients are computed by its hand-derived
    /// backward pass (`train.bptt`), else None (autograd).
    pub kernel: Option<SpikingKernel>,
    pub(crate) adam: &'a mut Adam,
    /// `train.inject_nonfinite` applies (no roll-back has lowered the rate yet).
    pub(crate) inject_armed: bool,
    /// Optimiser steps taken so far in this update.
    pub(crate) steps_taken: usize,
    /// Synapses rewired (woken) so far in this update.
    pub(crate) rewired: usize,
}

/// Salt of the rewiring stream: draws of optimiser step `s` of update `u`
/// derive from (seed, u, s), so runs replay and resume exactly.
const REWIRE_STREAM: u64 = 0x5245_5749_5245_5f44;

impl UpdateContext<'_> {
    /// Applies the gradients accumulated in the network's variables: the
    /// global norm, clipping to `train.grad_clip`, and an Adam step at this
    /// update's learning rate; then, for a sparse or sign-constrained spiking
    /// core, its synapses' rule (Deep R rewiring with `train.rewiring`; see
    /// [`lsnn_rl_neural::connectivity`]); then clears the gradients. A step
    /// whose `losses_finite` is false, or whose gradient is not finite,
    /// changes no weight (`skipped`).
    ///
    /// An error only if LibTorch fails while the synapses are rewired.
    pub fn optimiser_step(
        &mut self,
        losses_finite: bool,
    ) -> Result<(GradStep, Duration), TrainError> {
        let start = Instant::now();
        let t = &self.config.train;
        // Testing hook (train.inject_nonfinite): a NaN loss at these updates,
        // until a roll-back has lowered the learning rate.
        let injected = self.inject_armed && t.inject_nonfinite.contains(&(self.update + 1));
        if injected {
            self.adam.scale_grads(f64::NAN);
        }
        let grad_norm = self.adam.grad_norm();
        let skipped = injected || !grad_norm.is_finite() || !losses_finite;
        if !skipped {
            if t.grad_clip > 0.0 && grad_norm > t.grad_clip {
                self.adam.scale_grads(t.grad_clip / grad_norm);
            }
            self.adam.step(self.lr);
            self.constrain_synapses()?;
        }
        self.steps_taken += 1;
        self.adam.zero_grad();
        let step = GradStep {
            grad_norm,
            skipped,
            injected,
        };
        Ok((step, start.elapsed()))
    }

    /// The synapses' rule after an Adam step (nothing for a dense network).
    fn constrain_synapses(&mut self) -> Result<(), TrainError> {
        let agent_config = self.agent.config();
        if !agent_config.constrained() {
            return Ok(());
        }
        let t = &self.config.train;
        let rule = AfterStep {
            lr: self.lr,
            keep_signs: agent_config.dale,
            rewire: t.rewiring,
            l1: t.rewiring_l1,
            temperature: t.rewiring_temperature,
        };
        let seed = derive_seed(
            derive_seed(self.config.seed, REWIRE_STREAM),
            self.update as u64,
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(self.steps_taken as u64);
        self.rewired += self.agent.after_optimiser_step(&rule, &mut rng)?.woken;
        Ok(())
    }

    /// Plays every trial of the batch to its end with `action` (an
    /// algorithm that does not learn, for tests and examples); returns the
    /// environment steps taken.
    pub fn play_fixed(&mut self, action: &lsnn_rl_env::Action) -> Result<u64, TrainError> {
        let mut steps = 0;
        while (0..self.batch.len()).any(|b| self.batch.is_active(b)) {
            for b in 0..self.batch.len() {
                if self.batch.step(b, action)?.is_some() {
                    steps += 1;
                }
            }
        }
        Ok(steps)
    }
}
