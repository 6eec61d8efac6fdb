//! The synchronous advantage actor-critic: one update = B trials rolled out
//! in lockstep, backpropagation through each trial, one Adam step.

use std::sync::Arc;
use std::time::Instant;

use lsnn_rl_env::{
    Action, EpisodeSummary, EpisodeTracker, GoalOutcome, GoalSummary, GoalTracker, Info, Space,
    TaskDistribution, derive_seed, mean_ci95,
};
use lsnn_rl_neural::{
    ActionHead, ActorCritic, CpuHeads, KernelState, RecurrentState, SpikingKernel, Tape,
};
use tch::{Device, Kind, Tensor};

use crate::TrainError;
use crate::adam::Adam;
use crate::config::{Advantage, Bptt, RunConfig};
use crate::returns::{ChunkData, gae, n_step};
use crate::rollout::{
    ActionMode, Batch, choose_actions, choose_actions_from, gaussian_std, log_prob_and_entropy,
};

/// Salt of the training-task stream, so training never replays the tasks
/// an evaluation with the run's own seed would draw.
const TRAIN_STREAM: u64 = 0x5452_4149_4E49_4E47;
/// Salt of LibTorch's generator seeds (Poisson input spikes).
const TORCH_SALT: u64 = 0x544F_5243_485F_5247;
/// Salt of the periodic-evaluation stream.
const EVAL_STREAM: u64 = 0x4556_414C_5541_5445;

/// What one update measured.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateStats {
    /// Updates done, this one included.
    pub update: usize,
    /// Environment steps taken so far in the run.
    pub env_steps: u64,
    /// Mean total reward of the update's trials.
    pub mean_trial_reward: f64,
    /// Mean total regret of the update's trials, where the task reports it.
    pub mean_regret: Option<f64>,
    /// Policy-gradient loss.
    pub policy_loss: f64,
    /// Value loss (0.5 x squared error).
    pub value_loss: f64,
    /// Mean policy entropy per step.
    pub entropy: f64,
    /// Gradient norm before clipping.
    pub grad_norm: f64,
    /// Mean firing rate of the LIF neurons, spikes per network step.
    pub rate_lif: Option<f64>,
    /// Mean firing rate of the ALIF neurons, spikes per network step.
    pub rate_alif: Option<f64>,
    /// Learning rate of this update.
    pub lr: f64,
    /// Entropy weight of this update.
    pub entropy_weight: f64,
    /// The update was skipped: its gradient was not finite.
    pub skipped: bool,
    /// Where the update's wall time went.
    pub phases: PhaseTimes,
}

/// Wall time of one update by phase.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseTimes {
    /// Forward passes, action choice and environment steps.
    pub rollout: std::time::Duration,
    /// Loss and backward pass (autograd, or the kernel's backward pass).
    pub backward: std::time::Duration,
    /// Gradient norm, clipping and the Adam step.
    pub optimiser: std::time::Duration,
}

/// One step of one evaluation trial, for the episode log.
#[derive(Clone, Debug)]
pub struct LogRow {
    /// Trial index in the evaluation.
    pub trial: u64,
    /// Episode within the trial.
    pub episode: u64,
    /// Step within the trial.
    pub step: usize,
    /// The action, printed.
    pub action: String,
    /// Its reward.
    pub reward: f64,
    /// Whether it ended the trial.
    pub done: bool,
    /// The critic's value before the action.
    pub value: f64,
    /// Spikes of the whole network during this step (0 for LSTM/GRU).
    pub spikes: u64,
    /// Mean adaptive threshold `thr + beta * b` of the ALIF neurons after
    /// this step (None without ALIF neurons).
    pub alif_threshold: Option<f64>,
    /// The environment's info.
    pub info: Info,
}

/// A spike: which neuron fired when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpikeEvent {
    /// Trial index in the evaluation.
    pub trial: u64,
    /// Step within the trial.
    pub step: usize,
    /// Neuron index (LIF first, then ALIF).
    pub neuron: usize,
    /// Whether the neuron is adaptive.
    pub adaptive: bool,
}

/// Where an evaluation writes its step-by-step record.
#[derive(Default)]
pub struct EpisodeLog {
    /// One row per step per trial.
    pub rows: Vec<LogRow>,
    /// Spike events, when asked for.
    pub spikes: Option<Vec<SpikeEvent>>,
}

