//! Rolling out B trials in lockstep through the recurrent actor-critic.

use lsnn_rl_env::{
    Action, Env, Info, MetaInputs, Rng, Space, TaskDistribution, Trial, rng_from_seed,
    start_eval_trial,
};
use lsnn_rl_neural::ActorCritic;
use rand::Rng as _;
use rand_distr::StandardNormal;
use tch::{Device, Kind, Tensor};

use crate::TrainError;

/// B trials played side by side, each with its own task and action stream.
pub struct Batch {
    trials: Vec<Trial>,
    rngs: Vec<Rng>,
    active: Vec<bool>,
    obs: Vec<f32>,
    obs_size: usize,
    /// Steps of a full trial (the rollout length).
    pub trial_steps: usize,
    /// Rewards summed per trial.
    pub total_reward: Vec<f64>,
    /// Regret summed per trial (None once a step lacks the info keys).
    pub regret: Vec<Option<f64>>,
}

impl Batch {
    /// Starts trials `first..first + count` of the task stream seeded with
    /// `seed` (see [`lsnn_rl_env::start_eval_trial`]).
    pub fn start(
        dist: &dyn TaskDistribution,
        inputs: MetaInputs,
        seed: u64,
        first: u64,
        count: usize,
    ) -> Result<Self, TrainError> {
        let mut trials = Vec::with_capacity(count);
        let mut rngs = Vec::with_capacity(count);
        let mut obs = Vec::new();
        for index in first..first + count as u64 {
            let (trial, first_obs, policy_seed) = start_eval_trial(dist, seed, index, inputs)?;
            obs.extend_from_slice(&first_obs);
            trials.push(trial);
            rngs.push(rng_from_seed(policy_seed));
        }
        let trial_steps = trials[0].trial_steps();
        if trial_steps == 0 || trials.iter().any(|t| t.trial_steps() != trial_steps) {
            return Err(TrainError::Env(lsnn_rl_env::EnvError::Unsupported {
                env: dist.spec().to_string(),
                what: "training: trials must have one bounded length to be rolled out in lockstep"
                    .to_string(),
            }));
        }
        Ok(Self {
            obs_size: obs.len() / count,
            trials,
            rngs,
            active: vec![true; count],
            obs,
            trial_steps,
            total_reward: vec![0.0; count],
            regret: vec![Some(0.0); count],
        })
    }

    /// Trials in the batch.
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Whether the batch is empty (never, once started).
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// The current observations as a `[B, obs_size]` tensor.
    pub fn obs_tensor(&self, device: Device) -> Tensor {
        Tensor::from_slice(&self.obs)
            .view([self.len() as i64, self.obs_size as i64])
            .to_device(device)
    }

    /// The current observations, `[B, obs_size]` row-major.
    pub fn obs(&self) -> &[f32] {
        &self.obs
    }

    /// The action space of the tasks.
    pub fn action_space(&self) -> &Space {
        self.trials[0].action_space()
    }

    /// Whether trial `b` is still running.
    pub fn is_active(&self, b: usize) -> bool {
        self.active[b]
    }

    /// The policy's random stream of trial `b`.
    pub fn rng(&mut self, b: usize) -> &mut Rng {
        &mut self.rngs[b]
    }

    /// Plays `action` in trial `b`; returns the reward, whether the trial
    /// ended, and the step's info. Inactive trials are not stepped.
    pub fn step(
        &mut self,
        b: usize,
        action: &Action,
    ) -> Result<Option<(f64, bool, Info)>, TrainError> {
        if !self.active[b] {
            return Ok(None);
        }
        let step = self.trials[b].step(action)?;
        self.obs[b * self.obs_size..(b + 1) * self.obs_size].copy_from_slice(&step.obs);
        self.total_reward[b] += step.reward;
        self.regret[b] = match (
            self.regret[b],
            step.info.get("best_expected_reward"),
            step.info.get("expected_reward"),
        ) {
            (Some(sum), Some(best), Some(chosen)) => Some(sum + best - chosen),
            _ => None,
        };
        let ended = step.done();
        if ended {
            self.active[b] = false;
        }
        Ok(Some((step.reward, ended, step.info)))
    }
}

/// How actions are chosen from the policy head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionMode {
    /// Sample from the policy.
    Sample,
    /// The most likely action (the mean for Gaussian policies).
    Greedy,
}

/// Actions for every trial from the policy head's output (`[B, n]` logits
/// or `[B, d]` means), computed without gradient. Returns the actions to play
/// and, for the loss, their encoding (index, or the unclipped sample).
pub fn choose_actions(
    agent: &ActorCritic,
    policy_out: &Tensor,
    batch: &mut Batch,
    mode: ActionMode,
) -> Result<(Vec<Action>, Vec<f32>), TrainError> {
    let outputs: Vec<f32> = policy_out
        .detach()
        .f_to_device(Device::Cpu)?
        .f_flatten(0, -1)?
        .try_into()?;
    let std = gaussian_std(agent)?;
    Ok(choose_actions_from(&outputs, &std, batch, mode))
}

