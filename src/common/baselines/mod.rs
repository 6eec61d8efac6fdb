//! The classical baselines scored on environments: the scoring itself
//! ([`compute`]), its tables ([`tables`]) and CSV ([`csv`]). Shared by
//! `baselines`, `train --baselines`, `plot` and `report`. Bandit tasks are
//! scored by reward and regret; navigation tasks (whose steps report
//! `goal_reached`) by the goal statistics of [`lsnn_rl_env::GoalSummary`].

pub mod csv;
pub mod tables;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use lsnn_rl_a2c::LogRow;
use lsnn_rl_classic::TaskKind;
use lsnn_rl_env::{
    EvalSummary, MetaInputs, Registry, RunError, TaskDistribution, evaluate_logged, is_goal_task,
    start_eval_trial_with_info,
};

use crate::common::output::Indicator;

/// One row of the results: an algorithm (or a trained agent) on an
/// environment, with its evaluation's summary.
#[derive(Clone, Debug)]
pub struct BaselineRow {
    /// Canonical environment spec.
    pub env: String,
    /// Algorithm spec (or the agent's label).
    pub algo: String,
    /// The seed of the evaluation.
    pub seed: u64,
    /// The evaluation's figures.
    pub summary: EvalSummary,
}

/// What to score: environments, trials, seed and algorithms.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreRequest {
    /// Environment specs, in order.
    pub envs: Vec<String>,
    /// Trials per algorithm and environment.
    pub trials: u64,
    /// Seed: trial i of every algorithm plays the same task.
    pub seed: u64,
    /// The algorithms; `None` for every one that can play each environment.
    pub algos: Option<Vec<String>>,
    /// Keep every step of every trial ([`Computed::logs`]).
    pub keep_logs: bool,
    /// Worker threads (default: the number of cores).
    pub threads: Option<u64>,
    /// No progress bar.
    pub quiet: bool,
}

/// Whether `dist` is a navigation task: its reset info reports
/// `shortest_path` (see [`lsnn_rl_env::is_goal_task`]).
fn task_kind(dist: &dyn TaskDistribution, seed: u64) -> anyhow::Result<TaskKind> {
    let (_, _, info, _) = start_eval_trial_with_info(dist, seed, 0, MetaInputs::none())
        .with_context(|| format!("cannot start a trial of {}", dist.spec()))?;
    Ok(if is_goal_task(&info) {
        TaskKind::Navigation
    } else {
        TaskKind::Bandit
    })
}

/// Scores the algorithms `request` asks for (by default every one that can
/// play each environment); returns the rows, the algorithms and the threads.
pub fn compute(registry: &Registry, request: &ScoreRequest) -> anyhow::Result<Computed> {
    let dists = request
        .envs
        .iter()
        .map(|spec| {
            registry
                .make(spec)
                .with_context(|| "run `lsnn-rl envs` to see the environments and their parameters")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let explicit = request.algos.is_some();
    let algos: Vec<String> = match &request.algos {
        Some(list) => list.iter().map(|a| a.trim().to_string()).collect(),
        None => {
            // The default set of each environment's kind, in order, once each.
            let mut algos: Vec<String> = Vec::new();
            for dist in &dists {
                let kind = task_kind(dist.as_ref(), request.seed)?;
                for algo in lsnn_rl_classic::default_algorithms(kind) {
                    if !algos.iter().any(|a| a == algo) {
                        algos.push(algo.to_string());
                    }
                }
            }
            algos
        }
    };
    let cache = crate::common::runtime::cache_dir().map(|dir| dir.join("gittins"));
    // Check every algorithm spec before spending minutes on the others.
    for algo in &algos {
        lsnn_rl_classic::make_policy(algo, cache.as_deref())
            .with_context(|| format!("bad --algos entry '{algo}'"))?;
    }
    let threads = request.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    let cells: Vec<(usize, &String)> = (0..dists.len())
        .flat_map(|d| algos.iter().map(move |a| (d, a)))
        .collect();
    let progress = Indicator::bar(request.quiet, cells.len() as u64, "cells");
    let results = run_cells(&dists, &cells, request, cache, threads, &progress);
    progress.finish();
    let mut rows = Vec::new();
    let mut logs = Vec::new();
    for ((d, algo), result) in cells.iter().zip(results) {
        match result {
            Ok((row, log)) => {
                rows.push(row);
                logs.push((algo.to_string(), log));
            }
            Err(RunError::Policy { reason, .. }) if !explicit => {
                eprintln!("note: skipped {algo} on {}: {reason}", dists[*d].spec());
            }
            Err(err) => return Err(err).with_context(|| format!("{algo} on {}", dists[*d].spec())),
        }
    }
    Ok(Computed {
        rows,
        algos,
        threads,
        logs,
    })
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

/// Evaluates every (environment, algorithm) cell on `threads` threads; the
/// results come back in the order of `cells` whatever the scheduling.
fn run_cells(
    dists: &[Box<dyn TaskDistribution>],
    cells: &[(usize, &String)],
    request: &ScoreRequest,
    cache: Option<PathBuf>,
    threads: usize,
    progress: &Indicator,
) -> Vec<CellResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CellResult>>> =
        Mutex::new((0..cells.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(cells.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(d, algo)) = cells.get(i) else {
                        break;
                    };
                    progress.message(&format!("{algo} on {}", dists[d].spec()));
                    let result = run_cell(dists[d].as_ref(), algo, request, cache.as_deref());
                    progress.inc(1);
                    results.lock().expect("a worker panicked")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("a worker panicked")
        .into_iter()
        .map(|r| r.expect("every cell ran"))
        .collect()
}

/// The result of one (environment, algorithm) cell: its row, and its
/// steps when an episode log was asked for.
type CellResult = Result<(BaselineRow, Vec<LogRow>), RunError>;

fn run_cell(
    dist: &dyn TaskDistribution,
    algo: &str,
    request: &ScoreRequest,
    cache: Option<&std::path::Path>,
) -> CellResult {
    // The spec was checked before the workers started.
    let mut policy = lsnn_rl_classic::make_policy(algo, cache).map_err(|e| RunError::Policy {
        policy: algo.to_string(),
        env: dist.spec().to_string(),
        reason: e.to_string(),
    })?;
    let mut steps = Vec::new();
    let log = request.keep_logs.then_some(&mut steps);
    let outcomes = evaluate_logged(
        dist,
        policy.as_mut(),
        request.trials as usize,
        request.seed,
        log,
    )?;
    let rows = steps
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
        .collect();
    let row = BaselineRow {
        env: dist.spec().to_string(),
        algo: algo.to_string(),
        seed: request.seed,
        summary: EvalSummary::from_trials(&outcomes),
    };
    Ok((row, rows))
}