/// The summary an evaluation prints, with the columns of `baselines`.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalSummary {
    /// Trials played.
    pub trials: usize,
    /// Mean total reward per trial.
    pub mean_total_reward: f64,
    /// Its 95% interval half-width.
    pub ci95: f64,
    /// Mean total regret, where known.
    pub mean_regret: Option<f64>,
    /// Its 95% interval half-width.
    pub regret_ci95: Option<f64>,
    /// Goals per trial and how fast, on navigation tasks.
    pub goals: Option<GoalSummary>,
    /// Length and success of each episode, on tasks of several episodes
    /// per trial.
    pub episodes: Option<EpisodeSummary>,
}

/// How one update splits its trials into chunks for backpropagation.
struct Chunks {
    /// Steps per chunk (the whole trial without truncation).
    chunk: usize,
    /// Steps of a trial.
    trial_steps: usize,
    /// B x trial steps: the loss is a mean over every step of every trial.
    denom: f64,
    /// Entropy weight of this update.
    entropy_weight: f64,
}

/// What the chunks of one update add up to.
#[derive(Default)]
struct UpdateTotals {
    policy_loss: f64,
    value_loss: f64,
    entropy: f64,
    /// Mean LIF and ALIF rates, each weighted by its chunk's length.
    rate_sums: Option<(f64, f64)>,
    steps_taken: u64,
    phases: PhaseTimes,
}

impl UpdateTotals {
    /// Adds a chunk of `len` steps with these per-neuron rates (LIF neurons first).
    fn add_rates(&mut self, rates: &[f32], n_lif: usize, len: usize) {
        let mean = |r: &[f32]| {
            if r.is_empty() {
                0.0
            } else {
                r.iter().map(|&x| x as f64).sum::<f64>() / r.len() as f64
            }
        };
        let (lif, alif) = rates.split_at(n_lif.min(rates.len()));
        let sums = self.rate_sums.unwrap_or((0.0, 0.0));
        self.rate_sums = Some((
            sums.0 + mean(lif) * len as f64,
            sums.1 + mean(alif) * len as f64,
        ));
    }
}

/// What the loss of one chunk needs per step and trial, `[len, B]` row-major.
struct ChunkRecord {
    codes: Vec<f32>,
    rewards: Vec<f32>,
    mask: Vec<f32>,
    trial_end: Vec<f32>,
}

impl ChunkRecord {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            codes: Vec::with_capacity(capacity),
            rewards: Vec::with_capacity(capacity),
            mask: Vec::with_capacity(capacity),
            trial_end: Vec::with_capacity(capacity),
        }
    }

    /// Plays `actions` in every running trial and records the step; returns the
    /// environment steps taken.
    fn play(
        &mut self,
        batch: &mut Batch,
        actions: &[Action],
        codes: Vec<f32>,
    ) -> Result<u64, TrainError> {
        let mut taken = 0;
        for (b, action) in actions.iter().enumerate() {
            match batch.step(b, action)? {
                Some((reward, ended, _)) => {
                    self.rewards.push(reward as f32);
                    self.mask.push(1.0);
                    self.trial_end.push(if ended { 1.0 } else { 0.0 });
                    taken += 1;
                }
                None => {
                    self.rewards.push(0.0);
                    self.mask.push(0.0);
                    self.trial_end.push(0.0);
                }
            }
        }
        self.codes.extend(codes);
        Ok(taken)
    }
}

/// What one evaluation step of the network gives, in Rust vectors.
struct EvalOutput {
    /// Policy outputs `[B, A]` (logits or Gaussian means).
    policy: Vec<f32>,
    /// Values `[B]` (empty unless asked for).
    values: Vec<f32>,
    /// Spikes `[B, n]` of the step (empty unless asked for, or without spikes).
    spikes: Vec<f32>,
    /// Mean ALIF threshold per trial `[B]` (empty unless asked for, or without ALIF).
    alif_threshold: Vec<f32>,
}

/// The CPU kernel with its heads and state, for an evaluation.
struct KernelEval {
    kernel: SpikingKernel,
    heads: CpuHeads,
    state: KernelState,
    /// LIF neurons come first, ALIF neurons from this index on.
    n_lif: usize,
}

