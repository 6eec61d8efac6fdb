//! Evaluation with fixed weights: the network steps B trials in lockstep,
//! through the CPU kernel where training uses it (the same forward pass),
//! else through the tensor network; every trial's outcome goes into one
//! summary, and optionally into a step-by-step log. What a probed
//! evaluation records and cuts of the state is in `probing.rs`.

mod probing;

use lsnn_rl_env::{EpisodeTracker, EvalAccumulator, GoalTracker, TaskDistribution, derive_seed};
use lsnn_rl_neural::{ActorCritic, CpuHeads, KernelState, RecurrentState, SpikingKernel};
use tch::{Device, Kind, Tensor};

use self::probing::Held;
use crate::TrainError;
use crate::config::Algo;
use crate::probe::{Probe, RecordedStep, TrialResult};
use crate::records::{EpisodeLog, EvalSummary, LogRow, SpikeEvent};
use crate::rollout::{ActionMode, Batch, choose_actions_from, gaussian_std};
use crate::trainer::{EVAL_STREAM, TORCH_SALT, Trainer};

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
    /// One environment step on `obs` (`[B, obs_size]`, the batch's
    /// observations); values and spikes only when `detail` is set.
    fn step(&mut self, obs: &[f32], detail: bool) -> Result<EvalOutput, TrainError> {
        match self {
            EvalNetwork::Kernel(eval) => {
                let KernelEval {
                    kernel,
                    heads,
                    state,
                    n_lif,
                } = eval.as_mut();
                kernel.step(obs, state, None);
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
                Ok(EvalOutput {
                    policy,
                    values,
                    spikes,
                    alif_threshold,
                })
            }
            EvalNetwork::Tensor {
                agent,
                state,
                device,
            } => {
                let rows = agent.obs_size() as i64;
                let obs = Tensor::from_slice(obs).view([-1, rows]).to_device(*device);
                let (out, next) = agent.step(&obs, state)?;
                *state = next;
                let (policy, values) = agent.heads(&out.features);
                let to_vec = |t: &Tensor| -> Result<Vec<f32>, TrainError> {
                    Ok(t.f_to_device(Device::Cpu)?.f_flatten(0, -1)?.try_into()?)
                };
                let (values, spikes) = match (detail, &out.spikes) {
                    (false, _) => (Vec::new(), Vec::new()),
                    (true, None) => (to_vec(&values)?, Vec::new()),
                    (true, Some(spikes)) => (to_vec(&values)?, to_vec(spikes)?),
                };
                let alif_threshold = if detail {
                    mean_alif_threshold(agent, state)?
                } else {
                    Vec::new()
                };
                Ok(EvalOutput {
                    policy: to_vec(&policy)?,
                    values,
                    spikes,
                    alif_threshold,
                })
            }
        }
    }
}

