//! The classical baselines scored on environments: the scoring itself
//! ([`score`]), its text tables ([`tables`]) and its CSV ([`csv`]).
//!
//! `lsnn-rl baselines`, `train --baselines`, `plot`, `report` and the
//! Python package all score through here, so they print the same figures
//! for the same request. Bandit tasks are scored by reward and regret;
//! navigation tasks (whose steps report `goal_reached`) by the goal
//! statistics of [`lsnn_rl_env::GoalSummary`]; regression tasks by their
//! reward, minus the trial's summed squared error.
//!
//! ```
//! use lsnn_rl_classic::scoring::{ScoreRequest, csv::to_csv, score, tables::env_table};
//! use lsnn_rl_env::Registry;
//!
//! let mut registry = Registry::new();
//! lsnn_rl_bandits::register(&mut registry)?;
//! let request = ScoreRequest::new(vec!["bandit-bernoulli:arms=2,pulls=10".into()], 200, 7)
//!     .with_algos(vec!["random".into(), "gittins".into()]);
//! let scored = score(&registry, &request, &|_| {})?;
//! let [random, gittins] = &scored.rows[..] else { panic!("two rows") };
//! assert!(gittins.summary.mean_total_reward > random.summary.mean_total_reward);
//! assert!(gittins.summary.mean_regret < random.summary.mean_regret);
//! // The text table `lsnn-rl baselines` prints, and the CSV of its `--csv`.
//! assert!(env_table(&scored.rows).starts_with("bandit-bernoulli:arms=2,pulls=10 (200 trials, seed 7)\n"));
//! let csv = String::from_utf8(to_csv(&scored.rows)?)?;
//! assert!(csv.starts_with("env,algo,trials,mean_total_reward,ci95,mean_regret,regret_ci95,seed\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod csv;
pub mod tables;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use lsnn_rl_env::{
    Action, EnvError, EvalSummary, MetaInputs, Objective, Registry, RunError, SpecError, Step,
    TaskDistribution, evaluate_logged, is_goal_task, start_eval_trial_with_info,
};

use crate::{AlgoError, TaskKind};

/// One logged step of a baseline: the action and what it gave.
pub type LoggedStep = (Action, Step);

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
    /// Keep every step of every trial ([`Scored::logs`]).
    pub keep_logs: bool,
    /// Worker threads (default: the number of cores).
    pub threads: Option<u64>,
    /// Where `gittins` keeps its index tables (none: computed in memory).
    pub gittins_cache: Option<PathBuf>,
}

impl ScoreRequest {
    /// Every default algorithm on `envs`, `trials` trials each, seeded with
    /// `seed`, on every core, without logs or a Gittins cache.
    pub fn new(envs: Vec<String>, trials: u64, seed: u64) -> Self {
        Self {
            envs,
            trials,
            seed,
            algos: None,
            keep_logs: false,
            threads: None,
            gittins_cache: None,
        }
    }

    /// The same request for these algorithms only.
    pub fn with_algos(mut self, algos: Vec<String>) -> Self {
        self.algos = Some(algos);
        self
    }
}

/// Why [`score`] could not score a request.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// An environment spec is not valid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// An algorithm spec is not valid.
    #[error("bad algorithm '{algo}': {source}")]
    Algo {
        /// The spec as given.
        algo: String,
        /// What is wrong with it.
        source: AlgoError,
    },
    /// The first trial of an environment could not start (to tell its kind).
    #[error("cannot start a trial of {spec}: {source}")]
    Start {
        /// The environment spec.
        spec: String,
        /// The environment's error.
        source: EnvError,
    },
    /// An algorithm named explicitly could not play an environment, or an
    /// environment failed during play.
    #[error("{algo} on {env}: {source}")]
    Cell {
        /// The algorithm.
        algo: String,
        /// The environment spec.
        env: String,
        /// What went wrong.
        source: Box<RunError>,
    },
}

/// What [`score`] reports while it works, from its worker threads.
#[derive(Clone, Copy, Debug)]
pub enum CellEvent<'a> {
    /// The algorithms are known: `cells` (environment, algorithm) pairs
    /// are about to be scored. Sent once, before any other event.
    Planned {
        /// How many cells.
        cells: usize,
    },
    /// A worker starts scoring `algo` on `env`.
    Started {
        /// The algorithm.
        algo: &'a str,
        /// The environment spec.
        env: &'a str,
    },
    /// A worker finished a cell.
    Finished,
}

/// What [`score`] found.
#[derive(Debug)]
pub struct Scored {
    /// A row per (environment, algorithm) that could be played, environments
    /// in request order, algorithms in [`Scored::algos`] order.
    pub rows: Vec<BaselineRow>,
    /// The algorithms asked for (by default every one that can play).
    pub algos: Vec<String>,
    /// Worker threads used.
    pub threads: usize,
    /// Each played algorithm's steps, a list per trial (empty unless
    /// [`ScoreRequest::keep_logs`]).
    pub logs: Vec<(String, Vec<Vec<LoggedStep>>)>,
    /// One line per (environment, algorithm) skipped because the algorithm
    /// cannot play it (only when the algorithms were not named).
    pub skipped: Vec<String>,
}