/// The network an evaluation steps, with its recurrent state.
enum EvalNetwork<'a> {
    /// The CPU kernel (no tensor operation per step).
    Kernel(Box<KernelEval>),
    /// The tensor network (LSTM/GRU, GPU, or `train.bptt = "autograd"`).
    Tensor {
        agent: &'a ActorCritic,
        state: RecurrentState,
        device: Device,
    },
}

impl EvalNetwork<'_> {
    /// One environment step on the batch's observations; values and spikes only
    /// when `detail` is set.
    fn step(&mut self, batch: &Batch, detail: bool) -> EvalOutput {
        match self {
            EvalNetwork::Kernel(eval) => {
                let KernelEval {
                    kernel,
                    heads,
                    state,
                    n_lif,
                } = eval.as_mut();
                kernel.step(batch.obs(), state, None);
                let mut policy = Vec::new();
                heads.policy(&state.trace, &mut policy);
                let (values, spikes, alif_threshold) = if detail {
                    (
                        heads.value(&state.trace),
                        state.step_spikes.clone(),
                        mean_alif_threshold_of_rows(&state.threshold, kernel.neurons(), *n_lif),
                    )
                } else {
                    (Vec::new(), Vec::new(), Vec::new())
                };
                EvalOutput {
                    policy,
                    values,
                    spikes,
                    alif_threshold,
                }
            }
            EvalNetwork::Tensor {
                agent,
                state,
                device,
            } => {
                let (out, next) = agent.step(&batch.obs_tensor(*device), state);
                *state = next;
                let (policy, values) = agent.heads(&out.features);
                let to_vec = |t: &Tensor| -> Vec<f32> {
                    t.to_device(Device::Cpu)
                        .flatten(0, -1)
                        .try_into()
                        .expect("f32 tensor")
                };
                let (values, spikes) = match (detail, &out.spikes) {
                    (false, _) => (Vec::new(), Vec::new()),
                    (true, None) => (to_vec(&values), Vec::new()),
                    (true, Some(spikes)) => (to_vec(&values), to_vec(spikes)),
                };
                let alif_threshold = if detail {
                    mean_alif_threshold(agent, state)
                } else {
                    Vec::new()
                };
                EvalOutput {
                    policy: to_vec(&policy),
                    values,
                    spikes,
                    alif_threshold,
                }
            }
        }
    }
}

/// The mean adaptive threshold thr + beta b of the ALIF neurons per batch row
/// (empty without ALIF neurons) of a tensor network's state.
fn mean_alif_threshold(agent: &ActorCritic, state: &RecurrentState) -> Vec<f32> {
    let (n_lif, n_alif) = agent.neuron_count();
    let (Some(params), Some(b)) = (agent.neuron_params(), state.tensors.get(2)) else {
        return Vec::new();
    };
    if n_alif == 0 {
        return Vec::new();
    }
    let threshold = params.thr() + params.beta() * b;
    threshold
        .narrow(1, n_lif as i64, n_alif as i64)
        .mean_dim(1, false, Kind::Float)
        .to_device(Device::Cpu)
        .try_into()
        .expect("f32 thresholds")
}

/// The same from the CPU kernel's thresholds `[B, n]`, ALIF neurons from `n_lif` on.
fn mean_alif_threshold_of_rows(thresholds: &[f32], n: usize, n_lif: usize) -> Vec<f32> {
    if n_lif >= n {
        return Vec::new();
    }
    thresholds
        .chunks_exact(n)
        .map(|row| row[n_lif..].iter().sum::<f32>() / (n - n_lif) as f32)
        .collect()
}

/// A training run in memory: the network, the optimiser and the counters.
pub struct Trainer {
    config: RunConfig,
    dist: Arc<dyn TaskDistribution>,
    agent: ActorCritic,
    adam: Adam,
    device: Device,
    updates_done: usize,
    env_steps: u64,
    /// The CPU kernel's recording buffers, reused by every update.
    tape: Tape,
    /// The features of a chunk, then their gradients (kept for its memory).
    features: Vec<f32>,
    lr_factor: f64,
}

