//! One cell: `lsnn-rl sweep cell FILE --index I`, the command both runners
//! run. It trains the cell (fresh, or resumed from its newest checkpoint),
//! then evaluates it and writes `final-eval.json`; a complete cell does
//! nothing, so running it twice is harmless.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, bail};
use lsnn_rl_a2c::ActionMode;
use lsnn_rl_a2c::run::RunDir;
use lsnn_rl_env::{EpisodeSummary, GoalSummary, Registry};
use serde::{Deserialize, Serialize};

use super::file::{Cell, Sweep, fnv1a};
use crate::common::output::write_atomically;

/// The configuration the sweep asks of the cell (written before training).
pub const CELL_CONFIG: &str = "cell.toml";
/// The final evaluation; its presence (with the current request) marks the
/// cell complete.
pub const FINAL_EVAL: &str = "final-eval.json";
/// The record of the last failed attempt.
pub const FAILED: &str = "failed.json";
/// Everything the cell's processes printed, attempt after attempt.
pub const LOG: &str = "cell.log";

/// The final evaluation of a cell, as `final-eval.json` holds it: the
/// cell's request, and the point figures of its [`lsnn_rl_env::EvalSummary`] (the
/// goal and episode figures without their intervals).
#[derive(Debug, Serialize, Deserialize)]
pub struct FinalEval {
    /// The cell's name.
    pub cell: String,
    /// (axis key, value) pairs.
    pub params: Vec<(String, String)>,
    /// Hash of the cell's configuration and evaluation settings: a result
    /// of another request does not count.
    pub request: String,
    /// Updates trained.
    pub updates: usize,
    /// Evaluation trials.
    pub trials: usize,
    /// Evaluation seed.
    pub seed: u64,
    /// The environment spec evaluated on (empty in results written before
    /// the field existed).
    #[serde(default)]
    pub env: String,
    /// Greedy actions instead of sampled ones.
    pub greedy: bool,
    /// Mean total reward per trial.
    pub mean_total_reward: f64,
    /// Its 95% interval half-width over trials.
    pub ci95: f64,
    /// Mean total regret, where the task knows it.
    pub mean_regret: Option<f64>,
    /// Its 95% interval half-width over trials.
    pub regret_ci95: Option<f64>,
    /// Navigation tasks: goals per trial, steps to the first goal, steps per
    /// later goal and the later goals' path ratio (means over trials).
    #[serde(default)]
    pub goals: Option<GoalFigures>,
    /// Tasks of several episodes per trial: each episode's success rate and
    /// steps, and the share of trials whose second episode was no longer
    /// than their first.
    #[serde(default)]
    pub episodes: Option<EpisodeFigures>,
}

/// The goal figures of a final evaluation (see [`lsnn_rl_env::GoalSummary`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GoalFigures {
    /// Goals per trial.
    pub goals_per_trial: f64,
    /// Steps to the first goal, censored at the trial length.
    pub steps_to_first_goal: f64,
    /// Steps per later goal, over the trials with two goals or more.
    pub steps_per_later_goal: Option<f64>,
    /// Later goals' steps over their shortest paths.
    pub later_goal_path_ratio: Option<f64>,
}

/// The episode figures of a final evaluation (see
/// [`lsnn_rl_env::EpisodeSummary`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpisodeFigures {
    /// Entry `k`: share of the trials whose episode `k` reached the goal.
    pub success: Vec<f64>,
    /// Entry `k`: mean steps of episode `k`.
    pub steps: Vec<f64>,
    /// Share of the trials whose second episode took no more steps than
    /// their first.
    pub second_no_longer: Option<f64>,
}

impl GoalFigures {
    /// The means of a goal summary.
    pub fn of(summary: &GoalSummary) -> Self {
        Self {
            goals_per_trial: summary.goals_per_trial.mean,
            steps_to_first_goal: summary.steps_to_first_goal.mean,
            steps_per_later_goal: summary.steps_per_later_goal.map(|v| v.mean),
            later_goal_path_ratio: summary.later_goal_path_ratio.map(|v| v.mean),
        }
    }
}

