//! The synchronous advantage actor-critic: one update = B trials rolled out
//! in lockstep, backpropagation through each trial, one Adam step.

use std::sync::Arc;

use lsnn_rl_env::{Info, Space, TaskDistribution, derive_seed, mean_ci95};
use lsnn_rl_neural::{ActionHead, ActorCritic};
use tch::{Device, Kind, Tensor};

use crate::TrainError;
use crate::adam::Adam;
use crate::config::{Advantage, RunConfig};
use crate::returns::{ChunkData, gae, n_step};
use crate::rollout::{ActionMode, Batch, choose_actions, log_prob_and_entropy};

/// Salt of the training-task stream, so training never replays the tasks
/// an evaluation with the run's own seed would draw.
const TRAIN_STREAM: u64 = 0x5452_4149_4E49_4E47;
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
        let adam = Adam::new(agent.var_store(), t.adam_beta1, t.adam_beta2, t.adam_eps);
        Ok(Self {
            config,
            dist,
            agent,
            adam,
            device,
            updates_done: 0,
            env_steps: 0,
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

    /// One actor-critic update. Everything random in it (tasks, reward
    /// noise, actions) derives from the run's seed and the update's index,
    /// so a resumed run replays exactly what an uninterrupted one would.
    pub fn update(&mut self) -> Result<UpdateStats, TrainError> {
        let t = self.config.train.clone();
        let update = self.updates_done;
        let lr = t.lr_schedule.value(t.lr, t.lr_final, update, t.updates);
        let entropy_weight =
            t.entropy_schedule
                .value(t.entropy_weight, t.entropy_final, update, t.updates);
        let batch_size = t.batch;
        let train_seed = derive_seed(self.config.seed, TRAIN_STREAM);
        let mut batch = Batch::start(
            self.dist.as_ref(),
            self.config.inputs,
            train_seed,
            (update * batch_size) as u64,
            batch_size,
        )?;
        let space = batch.action_space().clone();
        let trial_steps = batch.trial_steps;
        let chunk = if t.truncate == 0 {
            trial_steps
        } else {
            t.truncate.min(trial_steps)
        };
        let denom = (batch_size * trial_steps) as f64;
        let k_steps = self.config.agent.k_steps.max(1) as f64;
        let (n_lif, _) = self.agent.neuron_count();

        let mut state = self.agent.initial_state(batch_size);
        self.adam.zero_grad();
        let (mut policy_loss, mut value_loss, mut entropy) = (0.0, 0.0, 0.0);
        let mut rate_sums: Option<(f64, f64)> = None;
        let mut steps_taken = 0u64;
        let mut start = 0;
        while start < trial_steps {
            let len = chunk.min(trial_steps - start);
            let mut features = Vec::with_capacity(len);
            let mut codes = Vec::with_capacity(len * batch_size);
            let mut rewards = Vec::with_capacity(len * batch_size);
            let mut mask = Vec::with_capacity(len * batch_size);
            let mut trial_end = Vec::with_capacity(len * batch_size);
            let mut spike_sum: Option<Tensor> = None;
            for _ in 0..len {
                let (out, next) = self.agent.step(&batch.obs_tensor(self.device), &state);
                state = next;
                let policy_out = {
                    let _guard = tch::no_grad_guard();
                    self.agent.heads(&out.features.detach()).0
                };
                let (actions, step_codes) =
                    choose_actions(&self.agent, &policy_out, &mut batch, ActionMode::Sample);
                for (b, action) in actions.iter().enumerate() {
                    match batch.step(b, action)? {
                        Some((reward, ended, _)) => {
                            rewards.push(reward as f32);
                            mask.push(1.0);
                            trial_end.push(if ended { 1.0 } else { 0.0 });
                            steps_taken += 1;
                        }
                        None => {
                            rewards.push(0.0);
                            mask.push(0.0);
                            trial_end.push(0.0);
                        }
                    }
                }
                codes.extend(step_codes);
                features.push(out.features);
                if let Some(spikes) = out.spikes {
                    spike_sum = Some(match spike_sum {
                        Some(sum) => sum + spikes,
                        None => spikes,
                    });
                }
            }
            let bootstrap = self.bootstrap_values(&batch, &state, start + len < trial_steps);

            let stacked = Tensor::stack(&features, 0).view([(len * batch_size) as i64, -1]);
            let (policy_out, values) = self.agent.heads(&stacked);
            let values_vec: Vec<f32> = values
                .detach()
                .to_device(Device::Cpu)
                .try_into()
                .expect("f32 values");
            let data = ChunkData {
                batch: batch_size,
                rewards: &rewards,
                values: &values_vec,
                mask: &mask,
                trial_end: &trial_end,
                bootstrap: &bootstrap,
            };
            let (advantages, targets) = match t.advantage {
                Advantage::Gae => gae(&data, t.gamma as f32, t.gae_lambda as f32),
                Advantage::Nstep => n_step(&data, t.gamma as f32, t.n_step),
            };
            let to_tensor = |v: &[f32]| Tensor::from_slice(v).to_device(self.device);
            let (mask_t, advantages_t, targets_t) = (
                to_tensor(&mask),
                to_tensor(&advantages),
                to_tensor(&targets),
            );
            let (log_prob, step_entropy) =
                log_prob_and_entropy(&self.agent, &policy_out, &codes, &space);
            let chunk_policy_loss = -(log_prob * advantages_t * &mask_t).sum(Kind::Float) / denom;
            let chunk_value_loss =
                ((targets_t - values).square() * &mask_t).sum(Kind::Float) * (0.5 / denom);
            let chunk_entropy = (step_entropy * &mask_t).sum(Kind::Float) / denom;
            let mut loss = &chunk_policy_loss + &chunk_value_loss * t.value_weight
                - &chunk_entropy * entropy_weight;
            if let Some(spikes) = spike_sum {
                let rate = spikes.sum_dim_intlist(0, false, Kind::Float)
                    / ((batch_size * len) as f64 * k_steps);
                if t.rate_weight > 0.0 {
                    // Each chunk weighs by its share of the trial, so chunked and
                    // whole-trial runs weigh the penalty alike.
                    let share = len as f64 / trial_steps as f64;
                    loss +=
                        (&rate - t.rate_target).square().sum(Kind::Float) * (t.rate_weight * share);
                }
                let rates: Vec<f32> = rate
                    .detach()
                    .to_device(Device::Cpu)
                    .try_into()
                    .expect("f32 rates");
                let mean = |r: &[f32]| {
                    if r.is_empty() {
                        0.0
                    } else {
                        r.iter().map(|&x| x as f64).sum::<f64>() / r.len() as f64
                    }
                };
                let (lif, alif) = rates.split_at(n_lif);
                let sums = rate_sums.unwrap_or((0.0, 0.0));
                rate_sums = Some((
                    sums.0 + mean(lif) * len as f64,
                    sums.1 + mean(alif) * len as f64,
                ));
            }
            loss.backward();
            policy_loss += chunk_policy_loss.double_value(&[]);
            value_loss += chunk_value_loss.double_value(&[]);
            entropy += chunk_entropy.double_value(&[]);
            state = state.detach();
            start += len;
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
        })
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

    /// The mean adaptive threshold `thr + beta * b` of the ALIF neurons of
    /// each sample of `state` (layout `[v, z, b, refractory, trace]`); empty
    /// without ALIF neurons.
    fn mean_alif_threshold(
        &self,
        state: &lsnn_rl_neural::RecurrentState,
        n_lif: usize,
    ) -> Vec<f32> {
        let (Some(params), Some(b)) = (self.agent.neuron_params(), state.tensors.get(2)) else {
            return Vec::new();
        };
        let n_alif = params.len().saturating_sub(n_lif);
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
        let mut totals = Vec::with_capacity(trials);
        let mut regrets: Option<Vec<f64>> = Some(Vec::with_capacity(trials));
        let mut first = 0u64;
        while (first as usize) < trials {
            let count = self.config.train.batch.min(trials - first as usize);
            let mut batch = Batch::start(dist, self.config.inputs, seed, first, count)?;
            let mut state = self.agent.initial_state(count);
            for step in 0..batch.trial_steps {
                let (out, next) = self.agent.step(&batch.obs_tensor(self.device), &state);
                state = next;
                let (policy_out, values) = self.agent.heads(&out.features);
                let (actions, _) = choose_actions(&self.agent, &policy_out, &mut batch, mode);
                let logging = log.is_some();
                let values: Vec<f32> = if logging {
                    values.to_device(Device::Cpu).try_into().expect("f32")
                } else {
                    Vec::new()
                };
                let spikes: Vec<f32> = match (&out.spikes, logging) {
                    (Some(s), true) => s
                        .to_device(Device::Cpu)
                        .flatten(0, -1)
                        .try_into()
                        .expect("f32"),
                    _ => Vec::new(),
                };
                let thresholds = if logging {
                    self.mean_alif_threshold(&state, n_lif)
                } else {
                    Vec::new()
                };
                let neurons = if spikes.is_empty() {
                    0
                } else {
                    spikes.len() / count
                };
                for (b, action) in actions.iter().enumerate() {
                    let Some((reward, ended, info)) = batch.step(b, action)? else {
                        continue;
                    };
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
        })
    }
}
