//! B meta-RL trials stepped in lockstep.

use std::sync::Arc;

use rand::Rng as _;

use crate::{
    Action, Env, EnvError, Info, MetaInputs, Space, TaskDistribution, Trial, derive_seed,
    rng_from_seed,
};

/// The batched result of [`VecEnv::step`].
#[derive(Clone, Debug, PartialEq)]
pub struct VecStep {
    /// Observations, `batch x obs_size`, row-major.
    pub obs: Vec<f32>,
    /// One reward per trial.
    pub rewards: Vec<f64>,
    /// Whether each trial ended in a terminal state at this step.
    pub terminated: Vec<bool>,
    /// Whether each trial was cut by a time limit at this step.
    pub truncated: Vec<bool>,
    /// One info per trial.
    pub infos: Vec<Info>,
}

/// `batch` trials of one task distribution, stepped in lockstep, each with
/// its own task.
///
/// Autoreset follows Gymnasium's NEXT_STEP mode: the step that ends a trial
/// returns its last observation with `terminated` or `truncated` set; on the
/// next call to [`VecEnv::step`] that slot ignores its action, draws a new
/// task and returns the new trial's first observation with reward 0, neither
/// flag set, and `autoreset` = 1 in its info.
///
/// Seeding: after `reset(seed)`, the k-th trial started (slots in order at
/// reset, then in slot order as trials end) plays the task drawn from
/// `derive_seed(seed, k)`, so a seed fixes every task and every reward.
pub struct VecEnv {
    dist: Arc<dyn TaskDistribution>,
    inputs: MetaInputs,
    trials: Vec<Trial>,
    ended: Vec<bool>,
    seed: u64,
    trials_started: u64,
    obs_size: usize,
    action_space: Space,
}

impl VecEnv {
    /// `batch` trials of `dist` with the given meta-RL inputs. Call
    /// [`VecEnv::reset`] before stepping.
    pub fn new(
        dist: Arc<dyn TaskDistribution>,
        batch: usize,
        inputs: MetaInputs,
    ) -> Result<Self, EnvError> {
        if batch == 0 {
            return Err(EnvError::Unsupported {
                env: dist.spec().to_string(),
                what: "a batch of 0 trials; use at least 1".into(),
            });
        }
        let mut env = Self {
            action_space: dist.action_space(),
            dist,
            inputs,
            trials: Vec::with_capacity(batch),
            ended: vec![false; batch],
            seed: 0,
            trials_started: 0,
            obs_size: 0,
        };
        for _ in 0..batch {
            let trial = env.new_trial()?.0;
            env.trials.push(trial);
        }
        env.obs_size = env.trials[0].observation_space().flat_size();
        Ok(env)
    }

    /// Number of trials stepped together.
    pub fn batch(&self) -> usize {
        self.trials.len()
    }

    /// Floats per observation (the task's observation plus the meta-RL inputs).
    pub fn obs_size(&self) -> usize {
        self.obs_size
    }

    /// The observation space of each trial.
    pub fn observation_space(&self) -> &Space {
        self.trials[0].observation_space()
    }

    /// The action space shared by every task.
    pub fn action_space(&self) -> &Space {
        &self.action_space
    }

    /// Steps in one full trial.
    pub fn trial_steps(&self) -> usize {
        self.trials[0].trial_steps()
    }

    /// How many trials have been started since the last reset.
    pub fn trials_started(&self) -> u64 {
        self.trials_started
    }

    /// Draws the next task and starts its trial.
    fn new_trial(&mut self) -> Result<(Trial, Vec<f32>, Info), EnvError> {
        let mut rng = rng_from_seed(derive_seed(self.seed, self.trials_started));
        self.trials_started += 1;
        let env = self.dist.sample_task(&mut rng);
        let mut trial = Trial::new(env, self.dist.episodes_per_trial(), self.inputs)?;
        let (obs, info) = trial.reset(Some(rng.random()));
        Ok((trial, obs, info))
    }

    /// Starts `batch` new trials; returns their first observations
    /// (`batch x obs_size`) and infos.
    pub fn reset(&mut self, seed: u64) -> Result<(Vec<f32>, Vec<Info>), EnvError> {
        self.seed = seed;
        self.trials_started = 0;
        let mut obs = Vec::with_capacity(self.batch() * self.obs_size);
        let mut infos = Vec::with_capacity(self.batch());
        for slot in 0..self.batch() {
            let (trial, first_obs, info) = self.new_trial()?;
            self.trials[slot] = trial;
            self.ended[slot] = false;
            obs.extend_from_slice(&first_obs);
            infos.push(info);
        }
        Ok((obs, infos))
    }

    /// Takes one action in every trial (`actions.len() == batch`). An
    /// action outside the action space (in a trial that is not being reset)
    /// is an error that steps no trial.
    pub fn step(&mut self, actions: &[Action]) -> Result<VecStep, EnvError> {
        if actions.len() != self.batch() {
            return Err(EnvError::Unsupported {
                env: self.dist.spec().to_string(),
                what: format!(
                    "{} actions for a batch of {}; pass one action per trial",
                    actions.len(),
                    self.batch()
                ),
            });
        }
        // Check every action before stepping any trial, so that a bad one
        // leaves the whole batch as it was.
        for (slot, action) in actions.iter().enumerate() {
            if !self.ended[slot] && !self.action_space.contains(action) {
                return Err(EnvError::invalid_action(
                    self.trials[slot].name(),
                    action,
                    &self.action_space,
                ));
            }
        }
        let batch = self.batch();
        let mut out = VecStep {
            obs: Vec::with_capacity(batch * self.obs_size),
            rewards: Vec::with_capacity(batch),
            terminated: Vec::with_capacity(batch),
            truncated: Vec::with_capacity(batch),
            infos: Vec::with_capacity(batch),
        };
        for (slot, action) in actions.iter().enumerate() {
            if self.ended[slot] {
                let (trial, first_obs, info) = self.new_trial()?;
                self.trials[slot] = trial;
                self.ended[slot] = false;
                out.obs.extend_from_slice(&first_obs);
                out.rewards.push(0.0);
                out.terminated.push(false);
                out.truncated.push(false);
                out.infos.push(info.with("autoreset", 1.0));
                continue;
            }
            let step = self.trials[slot].step(action)?;
            self.ended[slot] = step.done();
            out.obs.extend_from_slice(&step.obs);
            out.rewards.push(step.reward);
            out.terminated.push(step.terminated);
            out.truncated.push(step.truncated);
            out.infos.push(step.info);
        }
        Ok(out)
    }
}