impl Trainer {
    /// A fresh run: weights from the run's seed, zero optimiser state.
    pub fn new(
        config: RunConfig,
        dist: Arc<dyn TaskDistribution>,
        device: Device,
    ) -> Result<Self, TrainError> {
        config.validate()?;
        let probe = Batch::start(dist.as_ref(), config.inputs, 0, 0, 1)?;
        let obs_size = probe.obs_tensor(Device::Cpu).size()[1] as usize;
        let head = match probe.action_space() {
            Space::Discrete { n } => ActionHead::Discrete(*n),
            Space::Box(b) => ActionHead::Gaussian(b.low.len()),
        };
        let agent = ActorCritic::new(
            &config.agent,
            obs_size,
            head,
            derive_seed(config.seed, 0),
            device,
        )?;
        let t = &config.train;
        if t.bptt == Bptt::Manual && (device != Device::Cpu || agent.spiking_kernel().is_none()) {
            return Err(crate::ConfigError::Invalid {
                key: "train.bptt".to_string(),
                value: "manual".to_string(),
                reason: "needs the CPU (--device cpu); use \"auto\" or \"autograd\" on a GPU"
                    .to_string(),
            }
            .into());
        }
        let adam = Adam::new(agent.var_store(), t.adam_beta1, t.adam_beta2, t.adam_eps);
        Ok(Self {
            config,
            dist,
            agent,
            adam,
            device,
            updates_done: 0,
            env_steps: 0,
            tape: Tape::new(),
            features: Vec::new(),
            lr_factor: 1.0,
        })
    }

    /// The run's configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The network.
    pub fn agent(&self) -> &ActorCritic {
        &self.agent
    }

    /// The network, mutable (for loading weights).
    pub fn agent_mut(&mut self) -> &mut ActorCritic {
        &mut self.agent
    }

    /// The optimiser.
    pub fn adam(&self) -> &Adam {
        &self.adam
    }

    /// The optimiser, mutable (for loading its state).
    pub fn adam_mut(&mut self) -> &mut Adam {
        &mut self.adam
    }

    /// Updates done.
    pub fn updates_done(&self) -> usize {
        self.updates_done
    }

    /// Environment steps taken.
    pub fn env_steps(&self) -> u64 {
        self.env_steps
    }

    /// Sets the counters (when resuming from a checkpoint).
    pub fn set_progress(&mut self, updates_done: usize, env_steps: u64) {
        self.updates_done = updates_done;
        self.env_steps = env_steps;
    }

    /// Factor on the scheduled learning rate (1 until a roll-back after
    /// non-finite updates lowers it).
    pub fn lr_factor(&self) -> f64 {
        self.lr_factor
    }

    /// Sets the learning-rate factor (a roll-back, or resuming).
    pub fn set_lr_factor(&mut self, factor: f64) {
        self.lr_factor = factor;
    }

