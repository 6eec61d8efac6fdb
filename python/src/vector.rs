//! `B` trials stepped in Rust in one call: the core of `lsnn_rl.make_vec`.

use std::sync::{Arc, Mutex};

use lsnn_rl_env::{Action, EnvError, Info, Space, TaskDistribution, VecEnv};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{space_dict, step_regret};
use crate::env::{RewardCode, TrialShape, meta_inputs};
use crate::{errors, registry};

/// The batch and whether it has been reset.
struct Batch {
    env: VecEnv,
    reset: bool,
}

/// `num_envs` trials of one task distribution in lockstep, each with its
/// own task, with Gymnasium's NEXT_STEP autoreset (see
/// [`lsnn_rl_env::VecEnv`]). Every call returns NumPy arrays: observations
/// `[num_envs, obs]` float32, rewards float64, flags bool, and the infos
/// as one float64 array and one bool mask (`_key`) per key.
#[pyclass(module = "lsnn_rl._core")]
pub struct VectorEnv {
    shape: TrialShape,
    spec: String,
    batch: Mutex<Batch>,
    infos: bool,
}

impl VectorEnv {
    fn batch(&self) -> std::sync::MutexGuard<'_, Batch> {
        self.batch.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Gymnasium's vector infos: for each key any slot reports, in order of
/// first appearance, a float64 array (0 where a slot lacks the key) and a
/// bool mask under `_key`; `regret` where both expected rewards are there.
fn vector_infos<'py>(py: Python<'py>, infos: &[Info]) -> PyResult<Bound<'py, PyDict>> {
    let batch = infos.len();
    let mut keys: Vec<&'static str> = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    let mut masks: Vec<Vec<bool>> = Vec::new();
    let mut put = |key: &'static str, slot: usize, value: f64| {
        let k = match keys.iter().position(|k| *k == key) {
            Some(k) => k,
            None => {
                keys.push(key);
                values.push(vec![0.0; batch]);
                masks.push(vec![false; batch]);
                keys.len() - 1
            }
        };
        values[k][slot] = value;
        masks[k][slot] = true;
    };
    for (slot, info) in infos.iter().enumerate() {
        for &(key, value) in info.entries() {
            put(key, slot, value);
        }
        if let Some(regret) = step_regret(info) {
            put("regret", slot, regret);
        }
    }
    let dict = PyDict::new(py);
    for ((key, value), mask) in keys.iter().zip(values).zip(masks) {
        dict.set_item(*key, value.into_pyarray(py))?;
        dict.set_item(format!("_{key}"), mask.into_pyarray(py))?;
    }
    Ok(dict)
}

#[pymethods]
impl VectorEnv {
    /// `num_envs` trials of `spec` with the meta-RL inputs `inputs` and the
    /// reward code `reward_code`, if any; `infos=False` returns empty infos
    /// (faster).
    #[new]
    #[pyo3(signature = (spec, num_envs, inputs, infos=true, reward_code=None))]
    fn new(
        py: Python<'_>,
        spec: &str,
        num_envs: usize,
        inputs: (bool, bool, bool, bool),
        infos: bool,
        reward_code: Option<RewardCode>,
    ) -> PyResult<Self> {
        let registry = registry().map_err(|e| errors::spec_error(py, e))?;
        let dist: Arc<dyn TaskDistribution> = registry
            .make(spec)
            .map_err(|e| errors::spec_error(py, &e))?
            .into();
        let inputs = meta_inputs(inputs, reward_code)?;
        let shape = TrialShape::of(dist.as_ref(), inputs).map_err(|e| errors::env_error(py, &e))?;
        let spec = dist.spec().to_string();
        let env = VecEnv::new(dist, num_envs, inputs).map_err(|e| errors::env_error(py, &e))?;
        Ok(Self {
            shape,
            spec,
            batch: Mutex::new(Batch { env, reset: false }),
            infos,
        })
    }

    /// The canonical spec.
    #[getter]
    fn spec(&self) -> &str {
        &self.spec
    }

    /// Trials stepped together.
    #[getter]
    fn num_envs(&self) -> usize {
        self.batch().env.batch()
    }