/// The mean adaptive threshold thr + beta b of the ALIF neurons per batch row
/// (empty without ALIF neurons) of a tensor network's state.
fn mean_alif_threshold(
    agent: &ActorCritic,
    state: &RecurrentState,
) -> Result<Vec<f32>, TrainError> {
    let (n_lif, n_alif) = agent.neuron_count();
    let (Some(params), Some(b)) = (agent.neuron_params(), state.adaptation()) else {
        return Ok(Vec::new());
    };
    if n_alif == 0 {
        return Ok(Vec::new());
    }
    let threshold = params.thr().f_add(&params.beta().f_mul(b)?)?;
    Ok(threshold
        .f_narrow(1, n_lif as i64, n_alif as i64)?
        .f_mean_dim(1, false, Kind::Float)?
        .f_to_device(Device::Cpu)?
        .try_into()?)
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

impl Trainer {
    /// The network for an evaluation of `batch` trials: the CPU kernel where
    /// training would use it (the same forward pass), else the tensor network.
    fn eval_network(&self, batch: usize) -> Result<EvalNetwork<'_>, TrainError> {
        Ok(match self.manual_kernel() {
            Some(kernel) => EvalNetwork::Kernel(Box::new(KernelEval {
                heads: self.agent.cpu_heads(),
                state: kernel.initial_state(batch),
                n_lif: self.agent.neuron_count().0,
                kernel,
            })),
            None => EvalNetwork::Tensor {
                agent: &self.agent,
                state: self.agent.initial_state(batch)?,
                device: self.device,
            },
        })
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
        log: Option<&mut EpisodeLog>,
    ) -> Result<EvalSummary, TrainError> {
        self.evaluate_probed(dist, trials, seed, mode, log, &mut Probe::default())
    }

    /// The policy outputs (for a regression task: the predictions) of the
    /// network with fixed weights fed the observations `obs`, `[steps, rows,
    /// obs_size]` row-major: `rows` sequences stepped side by side from the
    /// initial state, through the same forward pass as [`Trainer::evaluate`].
    /// Returns `[steps, rows, A]`. For probing the network on inputs of the
    /// caller's choice (the prediction surface after k examples). `seed`
    /// seeds LibTorch's generator as an evaluation does (Poisson input
    /// spikes), so the same call gives the same outputs.
    pub fn outputs_for(
        &self,
        obs: &[f32],
        steps: usize,
        rows: usize,
        seed: u64,
    ) -> Result<Vec<f32>, TrainError> {
        let per_step = rows * self.agent.obs_size();
        if rows == 0 || obs.len() != steps * per_step {
            return Err(TrainError::Probe(format!(
                "outputs_for: {} observation values do not make {steps} steps of {rows} rows of {}",
                obs.len(),
                self.agent.obs_size()
            )));
        }
        let _guard = tch::no_grad_guard();
        tch::manual_seed(derive_seed(seed, TORCH_SALT) as i64);
        let mut net = self.eval_network(rows)?;
        let mut outputs = Vec::new();
        for step in obs.chunks(per_step) {
            outputs.extend(net.step(step, false)?.policy);
        }
        Ok(outputs)
    }

    /// [`Trainer::evaluate`] with a probe: a lesion applied from its step of
    /// every trial on, the state recorded at every step, and every trial's
    /// figures kept. The tasks and the action draws are those of the plain
    /// evaluation with the same seed, so a lesioned and an intact
    /// evaluation are paired trial by trial.
    pub fn evaluate_probed(
        &self,
        dist: &dyn TaskDistribution,
        trials: usize,
        seed: u64,
        mode: ActionMode,
        mut log: Option<&mut EpisodeLog>,
        probe: &mut Probe,
    ) -> Result<EvalSummary, TrainError> {
        let _guard = tch::no_grad_guard();
        // A network trained on targets predicts: its output is the answer,
        // not the mean of a policy to sample around.
        let mode = if self.config.train.algo == Algo::Supervised {
            ActionMode::Greedy
        } else {
            mode
        };
        if let Some(lesion) = &probe.lesion {
            self.check_lesion(lesion)?;
        }
        let (n_lif, _) = self.agent.neuron_count();
        let std = gaussian_std(&self.agent)?;
        let mut summary = EvalAccumulator::with_capacity(trials);
        let mut first = 0u64;
        while (first as usize) < trials {
            let count = self.config.train.batch.min(trials - first as usize);
            let mut batch = Batch::start(dist, self.config.inputs, seed, first, count)?;
            tch::manual_seed(derive_seed(seed, first ^ TORCH_SALT) as i64);
            let mut net = self.eval_network(count)?;
            let mut held = Held::default();
            if probe.record {
                probe.components = net.components();
            }
            let mut goal_trackers = vec![GoalTracker::new(); count];
            let mut episode_trackers = vec![EpisodeTracker::new(); count];
            for step in 0..batch.trial_steps {
                if let Some(lesion) = &probe.lesion {
                    net.lesion(lesion, step, &mut held)?;
                }
                let logging = log.is_some();
                let out = net.step(batch.obs(), logging)?;
                let mut snapshot = if probe.record {
                    net.snapshot()?
                } else {
                    Vec::new()
                };
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
                    if probe.record {
                        probe.steps.push(RecordedStep {
                            trial: first + b as u64,
                            step,
                            values: std::mem::take(&mut snapshot[b]),
                            info: info.clone(),
                        });
                    }
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
            for b in 0..count {
                probe.trials.push(TrialResult {
                    total_reward: batch.total_reward[b],
                    regret: batch.regret[b],
                    goals: goal_trackers[b].outcome(),
                });
                summary.push(
                    batch.total_reward[b],
                    batch.regret[b],
                    goal_trackers[b].outcome(),
                    episode_trackers[b].outcome(),
                );
            }
            first += count as u64;
        }
        Ok(summary.finish())
    }
}
