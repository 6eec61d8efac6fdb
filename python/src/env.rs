//! One meta-RL trial at a time: the core of `lsnn_rl.make`.

use std::sync::Mutex;

use lsnn_rl_env::{
    Env as _, EnvError, MetaInputs, Space, TaskDistribution, Trial, rng_from_seed,
    start_eval_trial_with_info,
};
use numpy::IntoPyArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{action_from_py, info_dict, space_dict};
use crate::{errors, registry};

/// The reward's population code as Python passes it: units, the first
/// unit's centre, the last unit's centre (`reward_code=(11, 0.0, 5.0)`).
pub type RewardCode = (usize, f64, f64);

/// The meta-RL inputs from a tuple of four flags (previous action,
/// previous reward, done flag, step index) and an optional reward code; a
/// code that cannot be built is a `ValueError` naming the fix.
pub fn meta_inputs(
    flags: (bool, bool, bool, bool),
    reward_code: Option<RewardCode>,
) -> PyResult<MetaInputs> {
    let (reward_units, reward_low, reward_high) = reward_code.unwrap_or((0, 0.0, 1.0));
    let inputs = MetaInputs {
        prev_action: flags.0,
        prev_reward: flags.1,
        done_flag: flags.2,
        step_index: flags.3,
        reward_units,
        reward_low,
        reward_high,
    };
    match inputs.problem() {
        // The core's message names the config keys; say which argument is meant.
        Some(problem) => Err(PyValueError::new_err(format!(
            "reward_code=({reward_units}, {reward_low}, {reward_high}) is invalid: {}; pass (units, low, high) with 2 <= units <= {} and low < high, or None for no code",
            problem
                .split_once(": ")
                .map_or(problem.as_str(), |(_, why)| why),
            MetaInputs::MAX_REWARD_UNITS
        ))),
        None => Ok(inputs),
    }
}

/// What every trial of a task distribution shares once wrapped with its
/// meta-RL inputs: the spaces, the trial length, the name errors use.
pub struct TrialShape {
    /// The observation space, the meta-RL inputs included.
    pub observation_space: Space,
    /// The action space.
    pub action_space: Space,
    /// Steps in a full trial.
    pub trial_steps: usize,
    /// The environment's name (in error messages).
    pub name: String,
}

impl TrialShape {
    /// The shape of `dist`'s trials with `inputs`, read off one task.
    pub fn of(dist: &dyn TaskDistribution, inputs: MetaInputs) -> Result<Self, EnvError> {
        let task = dist.sample_task(&mut rng_from_seed(0));
        let trial = Trial::new(task, dist.episodes_per_trial(), inputs)?;
        Ok(Self {
            observation_space: trial.observation_space().clone(),
            action_space: dist.action_space(),
            trial_steps: trial.trial_steps(),
            name: trial.name().to_string(),
        })
    }
}

/// The trial in play and where the stream of trials stands.
struct Play {
    trial: Option<Trial>,
    /// The stream's seed; `None` before the first reset.
    seed: Option<u64>,
    /// The index of the next trial a reset starts.
    next: u64,
    /// The index of the trial in play and its policy's seed.
    current: Option<(u64, u64)>,
}

/// A task distribution played one trial at a time: each reset draws a new
/// task and starts its trial (all its episodes), wrapped with the meta-RL
/// inputs asked for.
///
/// Seeding: after `reset(seed=S)` the k-th trial started (counting that one
/// as 0) plays the task `lsnn-rl baselines --seed S` and `eval --seed S` give
/// trial k, with the same reward noise: the trial of
/// [`lsnn_rl_env::start_eval_trial`]`(dist, S, k)`.
#[pyclass(module = "lsnn_rl._core")]
pub struct TrialEnv {
    dist: Box<dyn TaskDistribution>,
    inputs: MetaInputs,
    shape: TrialShape,
    play: Mutex<Play>,
}

