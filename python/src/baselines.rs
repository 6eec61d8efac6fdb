//! The classical baselines' table: the core of `lsnn_rl.baselines`.

use lsnn_rl_classic::scoring::{ScoreError, ScoreRequest, csv::to_csv, score, tables::env_table};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::{errors, registry};

/// Scores the classical baselines as `lsnn-rl baselines` does: `trials`
/// trials of each algorithm (`algos`, default every one that can play) on
/// each environment of `specs`, trial i of every algorithm on the same task
/// (seeded from `seed`), on `threads` threads (default every core). The
/// Gittins tables are cached where the command line caches them.
///
/// Returns a dict: `csv` (the text of `baselines --csv`, one row per
/// environment and algorithm), `table` (what `baselines` prints, one table
/// per environment), `algos` (the algorithms asked for) and `skipped` (one
/// line per algorithm that could not play an environment).
#[pyfunction]
#[pyo3(signature = (specs, trials, seed, algos=None, threads=None))]
pub fn baselines<'py>(
    py: Python<'py>,
    specs: Vec<String>,
    trials: u64,
    seed: u64,
    algos: Option<Vec<String>>,
    threads: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let registry = registry().map_err(|e| errors::spec_error(py, e))?;
    if threads == Some(0) {
        return Err(errors::other(py, "threads must be at least 1".into()));
    }
    let request = ScoreRequest {
        envs: specs,
        trials,
        seed,
        algos,
        keep_logs: false,
        threads,
        gittins_cache: lsnn_rl_env::storage::cache_dir().map(|dir| dir.join("gittins")),
    };
    // Minutes of work: let other Python threads run meanwhile.
    let scored = py.detach(|| score(registry, &request, &|_| {}));
    let scored = scored.map_err(|err| match err {
        ScoreError::Spec(e) => errors::spec_error(py, &e),
        ScoreError::Algo { source, .. } => errors::algo_error(py, &source),
        ScoreError::Cell { .. } => errors::policy_error(py, err.to_string()),
        ScoreError::Start { .. } => errors::other(py, err.to_string()),
    })?;
    let csv = to_csv(&scored.rows).map_err(|e| errors::other(py, e.to_string()))?;
    let mut table = String::new();
    for spec in &request.envs {
        let rows: Vec<_> = scored
            .rows
            .iter()
            .filter(|r| {
                registry
                    .params(spec)
                    .is_ok_and(|p| p.canonical_spec() == r.env)
            })
            .cloned()
            .collect();
        table.push_str(&env_table(&rows));
    }
    let out = PyDict::new(py);
    out.set_item("csv", String::from_utf8_lossy(&csv).into_owned())?;
    out.set_item("table", table)?;
    out.set_item("algos", PyList::new(py, &scored.algos)?)?;
    out.set_item("skipped", PyList::new(py, &scored.skipped)?)?;
    Ok(out)
}