impl EpisodeFigures {
    /// The means of an episode summary.
    pub fn of(summary: &EpisodeSummary) -> Self {
        Self {
            success: summary.episodes.iter().map(|e| e.success.mean).collect(),
            steps: summary.episodes.iter().map(|e| e.steps.mean).collect(),
            second_no_longer: summary.second_no_longer.map(|v| v.mean),
        }
    }
}

/// A failed attempt, as `failed.json` holds it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Failure {
    /// What failed: "train", "eval" or "cell".
    pub step: String,
    /// How it ended, e.g. "exit status 1" or "signal 9".
    pub status: String,
    /// The error, one line.
    pub error: String,
    /// The cell's log.
    pub log: PathBuf,
}

/// Where a cell stands, read from its run directory.
#[derive(Debug)]
pub enum CellState {
    /// Nothing there yet.
    Pending,
    /// Training started; `updates_done` of the sweep's updates have a checkpoint.
    Partial {
        /// Updates of the newest checkpoint.
        updates_done: usize,
    },
    /// The last attempt failed.
    Failed(Failure),
    /// Trained and evaluated for the current request.
    Complete(FinalEval),
}

impl CellState {
    /// One word for tables.
    pub fn label(&self) -> String {
        match self {
            CellState::Pending => "pending".into(),
            CellState::Partial { updates_done } => format!("partial ({updates_done})"),
            CellState::Failed(_) => "failed".into(),
            CellState::Complete(_) => "complete".into(),
        }
    }
}