    /// One actor-critic update. Everything random in it (tasks, reward
    /// noise, actions) derives from the run's seed and the update's index,
    /// so a resumed run replays exactly what an uninterrupted one would.
    pub fn update(&mut self) -> Result<UpdateStats, TrainError> {
        let t = self.config.train.clone();
        let update = self.updates_done;
        let lr = t.lr_schedule.value(t.lr, t.lr_final, update, t.updates) * self.lr_factor;
        let entropy_weight =
            t.entropy_schedule
                .value(t.entropy_weight, t.entropy_final, update, t.updates);
        let batch_size = t.batch;
        let train_seed = derive_seed(self.config.seed, TRAIN_STREAM);
        // Poisson input spikes are drawn by LibTorch's generator: seeding it from
        // (seed, update) makes them replay on resume, whatever ran in between.
        tch::manual_seed(derive_seed(train_seed, update as u64 ^ TORCH_SALT) as i64);
        let mut batch = Batch::start(
            self.dist.as_ref(),
            self.config.inputs,
            train_seed,
            (update * batch_size) as u64,
            batch_size,
        )?;
        let trial_steps = batch.trial_steps;
        let chunk = if t.truncate == 0 {
            trial_steps
        } else {
            t.truncate.min(trial_steps)
        };
        let denom = (batch_size * trial_steps) as f64;
        let chunks = Chunks {
            chunk,
            trial_steps,
            denom,
            entropy_weight,
        };

        self.adam.zero_grad();
        let mut totals = UpdateTotals::default();
        match self.manual_kernel() {
            Some(kernel) => self.backprop_manual(&kernel, &mut batch, &chunks, &mut totals)?,
            None => self.backprop_autograd(&mut batch, &chunks, &mut totals)?,
        }
        let UpdateTotals {
            mut policy_loss,
            value_loss,
            entropy,
            rate_sums,
            steps_taken,
            mut phases,
        } = totals;
        let optimiser_start = Instant::now();

        // Testing hook (train.inject_nonfinite): a NaN loss at these updates,
        // until a roll-back has lowered the learning rate.
        if self.lr_factor == 1.0 && t.inject_nonfinite.contains(&(update + 1)) {
            policy_loss = f64::NAN;
            self.adam.scale_grads(f64::NAN);
        }
        let grad_norm = self.adam.grad_norm();
        // A non-finite loss or gradient never reaches the weights.
        let skipped = !grad_norm.is_finite() || !policy_loss.is_finite() || !value_loss.is_finite();
        if !skipped {
            if t.grad_clip > 0.0 && grad_norm > t.grad_clip {
                self.adam.scale_grads(t.grad_clip / grad_norm);
            }
            self.adam.step(lr);
        }
        self.adam.zero_grad();
        phases.optimiser = optimiser_start.elapsed();
        let totals_phases = phases;
        self.updates_done += 1;
        self.env_steps += steps_taken;
        let regrets: Option<Vec<f64>> = batch.regret.iter().copied().collect();
        let (n_lif, n_alif) = self.agent.neuron_count();
        Ok(UpdateStats {
            update: self.updates_done,
            env_steps: self.env_steps,
            mean_trial_reward: batch.total_reward.iter().sum::<f64>() / batch_size as f64,
            mean_regret: regrets.map(|r| r.iter().sum::<f64>() / batch_size as f64),
            policy_loss,
            value_loss,
            entropy: entropy * denom / steps_taken.max(1) as f64,
            grad_norm,
            rate_lif: rate_sums
                .filter(|_| n_lif > 0)
                .map(|s| s.0 / trial_steps as f64),
            rate_alif: rate_sums
                .filter(|_| n_alif > 0)
                .map(|s| s.1 / trial_steps as f64),
            lr,
            entropy_weight,
            skipped,
            phases: totals_phases,
        })
    }

    /// Whether updates compute gradients with the CPU kernel's hand-derived
    /// backward pass (else autograd); see [`Bptt`].
    pub fn uses_manual_bptt(&self) -> bool {
        self.manual_kernel().is_some()
    }

    /// The CPU kernel when this update computes gradients by hand (see
    /// [`Bptt`]); None for autograd.
    fn manual_kernel(&self) -> Option<SpikingKernel> {
        match self.config.train.bptt {
            Bptt::Autograd => None,
            Bptt::Auto if self.device != Device::Cpu => None,
            Bptt::Auto | Bptt::Manual => self.agent.spiking_kernel(),
        }
    }

