//! Values crossing the boundary: spaces, infos and actions.

use lsnn_rl_env::{Action, EnvError, Info, Space};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::errors;

/// Info keys whose difference is the step's regret: the best arm's expected
/// reward minus the chosen arm's (exact, not sampled).
const EXPECTED: &str = "expected_reward";
const BEST_EXPECTED: &str = "best_expected_reward";

/// A space as a dict: `{"type": "discrete", "n": n}` or `{"type": "box",
/// "low": array, "high": array, "shape": tuple}` (float32 bounds).
pub fn space_dict<'py>(py: Python<'py>, space: &Space) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    match space {
        Space::Discrete { n } => {
            dict.set_item("type", "discrete")?;
            dict.set_item("n", *n)?;
        }
        Space::Box(b) => {
            dict.set_item("type", "box")?;
            dict.set_item("low", b.low.clone().into_pyarray(py))?;
            dict.set_item("high", b.high.clone().into_pyarray(py))?;
            dict.set_item("shape", PyTuple::new(py, &b.shape)?)?;
        }
    }
    dict.set_item("text", space.to_string())?;
    Ok(dict)
}

/// An info as a dict of floats, in the environment's order, with `regret`
/// (best expected reward minus the chosen arm's) where the step reports both.
pub fn info_dict<'py>(py: Python<'py>, info: &Info) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in info.entries() {
        dict.set_item(*key, *value)?;
    }
    if let Some(regret) = step_regret(info) {
        dict.set_item("regret", regret)?;
    }
    Ok(dict)
}

/// The step's regret, where its info reports both expected rewards.
pub fn step_regret(info: &Info) -> Option<f64> {
    Some(info.get(BEST_EXPECTED)? - info.get(EXPECTED)?)
}

/// A Python action as an [`Action`] of `space`: an integer (Python or
/// NumPy) for `Discrete(n)`, a sequence of floats for a box. Anything else,
/// or an integer outside `0..n`, is the environment's invalid-action error
/// for `env`.
pub fn action_from_py(
    py: Python<'_>,
    action: &Bound<'_, PyAny>,
    space: &Space,
    env: &str,
) -> PyResult<Action> {
    let invalid = |shown: String| {
        errors::env_error(
            py,
            &EnvError::InvalidAction {
                env: env.to_string(),
                action: shown,
                space: space.to_string(),
            },
        )
    };
    let shown = || {
        action
            .str()
            .map_or_else(|_| "?".to_string(), |s| s.to_string())
    };
    match space {
        Space::Discrete { n } => match action.extract::<i64>() {
            Ok(a) if a >= 0 && (a as u64) < *n as u64 => Ok(Action::Discrete(a as usize)),
            Ok(a) => Err(invalid(a.to_string())),
            Err(_) => Err(invalid(shown())),
        },
        Space::Box(_) => match action.extract::<Vec<f32>>() {
            // The environment checks the size and the bounds.
            Ok(x) => Ok(Action::Continuous(x)),
            Err(_) => Err(invalid(shown())),
        },
    }
}
