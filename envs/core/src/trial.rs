//! The meta-RL trial: one task, one or more episodes, and the extra inputs a
//! recurrent policy needs to learn within the trial.

use serde::{Deserialize, Serialize};

use crate::{Action, BoxSpace, Env, EnvError, Info, Space, Step};

/// Which meta-RL inputs a [`Trial`] appends to each observation, in this
/// order. All on is the RL^2 / Wang et al. convention; without the previous
/// reward a meta-learner cannot tell good arms from bad ones.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetaInputs {
    /// The previous action: one-hot for `Discrete(n)`, the vector for a box.
    pub prev_action: bool,
    /// The previous reward.
    pub prev_reward: bool,
    /// 1 when the previous step ended an episode of the trial, else 0.
    pub done_flag: bool,
    /// The step index within the trial divided by the trial length, in [0, 1].
    pub step_index: bool,
    /// The previous reward also as a population code, appended last: this
    /// many units (0: none; else at least 2) with Gaussian tuning curves
    /// whose centres are spread evenly from `reward_low` to `reward_high`,
    /// each as wide as half the spacing: a reward at a centre drives its
    /// unit at 1 and the two neighbours at 0.135 (e^-2). A reward far
    /// outside the range drives none; 0 before the first step.
    #[serde(default)]
    pub reward_units: usize,
    /// The centre of the reward code's first unit.
    #[serde(default)]
    pub reward_low: f64,
    /// The centre of the reward code's last unit.
    #[serde(default = "one")]
    pub reward_high: f64,
}

fn one() -> f64 {
    1.0
}

impl MetaInputs {
    /// Every input on.
    pub fn all() -> Self {
        Self {
            prev_action: true,
            prev_reward: true,
            done_flag: true,
            step_index: true,
            reward_units: 0,
            reward_low: 0.0,
            reward_high: 1.0,
        }
    }

    /// No inputs: the trial passes the environment's observation through.
    pub fn none() -> Self {
        Self {
            prev_action: false,
            prev_reward: false,
            done_flag: false,
            step_index: false,
            ..Self::all()
        }
    }

    /// The most units a reward code may have: far more than any code needs,
    /// and small enough that every observation stays a modest vector.
    pub const MAX_REWARD_UNITS: usize = 1024;

    /// Why these inputs cannot be built, if they cannot: a reward code of
    /// one unit or of more than [`Self::MAX_REWARD_UNITS`], or a range that
    /// is not finite and increasing (or so narrow or wide that the tuning
    /// width is not a positive finite number).
    pub fn problem(&self) -> Option<String> {
        let (low, high, units) = (self.reward_low, self.reward_high, self.reward_units);
        if units == 1 {
            return Some(
                "inputs.reward_units = 1 is invalid: a population code needs at least 2 units (0 turns it off)"
                    .into(),
            );
        }
        if units > Self::MAX_REWARD_UNITS {
            return Some(format!(
                "inputs.reward_units = {units} is invalid: at most {} units",
                Self::MAX_REWARD_UNITS
            ));
        }
        let width = (high - low) / (2 * units.saturating_sub(1).max(1)) as f64;
        if self.reward_units > 0 && !(width.is_finite() && width > 0.0) {
            return Some(format!(
                "inputs.reward_low = {low} and inputs.reward_high = {high} are invalid: the reward code's range must be finite with reward_low below reward_high"
            ));
        }
        None
    }

    /// The reward code's units for `reward` (empty when there is none).
    pub fn reward_code(&self, reward: Option<f64>) -> impl Iterator<Item = f32> + '_ {
        let units = self.reward_units;
        let spacing = (self.reward_high - self.reward_low) / units.saturating_sub(1).max(1) as f64;
        let width = spacing / 2.0;
        (0..units).map(move |i| match reward {
            Some(r) => {
                let offset = (r - (self.reward_low + i as f64 * spacing)) / width;
                (-0.5 * offset * offset).exp() as f32
            }
            None => 0.0,
        })
    }
}

impl Default for MetaInputs {
    fn default() -> Self {
        Self::all()
    }
}

/// Runs `episodes` episodes of one task back to back as one trial, and
/// appends the [`MetaInputs`] to every observation.
///
/// When an episode ends before the last one, the trial resets the task's
/// environment itself (same task, new episode) and returns the new episode's
/// first observation with the done flag set; the step is neither terminated
/// nor truncated. The trial ends with its last episode.
///
/// Every step's info gains `episode` (the episode the action was taken in)
/// and, where an episode ended, `episode_end` = 1.
pub struct Trial {
    env: Box<dyn Env>,
    name: String,
    inputs: MetaInputs,
    episodes: usize,
    trial_steps: usize,
    obs_space: Space,
    action_size: usize,
    state: TrialState,
}

#[derive(Clone, Copy, PartialEq)]
enum TrialState {
    NotReset,
    Running { episode: usize, step: usize },
    Over,
}

