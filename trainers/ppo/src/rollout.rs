//! The rollout of one PPO update: the batch's trials played to their end
//! with the current weights and no gradient, every step's input, action,
//! reward, policy output and value kept for the epochs that follow.

use std::time::Instant;

use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::algorithm::UpdateContext;
use lsnn_rl_trainer::rollout::{ActionMode, choose_actions_from, gaussian_std};
use tch::{Device, Tensor};

/// What a rollout recorded, time-major (`[t * B + b]`, inputs
/// `[(t * B + b) * obs_size + i]`).
pub(crate) struct Rollout {
    /// Trials.
    pub batch: usize,
    /// Steps of a trial.
    pub steps: usize,
    /// Input floats per step.
    pub obs_size: usize,
    /// Floats per action code (1 for a discrete action, d for a Gaussian).
    pub code_width: usize,
    /// The network's input at each step.
    pub obs: Vec<f32>,
    /// The actions taken, as codes for the log-probability.
    pub codes: Vec<f32>,
    /// Policy outputs (logits or means), `[t * B + b, A]`.
    pub outputs: Vec<f32>,
    /// Width A of the policy output.
    pub output_width: usize,
    /// Values of the rollout's network.
    pub values: Vec<f32>,
    /// Rewards.
    pub rewards: Vec<f32>,
    /// 1 where the trial was running.
    pub mask: Vec<f32>,
    /// 1 where the step ended the trial.
    pub trial_end: Vec<f32>,
    /// Environment steps taken.
    pub env_steps: u64,
    /// Wall time of the rollout.
    pub wall: std::time::Duration,
}

/// Plays the batch's trials to their end (through the CPU kernel when the
/// update computes gradients by hand, else the tensor network).
pub(crate) fn collect(ctx: &mut UpdateContext<'_>) -> Result<Rollout, TrainError> {
    let _guard = tch::no_grad_guard();
    let start = Instant::now();
    let agent = ctx.agent;
    let batch_size = ctx.batch.len();
    let steps = ctx.batch.trial_steps;
    let obs_size = ctx.batch.obs().len() / batch_size;
    let output_width = agent.action_head().size();
    let code_width = match agent.action_head() {
        lsnn_rl_neural::ActionHead::Discrete(_) => 1,
        lsnn_rl_neural::ActionHead::Gaussian(d) => d,
    };
    let cells = steps * batch_size;
    let mut r = Rollout {
        batch: batch_size,
        steps,
        obs_size,
        code_width,
        obs: Vec::with_capacity(cells * obs_size),
        codes: Vec::with_capacity(cells * code_width),
        outputs: Vec::with_capacity(cells * output_width),
        output_width,
        values: Vec::with_capacity(cells),
        rewards: Vec::with_capacity(cells),
        mask: Vec::with_capacity(cells),
        trial_end: Vec::with_capacity(cells),
        env_steps: 0,
        wall: Default::default(),
    };
    let std = gaussian_std(agent)?;
    let mut outputs = Vec::new();
    match ctx.kernel.clone() {
        Some(kernel) => {
            let heads = agent.cpu_heads();
            let mut state = kernel.initial_state(batch_size);
            for _ in 0..steps {
                r.obs.extend_from_slice(ctx.batch.obs());
                kernel.step(ctx.batch.obs(), &mut state, None);
                heads.policy(&state.trace, &mut outputs);
                let values = heads.value(&state.trace);
                play(ctx, &mut r, &outputs, &values, &std)?;
            }
        }
        None => {
            let mut state = agent.initial_state(batch_size)?;
            for _ in 0..steps {
                r.obs.extend_from_slice(ctx.batch.obs());
                let (out, next) = agent.step(&ctx.batch.obs_tensor(ctx.device), &state)?;
                state = next;
                let (policy, values) = agent.heads(&out.features);
                let to_vec = |t: &Tensor| -> Result<Vec<f32>, TrainError> {
                    Ok(t.f_to_device(Device::Cpu)?.f_flatten(0, -1)?.try_into()?)
                };
                outputs = to_vec(&policy)?;
                let values = to_vec(&values)?;
                play(ctx, &mut r, &outputs, &values, &std)?;
            }
        }
    }
    r.wall = start.elapsed();
    Ok(r)
}

/// Chooses every trial's action from `outputs`, plays it, and records the step.
fn play(
    ctx: &mut UpdateContext<'_>,
    r: &mut Rollout,
    outputs: &[f32],
    values: &[f32],
    std: &[f32],
) -> Result<(), TrainError> {
    let (actions, codes) = choose_actions_from(outputs, std, ctx.batch, ActionMode::Sample);
    r.outputs.extend_from_slice(outputs);
    r.values.extend_from_slice(values);
    r.codes.extend(codes);
    for (b, action) in actions.iter().enumerate() {
        match ctx.batch.step(b, action)? {
            Some((reward, ended, _)) => {
                r.rewards.push(reward as f32);
                r.mask.push(1.0);
                r.trial_end.push(if ended { 1.0 } else { 0.0 });
                r.env_steps += 1;
            }
            None => {
                r.rewards.push(0.0);
                r.mask.push(0.0);
                r.trial_end.push(0.0);
            }
        }
    }
    Ok(())
}

impl Rollout {
    /// The rows of `trials` (in that order) of a time-major array with
    /// `width` floats per cell: `[t * m + j]` for trial `trials[j]`.
    pub fn gather(&self, values: &[f32], width: usize, trials: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.steps * trials.len() * width);
        for t in 0..self.steps {
            for &b in trials {
                let i = (t * self.batch + b) * width;
                out.extend_from_slice(&values[i..i + width]);
            }
        }
        out
    }
}
