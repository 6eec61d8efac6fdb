//! `lsnn_rl._core`: the Rust half of the `lsnn_rl` Python package.
//!
//! It exposes the LibTorch-free crates of the workspace, and nothing more:
//! the environment registry ([`lsnn_rl_env::Registry`] with the bandits and
//! the mazes), one trial at a time ([`env::TrialEnv`]) or `B` trials in
//! lockstep ([`vector::VectorEnv`]), the classical bandit policies step by
//! step ([`policy::BanditPolicy`]), the scored baselines table
//! ([`baselines::baselines`]) and a TOML reader for run directories. The
//! Python half (`python/lsnn_rl/`) turns these into Gymnasium environments,
//! DataFrames and exceptions; users import `lsnn_rl`, not this module.
//!
//! Errors become the exceptions of `lsnn_rl.errors` with the message the
//! command line prints ([`errors`]); nothing here panics on bad input.

pub mod baselines;
pub mod convert;
pub mod env;
pub mod errors;
pub mod policy;
pub mod vector;

use std::sync::OnceLock;

use lsnn_rl_env::{Registry, SpecError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The registry of every built-in environment: the bandits, the mazes and
/// the function families, as the `lsnn-rl` binary has it.
fn registry() -> Result<&'static Registry, &'static SpecError> {
    static REGISTRY: OnceLock<Result<Registry, SpecError>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let mut registry = Registry::new();
            lsnn_rl_bandits::register(&mut registry)?;
            lsnn_rl_mazes::register(&mut registry)?;
            lsnn_rl_functions::register(&mut registry)?;
            Ok(registry)
        })
        .as_ref()
}

/// The registered environments as a list of dicts, sorted by id: `id`,
/// `description`, `observation_space` and `action_space` (as text, with the
/// default parameters), `episodes_per_trial`, and `params` (each a dict of
/// `name`, `default`, `help`). The fields of `lsnn-rl envs --json`.
#[pyfunction]
fn envs(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let registry = registry().map_err(|e| errors::spec_error(py, e))?;
    let list = PyList::empty(py);
    for entry in registry.entries() {
        let dist = registry
            .make(entry.id)
            .map_err(|e| errors::spec_error(py, &e))?;
        let item = PyDict::new(py);
        item.set_item("id", entry.id)?;
        item.set_item("description", entry.description)?;
        item.set_item("observation_space", dist.observation_space().to_string())?;
        item.set_item("action_space", dist.action_space().to_string())?;
        item.set_item("episodes_per_trial", dist.episodes_per_trial())?;
        let params = PyList::empty(py);
        for p in &entry.params {
            let param = PyDict::new(py);
            param.set_item("name", p.name)?;
            param.set_item("default", p.default)?;
            param.set_item("help", p.help)?;
            params.append(param)?;
        }
        item.set_item("params", params)?;
        list.append(item)?;
    }
    Ok(list)
}

/// The canonical form of a spec: every parameter spelled out, in the
/// environment's order (`bandit-bernoulli` -> `bandit-bernoulli:arms=5,pulls=100`).
#[pyfunction]
fn canonical_spec(py: Python<'_>, spec: &str) -> PyResult<String> {
    let registry = registry().map_err(|e| errors::spec_error(py, e))?;
    let params = registry
        .params(spec)
        .map_err(|e| errors::spec_error(py, &e))?;
    Ok(params.canonical_spec())
}

/// A TOML document (a run's `config.toml`) as JSON text, for `json.loads`.
#[pyfunction]
fn toml_to_json(py: Python<'_>, text: &str) -> PyResult<String> {
    let value: toml::Value =
        toml::from_str(text).map_err(|e| errors::run_error(py, e.to_string()))?;
    serde_json::to_string(&value).map_err(|e| errors::run_error(py, e.to_string()))
}

/// The seed of trial `trial`'s own stream in an evaluation seeded with
/// `seed`: what `lsnn-rl baselines` and `eval` give the policy on that trial.
#[pyfunction]
fn policy_seed(seed: u64, trial: u64) -> u64 {
    lsnn_rl_env::derive_seed(lsnn_rl_env::derive_seed(seed, trial), 1)
}

/// The folder for caches the command line uses too (the Gittins tables
/// live in its `gittins/`), or `None` when no home is known.
#[pyfunction]
fn cache_dir() -> Option<std::path::PathBuf> {
    lsnn_rl_env::storage::cache_dir()
}

/// The module `lsnn_rl._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(envs, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_spec, m)?)?;
    m.add_function(wrap_pyfunction!(toml_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(policy_seed, m)?)?;
    m.add_function(wrap_pyfunction!(cache_dir, m)?)?;
    m.add_function(wrap_pyfunction!(baselines::baselines, m)?)?;
    m.add_class::<env::TrialEnv>()?;
    m.add_class::<vector::VectorEnv>()?;
    m.add_class::<policy::BanditPolicy>()?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "MAX_REWARD_UNITS",
        lsnn_rl_env::MetaInputs::MAX_REWARD_UNITS,
    )?;
    Ok(())
}