impl Trial {
    /// Wraps the environment of one task.
    ///
    /// Fails when `episodes` is zero, when the step-index input is asked
    /// for and the environment's episodes have no length bound, or when the
    /// reward code is invalid ([`MetaInputs::problem`]).
    pub fn new(env: Box<dyn Env>, episodes: usize, inputs: MetaInputs) -> Result<Self, EnvError> {
        let name = env.name().to_string();
        if let Some(problem) = inputs.problem() {
            return Err(EnvError::Unsupported {
                env: name,
                what: problem,
            });
        }
        if episodes == 0 {
            return Err(EnvError::Unsupported {
                env: name,
                what: "a trial of 0 episodes; use at least 1".into(),
            });
        }
        let trial_steps = match env.max_episode_steps() {
            Some(steps) => steps * episodes,
            None if inputs.step_index => {
                return Err(EnvError::Unsupported {
                    env: name,
                    what: "the step-index input: its episodes have no length bound".into(),
                });
            }
            None => 0,
        };
        let (mut low, mut high) = flat_bounds(env.observation_space());
        let action_size = env.action_space().flat_size();
        if inputs.prev_action {
            let (lo, hi) = flat_bounds(env.action_space());
            low.extend(lo);
            high.extend(hi);
        }
        if inputs.prev_reward {
            low.push(f32::NEG_INFINITY);
            high.push(f32::INFINITY);
        }
        for on in [inputs.done_flag, inputs.step_index] {
            if on {
                low.push(0.0);
                high.push(1.0);
            }
        }
        low.extend(std::iter::repeat_n(0.0, inputs.reward_units));
        high.extend(std::iter::repeat_n(1.0, inputs.reward_units));
        let shape = vec![low.len()];
        Ok(Self {
            env,
            name,
            inputs,
            episodes,
            trial_steps,
            obs_space: Space::Box(BoxSpace { low, high, shape }),
            action_size,
            state: TrialState::NotReset,
        })
    }

    /// Steps in a full trial (episodes x the episode bound; 0 if unbounded).
    pub fn trial_steps(&self) -> usize {
        self.trial_steps
    }

    /// Episodes in the trial.
    pub fn episodes(&self) -> usize {
        self.episodes
    }

    /// The wrapped task environment.
    pub fn task_env(&self) -> &dyn Env {
        self.env.as_ref()
    }

    fn extend_obs(
        &self,
        mut obs: Vec<f32>,
        prev: Option<(&Action, f64)>,
        done: bool,
        step: usize,
    ) -> Vec<f32> {
        if self.inputs.prev_action {
            let start = obs.len();
            obs.resize(start + self.action_size, 0.0);
            match prev {
                Some((Action::Discrete(a), _)) => obs[start + a] = 1.0,
                Some((Action::Continuous(x), _)) => obs[start..].copy_from_slice(x),
                None => {}
            }
        }
        if self.inputs.prev_reward {
            obs.push(prev.map_or(0.0, |(_, r)| r as f32));
        }
        if self.inputs.done_flag {
            obs.push(if done { 1.0 } else { 0.0 });
        }
        if self.inputs.step_index {
            obs.push((step as f32 / self.trial_steps as f32).min(1.0));
        }
        obs.extend(self.inputs.reward_code(prev.map(|(_, r)| r)));
        obs
    }
}

/// Element-wise bounds of a space's flat form (one-hot for `Discrete`).
fn flat_bounds(space: &Space) -> (Vec<f32>, Vec<f32>) {
    match space {
        Space::Discrete { n } => (vec![0.0; *n], vec![1.0; *n]),
        Space::Box(b) => (b.low.clone(), b.high.clone()),
    }
}

impl Env for Trial {
    fn name(&self) -> &str {
        &self.name
    }

    fn observation_space(&self) -> &Space {
        &self.obs_space
    }

    fn action_space(&self) -> &Space {
        self.env.action_space()
    }

    fn max_episode_steps(&self) -> Option<usize> {
        (self.trial_steps > 0).then_some(self.trial_steps)
    }

    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info) {
        let (obs, info) = self.env.reset(seed);
        self.state = TrialState::Running {
            episode: 0,
            step: 0,
        };
        (
            self.extend_obs(obs, None, false, 0),
            info.with("episode", 0.0),
        )
    }

    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let TrialState::Running { episode, step } = self.state else {
            let env = self.name.clone();
            return Err(match self.state {
                TrialState::NotReset => EnvError::NotReset { env },
                _ => EnvError::EpisodeOver { env },
            });
        };
        let inner = self.env.step(action)?;
        let step = step + 1;
        let episode_ended = inner.done();
        let mut info = inner.info.with("episode", episode as f64);
        let last_episode = episode + 1 == self.episodes;
        let (obs, terminated, truncated) = if episode_ended && !last_episode {
            // Same task, next episode: the agent sees the reset through the done flag.
            let (first_obs, _) = self.env.reset(None);
            self.state = TrialState::Running {
                episode: episode + 1,
                step,
            };
            (first_obs, false, false)
        } else {
            self.state = if episode_ended {
                TrialState::Over
            } else {
                TrialState::Running { episode, step }
            };
            (inner.obs, inner.terminated, inner.truncated)
        };
        if episode_ended {
            info.set("episode_end", 1.0);
        }
        let obs = self.extend_obs(obs, Some((action, inner.reward)), episode_ended, step);
        Ok(Step {
            obs,
            reward: inner.reward,
            terminated,
            truncated,
            info,
        })
    }
}