    /// Rolls the batch out through the tensor network and backpropagates each
    /// chunk with autograd.
    fn backprop_autograd(
        &mut self,
        batch: &mut Batch,
        chunks: &Chunks,
        totals: &mut UpdateTotals,
    ) -> Result<(), TrainError> {
        let t = self.config.train.clone();
        let batch_size = batch.len();
        let k_steps = self.config.agent.k_steps.max(1) as f64;
        let (n_lif, _) = self.agent.neuron_count();
        let mut state = self.agent.initial_state(batch_size);
        let mut start = 0;
        while start < chunks.trial_steps {
            let len = chunks.chunk.min(chunks.trial_steps - start);
            let mut record = ChunkRecord::with_capacity(len * batch_size);
            let mut features = Vec::with_capacity(len);
            let mut spike_sum: Option<Tensor> = None;
            let rollout_start = Instant::now();
            for _ in 0..len {
                let (out, next) = self.agent.step(&batch.obs_tensor(self.device), &state);
                state = next;
                let policy_out = {
                    let _guard = tch::no_grad_guard();
                    self.agent.heads(&out.features.detach()).0
                };
                let (actions, codes) =
                    choose_actions(&self.agent, &policy_out, batch, ActionMode::Sample);
                totals.steps_taken += record.play(batch, &actions, codes)?;
                features.push(out.features);
                if let Some(spikes) = out.spikes {
                    spike_sum = Some(match spike_sum {
                        Some(sum) => sum + spikes,
                        None => spikes,
                    });
                }
            }
            let bootstrap = self.bootstrap_values(batch, &state, start + len < chunks.trial_steps);
            totals.phases.rollout += rollout_start.elapsed();
            let backward_start = Instant::now();
            let stacked = Tensor::stack(&features, 0).view([(len * batch_size) as i64, -1]);
            let mut loss = self.chunk_loss(&stacked, &record, &bootstrap, batch, chunks, totals);
            if let Some(spikes) = spike_sum {
                let rate = spikes.sum_dim_intlist(0, false, Kind::Float)
                    / ((batch_size * len) as f64 * k_steps);
                if t.rate_weight > 0.0 {
                    // Each chunk weighs by its share of the trial, so chunked and
                    // whole-trial runs weigh the penalty alike.
                    let share = len as f64 / chunks.trial_steps as f64;
                    loss +=
                        (&rate - t.rate_target).square().sum(Kind::Float) * (t.rate_weight * share);
                }
                let rates: Vec<f32> = rate
                    .detach()
                    .to_device(Device::Cpu)
                    .try_into()
                    .expect("f32 rates");
                totals.add_rates(&rates, n_lif, len);
            }
            loss.backward();
            totals.phases.backward += backward_start.elapsed();
            state = state.detach();
            start += len;
        }
        Ok(())
    }