/// The kind of `dist`: regression when its objective says so, navigation
/// when its reset info reports `shortest_path` (see
/// [`lsnn_rl_env::is_goal_task`]), else a bandit.
fn task_kind(dist: &dyn TaskDistribution, seed: u64) -> Result<TaskKind, ScoreError> {
    if dist.objective() == Objective::Regression {
        return Ok(TaskKind::Regression);
    }
    let (_, _, info, _) =
        start_eval_trial_with_info(dist, seed, 0, MetaInputs::none()).map_err(|source| {
            ScoreError::Start {
                spec: dist.spec().to_string(),
                source,
            }
        })?;
    Ok(if is_goal_task(&info) {
        TaskKind::Navigation
    } else {
        TaskKind::Bandit
    })
}

/// Scores the algorithms `request` asks for (by default every one that can
/// play each environment; those that cannot are skipped with a note) on
/// `request.threads` worker threads. Trial `i` of every algorithm plays the
/// task of [`lsnn_rl_env::start_eval_trial`]`(dist, seed, i)`, so rows differ
/// by algorithm, not by luck of the draw, and the results do not depend on
/// the thread count. `progress` hears of every cell's start and end.
pub fn score(
    registry: &Registry,
    request: &ScoreRequest,
    progress: &(dyn Fn(CellEvent<'_>) + Sync),
) -> Result<Scored, ScoreError> {
    let dists = request
        .envs
        .iter()
        .map(|spec| registry.make(spec))
        .collect::<Result<Vec<_>, _>>()?;
    let explicit = request.algos.is_some();
    let algos: Vec<String> = match &request.algos {
        Some(list) => list.iter().map(|a| a.trim().to_string()).collect(),
        None => {
            // The default set of each environment's kind, in order, once each.
            let mut algos: Vec<String> = Vec::new();
            for dist in &dists {
                let kind = task_kind(dist.as_ref(), request.seed)?;
                for algo in crate::default_algorithms(kind) {
                    if !algos.iter().any(|a| a == algo) {
                        algos.push(algo.to_string());
                    }
                }
            }
            algos
        }
    };
    let cache = request.gittins_cache.as_deref();
    // Check every algorithm spec before spending minutes on the others.
    for algo in &algos {
        crate::make_policy(algo, cache).map_err(|source| ScoreError::Algo {
            algo: algo.clone(),
            source,
        })?;
    }
    let threads = request.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    let cells: Vec<(usize, &String)> = (0..dists.len())
        .flat_map(|d| algos.iter().map(move |a| (d, a)))
        .collect();
    progress(CellEvent::Planned { cells: cells.len() });
    let results = run_cells(&dists, &cells, request, threads, progress);
    let mut scored = Scored {
        rows: Vec::new(),
        algos: Vec::new(),
        threads,
        logs: Vec::new(),
        skipped: Vec::new(),
    };
    for ((d, algo), result) in cells.iter().zip(results) {
        match result {
            Ok((row, log)) => {
                scored.rows.push(row);
                scored.logs.push((algo.to_string(), log));
            }
            Err(RunError::Policy { reason, .. }) if !explicit => {
                scored
                    .skipped
                    .push(format!("skipped {algo} on {}: {reason}", dists[*d].spec()));
            }
            Err(source) => {
                return Err(ScoreError::Cell {
                    algo: algo.to_string(),
                    env: dists[*d].spec().to_string(),
                    source: Box::new(source),
                });
            }
        }
    }
    scored.algos = algos;
    Ok(scored)
}

/// Evaluates every (environment, algorithm) cell on `threads` threads; the
/// results come back in the order of `cells` whatever the scheduling.
fn run_cells(
    dists: &[Box<dyn TaskDistribution>],
    cells: &[(usize, &String)],
    request: &ScoreRequest,
    threads: usize,
    progress: &(dyn Fn(CellEvent<'_>) + Sync),
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
                    progress(CellEvent::Started {
                        algo,
                        env: dists[d].spec(),
                    });
                    let result = run_cell(dists[d].as_ref(), algo, request);
                    progress(CellEvent::Finished);
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
/// steps (a list per trial) when an episode log was asked for.
type CellResult = Result<(BaselineRow, Vec<Vec<LoggedStep>>), RunError>;

fn run_cell(dist: &dyn TaskDistribution, algo: &str, request: &ScoreRequest) -> CellResult {
    // The spec was checked before the workers started.
    let mut policy = crate::make_policy(algo, request.gittins_cache.as_deref()).map_err(|e| {
        RunError::Policy {
            policy: algo.to_string(),
            env: dist.spec().to_string(),
            reason: e.to_string(),
        }
    })?;
    let mut steps: Vec<Vec<LoggedStep>> = Vec::new();
    let log = request.keep_logs.then_some(&mut steps);
    let outcomes = evaluate_logged(
        dist,
        policy.as_mut(),
        request.trials as usize,
        request.seed,
        log,
    )?;
    let row = BaselineRow {
        env: dist.spec().to_string(),
        algo: algo.to_string(),
        seed: request.seed,
        summary: EvalSummary::from_trials(&outcomes),
    };
    Ok((row, steps))
}
