//! Rust errors as the exceptions of `lsnn_rl.errors`, each with the message
//! the command line prints for the same problem.
//!
//! | Rust error | exception |
//! | --- | --- |
//! | [`SpecError`] (bad environment spec) | `SpecError` (a `ValueError`) |
//! | [`AlgoError`] (bad algorithm spec) | `AlgorithmError` (a `ValueError`) |
//! | [`EnvError::InvalidAction`] | `ActionError` (a `ValueError`) |
//! | [`EnvError::NotReset`], [`EnvError::EpisodeOver`] | `StateError` (a `RuntimeError`) |
//! | a policy that cannot play a task | `PolicyError` (a `ValueError`) |
//! | an unreadable run directory | `RunDirError` (a `ValueError`) |
//! | anything else | `LsnnRlError` |

use lsnn_rl_classic::AlgoError;
use lsnn_rl_env::{EnvError, SpecError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// An exception of class `class` from `lsnn_rl.errors` carrying `message`
/// (a `ValueError` when the module is used without its package).
fn raise(py: Python<'_>, class: &str, message: String) -> PyErr {
    let ty = py
        .import("lsnn_rl.errors")
        .and_then(|module| module.getattr(class))
        .and_then(|ty| ty.cast_into::<PyType>().map_err(PyErr::from));
    match ty {
        Ok(ty) => PyErr::from_type(ty, message),
        Err(_) => PyValueError::new_err(message),
    }
}

/// A bad environment spec.
pub fn spec_error(py: Python<'_>, err: &SpecError) -> PyErr {
    raise(py, "SpecError", err.to_string())
}

/// A bad algorithm spec.
pub fn algo_error(py: Python<'_>, err: &AlgoError) -> PyErr {
    raise(py, "AlgorithmError", err.to_string())
}

/// An environment's refusal: a bad action, or a step out of order.
pub fn env_error(py: Python<'_>, err: &EnvError) -> PyErr {
    let class = match err {
        EnvError::InvalidAction { .. } => "ActionError",
        EnvError::NotReset { .. } | EnvError::EpisodeOver { .. } => "StateError",
        EnvError::Unsupported { .. } => "LsnnRlError",
    };
    raise(py, class, err.to_string())
}

/// A policy that cannot play a task, or was fed what breaks its model.
pub fn policy_error(py: Python<'_>, message: String) -> PyErr {
    raise(py, "PolicyError", message)
}

/// A run directory's file that cannot be read.
pub fn run_error(py: Python<'_>, message: String) -> PyErr {
    raise(py, "RunDirError", message)
}

/// Anything else.
pub fn other(py: Python<'_>, message: String) -> PyErr {
    raise(py, "LsnnRlError", message)
}