    /// Rolls the batch out through the CPU kernel (no tensor operation per step)
    /// and backpropagates each chunk by hand: autograd only from the loss back to
    /// the features, the kernel's backward pass from there to the core's weights.
    fn backprop_manual(
        &mut self,
        kernel: &SpikingKernel,
        batch: &mut Batch,
        chunks: &Chunks,
        totals: &mut UpdateTotals,
    ) -> Result<(), TrainError> {
        let t = self.config.train.clone();
        let batch_size = batch.len();
        let k_steps = self.config.agent.k_steps.max(1);
        let (n_lif, _) = self.agent.neuron_count();
        let n = kernel.neurons();
        let heads = self.agent.cpu_heads();
        let std = gaussian_std(&self.agent);
        let mut state = kernel.initial_state(batch_size);
        // The tape's buffers live with the trainer: no fresh pages every update.
        let mut tape = std::mem::take(&mut self.tape);
        let mut outputs = Vec::new();
        let mut start = 0;
        while start < chunks.trial_steps {
            let len = chunks.chunk.min(chunks.trial_steps - start);
            let mut record = ChunkRecord::with_capacity(len * batch_size);
            let mut features = std::mem::take(&mut self.features);
            features.clear();
            tape.clear();
            let rollout_start = Instant::now();
            for _ in 0..len {
                kernel.step(batch.obs(), &mut state, Some(&mut tape));
                features.extend_from_slice(&state.trace);
                heads.policy(&state.trace, &mut outputs);
                let (actions, codes) =
                    choose_actions_from(&outputs, &std, batch, ActionMode::Sample);
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
            totals.phases.rollout += rollout_start.elapsed();
            let backward_start = Instant::now();
            let stacked = Tensor::from_slice(&features)
                .view([(len * batch_size) as i64, n as i64])
                .to_device(self.device)
                .set_requires_grad(true);
            let loss = self.chunk_loss(&stacked, &record, &bootstrap, batch, chunks, totals);
            // The firing-rate penalty w * share * sum_j (rate_j - target)^2 gives
            // every spike of neuron j the same gradient.
            let spikes_per_neuron = (batch_size * len * k_steps) as f64;
            let rates: Vec<f32> = tape
                .spike_count()
                .iter()
                .map(|&count| (count / spikes_per_neuron) as f32)
                .collect();
            let d_spike: Vec<f32> = if t.rate_weight > 0.0 {
                let share = len as f64 / chunks.trial_steps as f64;
                rates
                    .iter()
                    .map(|&rate| {
                        (2.0 * t.rate_weight * share * (rate as f64 - t.rate_target)
                            / spikes_per_neuron) as f32
                    })
                    .collect()
            } else {
                Vec::new()
            };
            totals.add_rates(&rates, n_lif, len);
            loss.backward();
            let mut d_features = features;
            stacked
                .grad()
                .to_device(Device::Cpu)
                .copy_data(&mut d_features, len * batch_size * n);
            let grads = kernel.backward(&mut tape, batch_size, &d_features, &d_spike);
            self.agent.accumulate_core_grads(&grads);
            self.features = d_features;
            totals.phases.backward += backward_start.elapsed();
            start += len;
        }
        self.tape = tape;
        Ok(())
    }

    /// The actor-critic loss of one chunk from its features `[len * B, F]`; adds the
    /// chunk's policy loss, value loss and entropy to `totals`.
    fn chunk_loss(
        &self,
        features: &Tensor,
        record: &ChunkRecord,
        bootstrap: &[f32],
        batch: &Batch,
        chunks: &Chunks,
        totals: &mut UpdateTotals,
    ) -> Tensor {
        let t = &self.config.train;
        let (policy_out, values) = self.agent.heads(features);
        let values_vec: Vec<f32> = values
            .detach()
            .to_device(Device::Cpu)
            .try_into()
            .expect("f32 values");
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
        let to_tensor = |v: &[f32]| Tensor::from_slice(v).to_device(self.device);
        let (mask, advantages, targets) = (
            to_tensor(&record.mask),
            to_tensor(&advantages),
            to_tensor(&targets),
        );
        let (log_prob, step_entropy) = log_prob_and_entropy(
            &self.agent,
            &policy_out,
            &record.codes,
            batch.action_space(),
        );
        let denom = chunks.denom;
        let policy_loss = -(log_prob * advantages * &mask).sum(Kind::Float) / denom;
        let value_loss = ((targets - values).square() * &mask).sum(Kind::Float) * (0.5 / denom);
        let entropy = (step_entropy * &mask).sum(Kind::Float) / denom;
        totals.policy_loss += policy_loss.double_value(&[]);
        totals.value_loss += value_loss.double_value(&[]);
        totals.entropy += entropy.double_value(&[]);
        &policy_loss + &value_loss * t.value_weight - &entropy * chunks.entropy_weight
    }

    /// Values of the states after a truncated chunk (0 for ended trials and
    /// when the chunk ends the trial), computed without gradient and without
    /// advancing the state.
    fn bootstrap_values(
        &self,
        batch: &Batch,
        state: &lsnn_rl_neural::RecurrentState,
        needed: bool,
    ) -> Vec<f32> {
        let mut values = vec![0.0; batch.len()];
        if !needed {
            return values;
        }
        let _guard = tch::no_grad_guard();
        let (out, _) = self.agent.step(&batch.obs_tensor(self.device), state);
        let v: Vec<f32> = self
            .agent
            .heads(&out.features)
            .1
            .to_device(Device::Cpu)
            .try_into()
            .expect("f32 values");
        for (b, value) in values.iter_mut().enumerate() {
            if batch.is_active(b) {
                *value = v[b];
            }
        }
        values
    }

    /// The network for an evaluation of `batch` trials: the CPU kernel where
    /// training would use it (the same forward pass), else the tensor network.
    fn eval_network(&self, batch: usize) -> EvalNetwork<'_> {
        match self.manual_kernel() {
            Some(kernel) => EvalNetwork::Kernel(Box::new(KernelEval {
                heads: self.agent.cpu_heads(),
                state: kernel.initial_state(batch),
                n_lif: self.agent.neuron_count().0,
                kernel,
            })),
            None => EvalNetwork::Tensor {
                agent: &self.agent,
                state: self.agent.initial_state(batch),
                device: self.device,
            },
        }
    }

    /// The periodic evaluation of the run: `eval_trials` trials on the run's
    /// own evaluation stream (the same tasks at every evaluation).
    pub fn periodic_eval(&self) -> Result<EvalSummary, TrainError> {
        let seed = derive_seed(self.config.seed, EVAL_STREAM);
        self.evaluate(
            self.dist.as_ref(),
            self.config.train.eval_trials,
            seed,
            ActionMode::Sample,
            None,
        )
    }