    /// The observation space of one trial (a dict).
    #[getter]
    fn single_observation_space<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        space_dict(py, &self.shape.observation_space)
    }

    /// The action space of one trial (a dict).
    #[getter]
    fn single_action_space<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        space_dict(py, &self.shape.action_space)
    }

    /// Steps in a full trial.
    #[getter]
    fn trial_steps(&self) -> usize {
        self.shape.trial_steps
    }

    /// How many trials have started since the last reset.
    #[getter]
    fn trials_started(&self) -> u64 {
        self.batch().env.trials_started()
    }

    /// Starts `num_envs` new trials: the k-th trial started from now on
    /// plays the task of trial k of an evaluation seeded `seed`. Returns the
    /// observations `[num_envs, obs]` and the infos.
    fn reset<'py>(&self, py: Python<'py>, seed: u64) -> PyResult<Bound<'py, PyTuple>> {
        let mut batch = self.batch();
        let size = batch.env.obs_size();
        let (obs, infos) = batch
            .env
            .reset(seed)
            .map_err(|e| errors::env_error(py, &e))?;
        batch.reset = true;
        let rows = infos.len();
        let obs = Array2::from_shape_vec((rows, size), obs)
            .map_err(|e| errors::other(py, e.to_string()))?
            .into_pyarray(py);
        let infos = if self.infos {
            vector_infos(py, &infos)?
        } else {
            PyDict::new(py)
        };
        PyTuple::new(py, [obs.into_any(), infos.into_any()])
    }

    /// Steps every trial: `actions` is an int64 array `[num_envs]` for a
    /// discrete action space, a float32 array `[num_envs, dim]` for a box.
    /// Returns observations, rewards, terminated, truncated and infos.
    fn step<'py>(
        &self,
        py: Python<'py>,
        actions: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut batch = self.batch();
        if !batch.reset {
            let err = EnvError::NotReset {
                env: self.shape.name.clone(),
            };
            return Err(errors::env_error(py, &err));
        }
        let actions = self.actions(py, actions, batch.env.batch())?;
        let size = batch.env.obs_size();
        let step = batch
            .env
            .step(&actions)
            .map_err(|e| errors::env_error(py, &e))?;
        let rows = step.rewards.len();
        let obs = Array2::from_shape_vec((rows, size), step.obs)
            .map_err(|e| errors::other(py, e.to_string()))?
            .into_pyarray(py);
        let infos = if self.infos {
            vector_infos(py, &step.infos)?
        } else {
            PyDict::new(py)
        };
        let items = [
            obs.into_any(),
            step.rewards.into_pyarray(py).into_any(),
            step.terminated.into_pyarray(py).into_any(),
            step.truncated.into_pyarray(py).into_any(),
            infos.into_any(),
        ];
        PyTuple::new(py, items)
    }
}

impl VectorEnv {
    /// The batch's actions from a NumPy array, checked for the batch size;
    /// negative indices are invalid actions.
    fn actions(
        &self,
        py: Python<'_>,
        actions: &Bound<'_, PyAny>,
        batch: usize,
    ) -> PyResult<Vec<Action>> {
        let count_error = |count: usize| {
            errors::env_error(
                py,
                &EnvError::Unsupported {
                    env: self.spec.clone(),
                    what: format!(
                        "{count} actions for a batch of {batch}; pass one action per trial"
                    ),
                },
            )
        };
        let invalid = |shown: String| {
            errors::env_error(
                py,
                &EnvError::InvalidAction {
                    env: self.shape.name.clone(),
                    action: shown,
                    space: self.shape.action_space.to_string(),
                },
            )
        };
        match &self.shape.action_space {
            Space::Discrete { .. } => {
                let array: PyReadonlyArray1<'_, i64> = actions.extract().map_err(|_| {
                    errors::other(
                        py,
                        "actions must be a one-dimensional int64 array, one per trial".into(),
                    )
                })?;
                let view = array.as_array();
                if view.len() != batch {
                    return Err(count_error(view.len()));
                }
                view.iter()
                    .map(|&a| {
                        usize::try_from(a)
                            .map(Action::Discrete)
                            .map_err(|_| invalid(a.to_string()))
                    })
                    .collect()
            }
            Space::Box(_) => {
                let array: PyReadonlyArray2<'_, f32> = actions.extract().map_err(|_| {
                    errors::other(
                        py,
                        "actions must be a two-dimensional float32 array, one row per trial".into(),
                    )
                })?;
                let view = array.as_array();
                if view.nrows() != batch {
                    return Err(count_error(view.nrows()));
                }
                Ok(view
                    .rows()
                    .into_iter()
                    .map(|row| Action::Continuous(row.to_vec()))
                    .collect())
            }
        }
    }
}