/// The hash of what a cell is asked to do.
pub fn request(sweep: &Sweep, cell: &Cell) -> String {
    let e = &sweep.eval;
    let mut text = format!(
        "{}\n[final-eval]\ntrials={}\nseed={}\ngreedy={}\n",
        cell.config.to_toml(),
        e.trials,
        e.seed,
        e.greedy
    );
    // Only when set, so results written before the key existed still count.
    if e.env_params.is_some() {
        text.push_str(&format!("env={}\n", cell.eval_env));
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// Reads a cell's state from its run directory.
pub fn state(sweep: &Sweep, cell: &Cell) -> CellState {
    let read = |name: &str| std::fs::read(cell.dir.join(name)).ok();
    if let Some(result) =
        read(FINAL_EVAL).and_then(|b| serde_json::from_slice::<FinalEval>(&b).ok())
        && result.request == request(sweep, cell)
    {
        return CellState::Complete(result);
    }
    if let Some(failure) = read(FAILED).and_then(|b| serde_json::from_slice::<Failure>(&b).ok()) {
        return CellState::Failed(failure);
    }
    let run = RunDir::new(&cell.dir);
    if run.config().exists() {
        let updates_done = checkpoint_update(&run).unwrap_or(0);
        return CellState::Partial { updates_done };
    }
    CellState::Pending
}

fn checkpoint_update(run: &RunDir) -> Option<usize> {
    lsnn_rl_a2c::checkpoint::list(&run.checkpoints())
        .ok()?
        .pop()
        .map(|(u, _)| u)
}

/// Records a failed attempt in the cell's directory.
pub fn record_failure(cell: &Cell, step: &str, status: &str, error: &str) {
    let failure = Failure {
        step: step.into(),
        status: status.into(),
        error: error.into(),
        log: cell.dir.join(LOG),
    };
    if let Ok(bytes) = serde_json::to_vec_pretty(&failure) {
        let _ = write_atomically(&cell.dir.join(FAILED), &bytes);
    }
}

/// How a process ended, in words.
pub fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

/// The cell's log, opened for appending.
struct Log {
    file: File,
    path: PathBuf,
}

impl Log {
    fn open(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(LOG);
        let file = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open the cell log {}", path.display()))?;
        Ok(Self { file, path })
    }
    fn line(&mut self, text: &str) {
        let _ = writeln!(self.file, "[sweep] {text}");
    }
}

/// `lsnn-rl sweep cell FILE --index I`.
pub fn run_cell(registry: &Registry, sweep: &Sweep, index: usize) -> anyhow::Result<()> {
    let cell = sweep.cell(index)?;
    if let CellState::Complete(_) = state(sweep, cell) {
        println!("cell {index} {}: already complete", cell.name);
        return Ok(());
    }
    std::fs::create_dir_all(&cell.dir).with_context(|| {
        format!(
            "cannot create the cell's run directory {}",
            cell.dir.display()
        )
    })?;
    let mut log = Log::open(&cell.dir)?;
    log.line(&format!(
        "cell {index} {} of sweep {} (process {})",
        cell.name,
        sweep.file.display(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(cell.dir.join(FAILED));
    match attempt(registry, sweep, cell, &mut log) {
        Ok(result) => {
            let regret = result
                .mean_regret
                .map_or(String::new(), |r| format!(", mean regret {r:.3}"));
            let line = format!(
                "cell {index} {}: complete, mean total reward {:.3} ± {:.3}{regret}",
                cell.name, result.mean_total_reward, result.ci95
            );
            log.line(&line);
            println!("{line}");
            Ok(())
        }
        Err((step, status, err)) => {
            let text = format!("{err:#}");
            log.line(&format!("{step} failed ({status}): {text}"));
            record_failure(cell, step, &status, &text);
            Err(err.context(format!(
                "cell {index} {}: {step} failed ({status}); log: {}",
                cell.name,
                log.path.display()
            )))
        }
    }
}

type StepError = (&'static str, String, anyhow::Error);

fn attempt(
    registry: &Registry,
    sweep: &Sweep,
    cell: &Cell,
    log: &mut Log,
) -> Result<FinalEval, StepError> {
    train(sweep, cell, log).map_err(|e| match e.downcast::<ChildFailed>() {
        Ok(child) => ("train", child.0.clone(), anyhow::anyhow!("{child}")),
        Err(e) => ("train", "error".into(), e),
    })?;
    evaluate(registry, sweep, cell).map_err(|e| ("eval", "error".to_string(), e))
}

#[derive(Debug)]
struct ChildFailed(String);

impl std::fmt::Display for ChildFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lsnn-rl train ended with {}", self.0)
    }
}

impl std::error::Error for ChildFailed {}

/// Trains the cell to the sweep's updates: a fresh `lsnn-rl train`, or
/// `--resume` where the directory holds the same run; nothing if its
/// newest checkpoint is the last update.
fn train(sweep: &Sweep, cell: &Cell, log: &mut Log) -> anyhow::Result<()> {
    let run = RunDir::new(&cell.dir);
    let wanted = &cell.config;
    let updates = wanted.train.updates;
    let cell_config = cell.dir.join(CELL_CONFIG);
    write_atomically(&cell_config, wanted.to_toml().as_bytes())?;
    let exe = std::env::current_exe().context("cannot find the lsnn-rl binary")?;
    let mut command = Command::new(exe);
    command.arg("train").arg("--out").arg(&cell.dir);
    command.args(["--threads", &sweep.train.threads.to_string()]);
    if run.config().exists() {
        let mut stored = run.read_config()?.into_inner();
        stored.train.updates = updates;
        // A cell extended to more updates records where its schedules end;
        // that is not another configuration.
        stored.train.schedule_start = wanted.train.schedule_start;
        stored.train.schedule_end = wanted.train.schedule_end;
        if stored != *wanted {
            bail!(
                "{} holds a run of another configuration than the sweep's (compare its config.toml with {CELL_CONFIG}); delete the folder to start the cell over",
                cell.dir.display()
            );
        }
        let done = checkpoint_update(&run).unwrap_or(0);
        if done == updates {
            log.line(&format!("training: complete ({done} updates)"));
            return Ok(());
        }
        if done > updates {
            bail!(
                "{} holds a run trained for {done} updates, more than the sweep's {updates}; delete the folder to start the cell over",
                cell.dir.display()
            );
        }
        log.line(&format!(
            "training: resuming from update {done} of {updates}"
        ));
        command.args(["--resume", "--updates", &updates.to_string()]);
    } else {
        log.line(&format!("training: starting ({updates} updates)"));
        command.arg("--config").arg(&cell_config);
    }
    let status = command
        .stdin(Stdio::null())
        .stdout(log.file.try_clone().context("cannot share the cell log")?)
        .stderr(log.file.try_clone().context("cannot share the cell log")?)
        .status()
        .context("cannot start lsnn-rl train")?;
    if !status.success() {
        return Err(ChildFailed(describe(status)).into());
    }
    Ok(())
}

/// The final evaluation, written to `final-eval.json`.
fn evaluate(registry: &Registry, sweep: &Sweep, cell: &Cell) -> anyhow::Result<FinalEval> {
    crate::common::runtime::set_threads(Some(sweep.train.threads));
    let run = RunDir::new(&cell.dir);
    let dist: std::sync::Arc<dyn lsnn_rl_env::TaskDistribution> =
        std::sync::Arc::from(registry.make(&cell.eval_env)?);
    let config = run.read_config()?;
    let trainer =
        crate::common::runtime::load_for_eval(&run, config, None, dist.clone(), tch::Device::Cpu)?;
    let e = &sweep.eval;
    let mode = if e.greedy {
        ActionMode::Greedy
    } else {
        ActionMode::Sample
    };
    let summary = trainer.evaluate(dist.as_ref(), e.trials as usize, e.seed, mode, None)?;
    let result = FinalEval {
        cell: cell.name.clone(),
        params: cell.params.clone(),
        request: request(sweep, cell),
        updates: checkpoint_update(&run).unwrap_or(0),
        trials: summary.trials,
        seed: e.seed,
        env: cell.eval_env.clone(),
        greedy: e.greedy,
        mean_total_reward: summary.mean_total_reward,
        ci95: summary.ci95,
        mean_regret: summary.mean_regret,
        regret_ci95: summary.regret_ci95,
        goals: summary.goals.as_ref().map(GoalFigures::of),
        episodes: summary.episodes.as_ref().map(EpisodeFigures::of),
    };
    let bytes = serde_json::to_vec_pretty(&result)?;
    write_atomically(&cell.dir.join(FINAL_EVAL), &bytes)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use lsnn_rl_env::{EvalSummary, MeanInterval};

    use super::*;

    #[test]
    fn final_evaluations_written_before_the_figures_existed_still_load() {
        let old = r#"{"cell": "agent-lsnn_seed-0", "params": [["agent", "lsnn"], ["seed", "0"]],
            "request": "00ff", "updates": 4, "trials": 100, "seed": 1000003, "greedy": false,
            "mean_total_reward": 4.5, "ci95": 0.25, "mean_regret": 1.9, "regret_ci95": 0.1}"#;
        let result: FinalEval = serde_json::from_str(old).unwrap();
        assert_eq!(result.env, "");
        assert!(result.goals.is_none() && result.episodes.is_none());
        assert_eq!(result.mean_regret, Some(1.9));
    }

    #[test]
    fn figures_are_the_means_of_the_summary() {
        let interval = |mean| MeanInterval {
            mean,
            ci95: 0.5,
            n: 10,
        };
        let summary = EvalSummary {
            trials: 10,
            mean_total_reward: 3.0,
            ci95: 0.5,
            mean_regret: None,
            regret_ci95: None,
            goals: Some(GoalSummary {
                trials: 10,
                goals_per_trial: interval(2.0),
                steps_to_first_goal: interval(30.0),
                steps_per_later_goal: Some(interval(6.0)),
                later_goal_path_ratio: None,
            }),
            episodes: None,
        };
        let goals = GoalFigures::of(summary.goals.as_ref().unwrap());
        assert_eq!(
            (goals.goals_per_trial, goals.steps_to_first_goal),
            (2.0, 30.0)
        );
        assert_eq!(goals.steps_per_later_goal, Some(6.0));
        assert_eq!(goals.later_goal_path_ratio, None);
    }
}