impl TrialEnv {
    fn play(&self) -> std::sync::MutexGuard<'_, Play> {
        // A panic cannot happen while the lock is held; recover the data anyway.
        self.play.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl TrialEnv {
    /// The task distribution of `spec`, its trials wrapped with the meta-RL
    /// inputs `inputs` (previous action, previous reward, done flag, step
    /// index) and the reward code `reward_code` (units, low, high), if any.
    #[new]
    #[pyo3(signature = (spec, inputs, reward_code=None))]
    fn new(
        py: Python<'_>,
        spec: &str,
        inputs: (bool, bool, bool, bool),
        reward_code: Option<RewardCode>,
    ) -> PyResult<Self> {
        let registry = registry().map_err(|e| errors::spec_error(py, e))?;
        let dist = registry
            .make(spec)
            .map_err(|e| errors::spec_error(py, &e))?;
        let inputs = meta_inputs(inputs, reward_code)?;
        let shape = TrialShape::of(dist.as_ref(), inputs).map_err(|e| errors::env_error(py, &e))?;
        Ok(Self {
            dist,
            inputs,
            shape,
            play: Mutex::new(Play {
                trial: None,
                seed: None,
                next: 0,
                current: None,
            }),
        })
    }

    /// The canonical spec (every parameter spelled out).
    #[getter]
    fn spec(&self) -> &str {
        self.dist.spec()
    }

    /// The observation space (a dict, see `convert::space_dict`).
    #[getter]
    fn observation_space<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        space_dict(py, &self.shape.observation_space)
    }

    /// The action space (a dict).
    #[getter]
    fn action_space<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        space_dict(py, &self.shape.action_space)
    }

    /// Steps in a full trial (episodes x the episode bound).
    #[getter]
    fn trial_steps(&self) -> usize {
        self.shape.trial_steps
    }

    /// Episodes in a trial.
    #[getter]
    fn episodes_per_trial(&self) -> usize {
        self.dist.episodes_per_trial()
    }

    /// The seed of the stream of trials (`None` before the first reset).
    #[getter]
    fn seed(&self) -> Option<u64> {
        self.play().seed
    }

    /// The index of the trial in play in its stream (`None` before the first reset).
    #[getter]
    fn trial_index(&self) -> Option<u64> {
        self.play().current.map(|c| c.0)
    }

    /// The seed the command line gives a policy's own stream on the trial
    /// in play (`None` before the first reset).
    #[getter]
    fn policy_seed(&self) -> Option<u64> {
        self.play().current.map(|c| c.1)
    }

    /// Starts a trial: with `seed`, trial `trial` (default 0) of that
    /// stream; without, trial `trial` (default: the next one) of the current
    /// stream. The first reset needs a seed. Returns the first observation
    /// (float32) and the reset info.
    #[pyo3(signature = (seed=None, trial=None))]
    fn reset<'py>(
        &self,
        py: Python<'py>,
        seed: Option<u64>,
        trial: Option<u64>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut play = self.play();
        let (stream, next) = match (seed, play.seed) {
            (Some(seed), _) => (seed, 0),
            (None, Some(seed)) => (seed, play.next),
            (None, None) => {
                return Err(errors::other(
                    py,
                    format!(
                        "{}: the first reset needs a seed; pass one",
                        self.shape.name
                    ),
                ));
            }
        };
        let index = trial.unwrap_or(next);
        let (new_trial, obs, info, policy_seed) =
            start_eval_trial_with_info(self.dist.as_ref(), stream, index, self.inputs)
                .map_err(|e| errors::env_error(py, &e))?;
        play.seed = Some(stream);
        play.next = index + 1;
        play.current = Some((index, policy_seed));
        play.trial = Some(new_trial);
        let obs = obs.into_pyarray(py).into_any();
        PyTuple::new(py, [obs, info_dict(py, &info)?.into_any()])
    }

    /// Takes one action: returns the observation, the reward, `terminated`,
    /// `truncated` and the info. An action outside the action space, a step
    /// before the first reset or after the trial's end raise the
    /// environment's error and change nothing.
    fn step<'py>(
        &self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let action = action_from_py(py, action, &self.shape.action_space, &self.shape.name)?;
        let mut play = self.play();
        let Some(trial) = play.trial.as_mut() else {
            let err = EnvError::NotReset {
                env: self.shape.name.clone(),
            };
            return Err(errors::env_error(py, &err));
        };
        let step = trial.step(&action).map_err(|e| errors::env_error(py, &e))?;
        let items = [
            step.obs.into_pyarray(py).into_any(),
            step.reward.into_pyobject(py)?.into_any(),
            pyo3::types::PyBool::new(py, step.terminated)
                .to_owned()
                .into_any(),
            pyo3::types::PyBool::new(py, step.truncated)
                .to_owned()
                .into_any(),
            info_dict(py, &step.info)?.into_any(),
        ];
        PyTuple::new(py, items)
    }
}
