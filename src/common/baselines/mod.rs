//! The classical baselines scored on environments, for the commands: the
//! scoring, tables and CSV of [`lsnn_rl_classic::scoring`] (shared with the
//! Python package) with the command line's progress bar, notes, error
//! hints and episode-log rows. Shared by `baselines`, `train --baselines`,
//! `plot` and `report`.

use lsnn_rl_a2c::LogRow;
use lsnn_rl_classic::scoring::{self, CellEvent, LoggedStep, ScoreError};
use lsnn_rl_env::Registry;

pub use lsnn_rl_classic::scoring::{BaselineRow, ScoreRequest, csv, tables};

use crate::common::output::Indicator;

/// Where `gittins` keeps its index tables: the cache folder's `gittins`
/// (none when there is no cache folder: computed in memory).
pub fn gittins_cache() -> Option<std::path::PathBuf> {
    crate::common::runtime::cache_dir().map(|dir| dir.join("gittins"))
}

/// Scores the algorithms `request` asks for (by default every one that can
/// play each environment); returns the rows, the algorithms and the threads.
pub fn compute(
    registry: &Registry,
    request: &ScoreRequest,
    quiet: bool,
) -> anyhow::Result<Computed> {
    let progress = Indicator::bar(quiet, 0, "cells");
    let on_cell = |event: CellEvent<'_>| match event {
        CellEvent::Planned { cells } => progress.set_length(cells as u64),
        CellEvent::Started { algo, env } => progress.message(&format!("{algo} on {env}")),
        CellEvent::Finished => progress.inc(1),
    };
    let scored = scoring::score(registry, request, &on_cell).map_err(with_hint);
    progress.finish();
    let scored = scored?;
    for note in &scored.skipped {
        eprintln!("note: {note}");
    }
    Ok(Computed {
        rows: scored.rows,
        algos: scored.algos,
        threads: scored.threads,
        logs: scored
            .logs
            .into_iter()
            .map(|(algo, trials)| (algo, log_rows(trials)))
            .collect(),
    })
}

/// A scoring error with what the command line tells the user to do.
fn with_hint(err: ScoreError) -> anyhow::Error {
    match err {
        ScoreError::Spec(e) => anyhow::Error::new(e)
            .context("run `lsnn-rl envs` to see the environments and their parameters"),
        ScoreError::Algo { algo, source } => {
            anyhow::Error::new(source).context(format!("bad --algos entry '{algo}'"))
        }
        ScoreError::Start { spec, source } => {
            anyhow::Error::new(source).context(format!("cannot start a trial of {spec}"))
        }
        ScoreError::Cell { algo, env, source } => {
            anyhow::Error::new(*source).context(format!("{algo} on {env}"))
        }
    }
}

/// A baseline's steps (a list per trial) as rows of the episode log.
fn log_rows(trials: Vec<Vec<LoggedStep>>) -> Vec<LogRow> {
    trials
        .into_iter()
        .enumerate()
        .flat_map(|(trial, trial_steps)| {
            trial_steps
                .into_iter()
                .enumerate()
                .map(move |(step, (action, s))| LogRow {
                    trial: trial as u64,
                    episode: s.info.get("episode").unwrap_or(0.0) as u64,
                    step,
                    action: action.to_string(),
                    reward: s.reward,
                    done: s.done() && s.info.get("episode_end").is_some()
                        || s.terminated
                        || s.truncated,
                    value: f64::NAN,
                    spikes: 0,
                    alif_threshold: None,
                    info: s.info,
                })
        })
        .collect()
}

/// What [`compute`] found.
pub struct Computed {
    /// A row per (environment, algorithm) that could be played.
    pub rows: Vec<BaselineRow>,
    /// The algorithms asked for.
    pub algos: Vec<String>,
    /// Worker threads used.
    pub threads: usize,
    /// Each played algorithm's steps (empty unless [`ScoreRequest::keep_logs`]).
    pub logs: Vec<(String, Vec<LogRow>)>,
}