    /// Plays `trials` trials of `dist` with fixed weights. Trial `i` meets the
    /// task `lsnn-rl baselines` would give it for the same seed.
    pub fn evaluate(
        &self,
        dist: &dyn TaskDistribution,
        trials: usize,
        seed: u64,
        mode: ActionMode,
        mut log: Option<&mut EpisodeLog>,
    ) -> Result<EvalSummary, TrainError> {
        let _guard = tch::no_grad_guard();
        let (n_lif, _) = self.agent.neuron_count();
        let std = gaussian_std(&self.agent);
        let mut totals = Vec::with_capacity(trials);
        let mut regrets: Option<Vec<f64>> = Some(Vec::with_capacity(trials));
        let mut goal_outcomes: Option<Vec<GoalOutcome>> = Some(Vec::with_capacity(trials));
        let mut episode_outcomes = Vec::with_capacity(trials);
        let mut first = 0u64;
        while (first as usize) < trials {
            let count = self.config.train.batch.min(trials - first as usize);
            let mut batch = Batch::start(dist, self.config.inputs, seed, first, count)?;
            tch::manual_seed(derive_seed(seed, first ^ TORCH_SALT) as i64);
            let mut net = self.eval_network(count);
            let mut goal_trackers = vec![GoalTracker::new(); count];
            let mut episode_trackers = vec![EpisodeTracker::new(); count];
            for step in 0..batch.trial_steps {
                let logging = log.is_some();
                let out = net.step(&batch, logging);
                let (actions, _) = choose_actions_from(&out.policy, &std, &mut batch, mode);
                let (values, spikes) = (out.values, out.spikes);
                let thresholds = out.alif_threshold;
                let neurons = if spikes.is_empty() {
                    0
                } else {
                    spikes.len() / count
                };
                for (b, action) in actions.iter().enumerate() {
                    let Some((reward, ended, info)) = batch.step(b, action)? else {
                        continue;
                    };
                    goal_trackers[b].record(&info);
                    episode_trackers[b].record(&info);
                    let Some(log) = log.as_deref_mut() else {
                        continue;
                    };
                    let trial = first + b as u64;
                    let row_spikes = if neurons > 0 {
                        &spikes[b * neurons..(b + 1) * neurons]
                    } else {
                        &[][..]
                    };
                    if let Some(events) = log.spikes.as_mut() {
                        for (neuron, &count) in row_spikes.iter().enumerate() {
                            for _ in 0..count as usize {
                                events.push(SpikeEvent {
                                    trial,
                                    step,
                                    neuron,
                                    adaptive: neuron >= n_lif,
                                });
                            }
                        }
                    }
                    log.rows.push(LogRow {
                        trial,
                        episode: info.get("episode").unwrap_or(0.0) as u64,
                        step,
                        action: action.to_string(),
                        reward,
                        done: ended,
                        value: values[b] as f64,
                        spikes: row_spikes.iter().map(|&s| s as u64).sum(),
                        alif_threshold: thresholds.get(b).map(|&t| t as f64),
                        info,
                    });
                }
            }
            totals.extend(batch.total_reward.iter().copied());
            goal_outcomes = goal_outcomes.and_then(|mut all| {
                for tracker in &goal_trackers {
                    all.push(tracker.outcome()?);
                }
                Some(all)
            });
            episode_outcomes.extend(episode_trackers.iter().map(EpisodeTracker::outcome));
            regrets = match (
                regrets,
                batch.regret.iter().copied().collect::<Option<Vec<f64>>>(),
            ) {
                (Some(mut all), Some(these)) => {
                    all.extend(these);
                    Some(all)
                }
                _ => None,
            };
            first += count as u64;
        }
        let (mean_total_reward, ci95) = mean_ci95(&totals);
        let regret = regrets.map(|r| mean_ci95(&r));
        Ok(EvalSummary {
            trials,
            mean_total_reward,
            ci95,
            mean_regret: regret.map(|r| r.0),
            regret_ci95: regret.map(|r| r.1),
            goals: goal_outcomes.and_then(|g| GoalSummary::of(&g)),
            episodes: EpisodeSummary::of(&episode_outcomes),
        })
    }
}