/// The standard deviation per action dimension of a Gaussian head (empty for a
/// discrete head).
pub fn gaussian_std(agent: &ActorCritic) -> Result<Vec<f32>, TrainError> {
    match agent.log_std() {
        Some(s) => Ok(s.detach().f_to_device(Device::Cpu)?.f_exp()?.try_into()?),
        None => Ok(Vec::new()),
    }
}

/// [`choose_actions`] on policy outputs already in Rust: `outputs` `[B, n]` logits
/// (softmax taken here) or `[B, d]` Gaussian means with standard deviations `std`.
pub fn choose_actions_from(
    outputs: &[f32],
    std: &[f32],
    batch: &mut Batch,
    mode: ActionMode,
) -> (Vec<Action>, Vec<f32>) {
    let space = batch.action_space().clone();
    match space {
        Space::Discrete { n } => {
            let mut probs = vec![0.0f32; n];
            let mut actions = Vec::with_capacity(batch.len());
            let mut codes = Vec::with_capacity(batch.len());
            for b in 0..batch.len() {
                softmax(&outputs[b * n..(b + 1) * n], &mut probs);
                let a = match mode {
                    ActionMode::Greedy => argmax(&probs),
                    ActionMode::Sample => sample_categorical(&probs, batch.rng(b)),
                };
                actions.push(Action::Discrete(a));
                codes.push(a as f32);
            }
            (actions, codes)
        }
        Space::Box(bounds) => {
            let d = bounds.low.len();
            let mut actions = Vec::with_capacity(batch.len());
            let mut codes = Vec::with_capacity(batch.len() * d);
            for b in 0..batch.len() {
                let mut clipped = Vec::with_capacity(d);
                for i in 0..d {
                    let mean = outputs[b * d + i];
                    let x = match mode {
                        ActionMode::Greedy => mean,
                        ActionMode::Sample => {
                            let noise: f32 = batch.rng(b).sample(StandardNormal);
                            mean + std.get(i).copied().unwrap_or(1.0) * noise
                        }
                    };
                    codes.push(x);
                    clipped.push(x.clamp(bounds.low[i], bounds.high[i]));
                }
                actions.push(Action::Continuous(clipped));
            }
            (actions, codes)
        }
    }
}

/// Softmax of `logits` into `probs` (same length), shifted by the maximum.
fn softmax(logits: &[f32], probs: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for (p, &l) in probs.iter_mut().zip(logits) {
        *p = (l - max).exp();
        sum += *p;
    }
    for p in probs.iter_mut() {
        *p /= sum;
    }
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &p) in row.iter().enumerate() {
        if p > row[best] {
            best = i;
        }
    }
    best
}

fn sample_categorical(row: &[f32], rng: &mut Rng) -> usize {
    let u: f32 = rng.random();
    let mut cumulative = 0.0;
    for (i, &p) in row.iter().enumerate() {
        cumulative += p;
        if u < cumulative {
            return i;
        }
    }
    // Rounding left the sum just under 1: the last action with mass.
    row.iter().rposition(|&p| p > 0.0).unwrap_or(0)
}

/// Log-probability of the taken actions and entropy, per row, for the loss.
/// `policy_out` is `[N, n]` logits or `[N, d]` means; `codes` the actions
/// as returned by [`choose_actions`].
pub fn log_prob_and_entropy(
    agent: &ActorCritic,
    policy_out: &Tensor,
    codes: &[f32],
    space: &Space,
) -> (Tensor, Tensor) {
    let device = policy_out.device();
    match space {
        Space::Discrete { .. } => {
            let log_probs = policy_out.log_softmax(-1, Kind::Float);
            let index: Vec<i64> = codes.iter().map(|&c| c as i64).collect();
            let index = Tensor::from_slice(&index).to_device(device).unsqueeze(-1);
            let taken = log_probs.gather(-1, &index, false).squeeze_dim(-1);
            let entropy = -(log_probs.exp() * &log_probs).sum_dim_intlist(-1, false, Kind::Float);
            (taken, entropy)
        }
        Space::Box(bounds) => {
            let d = bounds.low.len() as i64;
            let log_std = agent
                .log_std()
                .expect("a Gaussian head has a log-std")
                .shallow_clone();
            let x = Tensor::from_slice(codes).to_device(device).view([-1, d]);
            let z = (&x - policy_out) / log_std.exp();
            let log_2pi = (2.0 * std::f64::consts::PI).ln();
            let per_dim = z.square() * -0.5 - &log_std - 0.5 * log_2pi;
            let taken = per_dim.sum_dim_intlist(-1, false, Kind::Float);
            let entropy_one = (log_std + 0.5 * (1.0 + log_2pi)).sum(Kind::Float);
            let entropy = entropy_one.expand([x.size()[0]], false);
            (taken, entropy)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_sampling_follows_the_probabilities() {
        let mut rng = rng_from_seed(1);
        let row = [0.2, 0.0, 0.8];
        let mut counts = [0usize; 3];
        for _ in 0..10_000 {
            counts[sample_categorical(&row, &mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            (counts[0] as f64 / 10_000.0 - 0.2).abs() < 0.02,
            "{counts:?}"
        );
        assert_eq!(argmax(&row), 2);
    }
}
