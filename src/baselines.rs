//! `lsnn-rl baselines`: the classical algorithms scored on one environment
//! or on a named suite, as a table and a CSV. Bandit tasks are scored by
//! reward and regret; navigation tasks (whose steps report `goal_reached`)
//! by the goal statistics of `lsnn_rl_env::GoalSummary`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use lsnn_rl_a2c::LogRow;
use lsnn_rl_classic::TaskKind;
use lsnn_rl_env::{
    EpisodeOutcome, EpisodeSummary, GoalOutcome, GoalSummary, MeanInterval, MetaInputs, RunError,
    TaskDistribution, TrialOutcome, evaluate_logged, is_goal_task, mean_ci95,
    start_eval_trial_with_info,
};
use serde::Serialize;

use crate::cli::BaselinesArgs;
use crate::output::{format_table, write_atomically};

/// One row of the results: an algorithm on an environment.
#[derive(Clone, Debug)]
pub struct BaselineRow {
    /// Canonical environment spec.
    pub env: String,
    /// Algorithm spec.
    pub algo: String,
    /// Trials played.
    pub trials: u64,
    /// Mean of the trials' total rewards.
    pub mean_total_reward: f64,
    /// Half-width of the normal-approximation 95% interval of that mean.
    pub ci95: f64,
    /// Mean total regret (empty when the environment does not report it).
    pub mean_regret: Option<f64>,
    /// Half-width of the 95% interval of the mean regret.
    pub regret_ci95: Option<f64>,
    /// The goal statistics, for a navigation task.
    pub goals: Option<GoalSummary>,
    /// Length and success of each episode, for tasks of several episodes
    /// per trial.
    pub episodes: Option<EpisodeSummary>,
    /// The seed of the evaluation.
    pub seed: u64,
}

/// A row of the bandit CSV, in column order.
#[derive(Serialize)]
struct BanditCsvRow<'a> {
    env: &'a str,
    algo: &'a str,
    trials: u64,
    mean_total_reward: f64,
    ci95: f64,
    mean_regret: Option<f64>,
    regret_ci95: Option<f64>,
    seed: u64,
}

/// A row of the navigation CSV, in column order: the goal statistics with
/// their 95% half-widths (empty where undefined), then the seed, the mean
/// total reward, and the number of trials with at least two goals (the
/// trials the later-goal figures average).
#[derive(Serialize)]
struct NavigationCsvRow<'a> {
    env: &'a str,
    algo: &'a str,
    trials: u64,
    goals_per_trial: f64,
    goals_per_trial_ci95: Option<f64>,
    steps_to_first_goal: f64,
    steps_to_first_goal_ci95: Option<f64>,
    steps_per_later_goal: Option<f64>,
    steps_per_later_goal_ci95: Option<f64>,
    later_goal_path_ratio: Option<f64>,
    later_goal_path_ratio_ci95: Option<f64>,
    seed: u64,
    mean_total_reward: f64,
    mean_total_reward_ci95: Option<f64>,
    later_goal_trials: usize,
}

/// The half-width, empty when undefined (fewer than two trials).
fn half_width(ci: f64) -> Option<f64> {
    ci.is_finite().then_some(ci)
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

/// The environments of the RL^2 bandit grid (Duan et al. 2016, table 1).
fn rl2_suite() -> Vec<String> {
    let mut specs = Vec::new();
    for pulls in [10, 100, 500] {
        for arms in [5, 10, 50] {
            specs.push(format!("bandit-bernoulli:arms={arms},pulls={pulls}"));
        }
    }
    specs
}

/// Scores the algorithms `args` asks for (by default every one that can
/// play each environment); returns the rows, the algorithms and the threads.
pub fn compute(args: &BaselinesArgs) -> anyhow::Result<Computed> {
    let registry = crate::registry::builtin()?;
    let specs = match (&args.env, args.suite.as_deref()) {
        (Some(spec), _) => vec![spec.clone()],
        (None, Some("rl2")) => rl2_suite(),
        _ => bail!("give --env SPEC or --suite rl2"),
    };
    let dists = specs
        .iter()
        .map(|spec| {
            registry
                .make(spec)
                .with_context(|| "run `lsnn-rl envs` to see the environments and their parameters")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let explicit = args.algos.is_some();
    let algos: Vec<String> = match &args.algos {
        Some(list) => list.iter().map(|a| a.trim().to_string()).collect(),
        None => {
            // The default set of each environment's kind, in order, once each.
            let mut algos: Vec<String> = Vec::new();
            for dist in &dists {
                let kind = task_kind(dist.as_ref(), args.seed)?;
                for algo in lsnn_rl_classic::default_algorithms(kind) {
                    if !algos.iter().any(|a| a == algo) {
                        algos.push(algo.to_string());
                    }
                }
            }
            algos
        }
    };
    let cache = crate::registry::cache_dir().map(|dir| dir.join("gittins"));
    // Check every algorithm spec before spending minutes on the others.
    for algo in &algos {
        lsnn_rl_classic::make_policy(algo, cache.as_deref())
            .with_context(|| format!("bad --algos entry '{algo}'"))?;
    }
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |t| t as usize,
    );
    let cells: Vec<(usize, &String)> = (0..dists.len())
        .flat_map(|d| algos.iter().map(move |a| (d, a)))
        .collect();
    let progress = crate::output::Progress::bar(args.quiet, cells.len() as u64, "cells");
    let results = run_cells(&dists, &cells, args, cache, threads, &progress);
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
    /// Each played algorithm's steps (empty unless `--episodes-csv`).
    pub logs: Vec<(String, Vec<LogRow>)>,
}

/// Runs the command.
pub fn run(args: &BaselinesArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let Computed {
        rows,
        algos,
        threads,
        logs,
    } = compute(args)?;
    if args.suite.is_some() {
        print!("{}", suite_table(&rows, &algos));
    } else {
        print!("{}", env_table(&rows));
    }
    // The CSVs first, so that a failure to write one is the only line on stderr.
    if let Some(path) = &args.csv {
        write_csv(path, &rows)?;
    }
    if let Some(path) = &args.episodes_csv {
        let groups: Vec<(&str, &[LogRow])> = logs
            .iter()
            .map(|(a, l)| (a.as_str(), l.as_slice()))
            .collect();
        write_atomically(path, &crate::train::episode_csv(&groups)?)?;
    }
    eprintln!(
        "{} trials per cell, seed {}, {} cells in {:.1} s on {threads} thread(s)",
        args.trials,
        args.seed,
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.csv {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Evaluates every (environment, algorithm) cell on `threads` threads; the
/// results come back in the order of `cells` whatever the scheduling.
fn run_cells(
    dists: &[Box<dyn TaskDistribution>],
    cells: &[(usize, &String)],
    args: &BaselinesArgs,
    cache: Option<PathBuf>,
    threads: usize,
    progress: &crate::output::Progress,
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
                    let result = run_cell(dists[d].as_ref(), algo, args, cache.as_deref());
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
    args: &BaselinesArgs,
    cache: Option<&std::path::Path>,
) -> CellResult {
    // The spec was checked before the workers started.
    let mut policy = lsnn_rl_classic::make_policy(algo, cache).map_err(|e| RunError::Policy {
        policy: algo.to_string(),
        env: dist.spec().to_string(),
        reason: e.to_string(),
    })?;
    let mut steps = Vec::new();
    let log = args.episodes_csv.is_some().then_some(&mut steps);
    let outcomes = evaluate_logged(dist, policy.as_mut(), args.trials as usize, args.seed, log)?;
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
    Ok((summarise(dist.spec(), algo, args.seed, &outcomes), rows))
}

fn summarise(env: &str, algo: &str, seed: u64, outcomes: &[TrialOutcome]) -> BaselineRow {
    let rewards: Vec<f64> = outcomes.iter().map(|o| o.total_reward).collect();
    let (mean_total_reward, ci95) = mean_ci95(&rewards);
    let regrets: Option<Vec<f64>> = outcomes.iter().map(|o| o.regret).collect();
    let regret = regrets.map(|r| mean_ci95(&r));
    let goals: Option<Vec<GoalOutcome>> = outcomes.iter().map(|o| o.goals.clone()).collect();
    let episodes: Vec<Vec<EpisodeOutcome>> = outcomes.iter().map(|o| o.episodes.clone()).collect();
    BaselineRow {
        env: env.to_string(),
        algo: algo.to_string(),
        trials: outcomes.len() as u64,
        mean_total_reward,
        ci95,
        mean_regret: regret.map(|r| r.0),
        regret_ci95: regret.map(|r| r.1),
        goals: goals.and_then(|g| GoalSummary::of(&g)),
        episodes: EpisodeSummary::of(&episodes),
        seed,
    }
}

/// The table of one environment: reward and regret, or the goal figures
/// of a navigation task; then, for tasks of several episodes per trial, the
/// episodes' table.
pub fn env_table(rows: &[BaselineRow]) -> String {
    let mut table = if rows.iter().all(|r| r.goals.is_some()) {
        navigation_table(rows)
    } else {
        reward_table(rows)
    };
    if !rows.is_empty() && rows.iter().all(|r| r.episodes.is_some()) {
        table.push_str(&episode_table(rows));
    }
    table
}

/// Mean total reward and regret, each with its 95% half-width.
fn reward_table(rows: &[BaselineRow]) -> String {
    let Some(first) = rows.first() else {
        return "no algorithm could play this environment\n".into();
    };
    let header = ["algo", "mean total reward", "±95%", "mean regret", "±95%"].map(String::from);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.algo.clone(),
                format!("{:.3}", r.mean_total_reward),
                format!("{:.3}", r.ci95),
                r.mean_regret.map_or("-".into(), |v| format!("{v:.3}")),
                r.regret_ci95.map_or("-".into(), |v| format!("{v:.3}")),
            ]
        })
        .collect();
    format!(
        "{} ({} trials, seed {})\n{}",
        first.env,
        first.trials,
        first.seed,
        format_table(&header, &body)
    )
}

/// `mean ± half-width`, or `-` where undefined.
fn with_interval(value: Option<&MeanInterval>, digits: usize) -> [String; 2] {
    match value {
        None => ["-".into(), "-".into()],
        Some(v) if v.ci95.is_finite() => [
            format!("{:.digits$}", v.mean),
            format!("{:.digits$}", v.ci95),
        ],
        Some(v) => [format!("{:.digits$}", v.mean), "-".into()],
    }
}

/// The table of a navigation task: goals per trial, steps to the first goal,
/// steps per later goal and the later goals' path ratio, each with its 95%
/// half-width, and how many trials reached two goals or more.
fn navigation_table(rows: &[BaselineRow]) -> String {
    let Some(first) = rows.first() else {
        return "no algorithm could play this environment\n".into();
    };
    let header = [
        "algo",
        "goals/trial",
        "±95%",
        "steps to 1st goal",
        "±95%",
        "steps/later goal",
        "±95%",
        "later/shortest",
        "±95%",
        "trials 2+ goals",
    ]
    .map(String::from);
    let body: Vec<Vec<String>> = rows
        .iter()
        .filter_map(|r| {
            let g = r.goals.as_ref()?;
            let mut line = vec![r.algo.clone()];
            line.extend(with_interval(Some(&g.goals_per_trial), 2));
            line.extend(with_interval(Some(&g.steps_to_first_goal), 1));
            line.extend(with_interval(g.steps_per_later_goal.as_ref(), 2));
            line.extend(with_interval(g.later_goal_path_ratio.as_ref(), 3));
            line.push(g.steps_per_later_goal.map_or(0, |v| v.n).to_string());
            Some(line)
        })
        .collect();
    format!(
        "{} ({} trials, seed {})\n{}",
        first.env,
        first.trials,
        first.seed,
        format_table(&header, &body)
    )
}

/// Each episode's success rate and steps (with 95% half-widths), and the
/// share of trials whose second episode was no longer than their first.
fn episode_table(rows: &[BaselineRow]) -> String {
    let episodes = rows
        .iter()
        .filter_map(|r| r.episodes.as_ref().map(|e| e.episodes.len()))
        .max()
        .unwrap_or(0);
    let mut header = vec!["algo".to_string()];
    for k in 1..=episodes {
        header.extend([
            format!("ep{k} success"),
            "±95%".into(),
            format!("ep{k} steps"),
            "±95%".into(),
        ]);
    }
    header.push("ep2 <= ep1".into());
    let body: Vec<Vec<String>> = rows
        .iter()
        .filter_map(|r| {
            let e = r.episodes.as_ref()?;
            let mut line = vec![r.algo.clone()];
            for k in 0..episodes {
                let stats = e.episodes.get(k);
                line.extend(with_interval(stats.map(|s| &s.success), 3));
                line.extend(with_interval(stats.map(|s| &s.steps), 1));
            }
            line.push(
                e.second_no_longer
                    .map_or("-".into(), |v| format!("{:.3}", v.mean)),
            );
            Some(line)
        })
        .collect();
    format!("episodes of a trial\n{}", format_table(&header, &body))
}

/// The suite as one grid: a row per environment, a column per algorithm,
/// mean total reward in each cell (as in Duan et al.'s table 1).
fn suite_table(rows: &[BaselineRow], algos: &[String]) -> String {
    let mut envs: Vec<&str> = Vec::new();
    for row in rows {
        if !envs.contains(&row.env.as_str()) {
            envs.push(&row.env);
        }
    }
    let mut header = vec!["environment".to_string()];
    header.extend(algos.iter().cloned());
    let body: Vec<Vec<String>> = envs
        .iter()
        .map(|env| {
            let mut line = vec![env.to_string()];
            for algo in algos {
                let cell = rows.iter().find(|r| r.env == *env && &r.algo == algo);
                line.push(cell.map_or("-".into(), |r| format!("{:.1}", r.mean_total_reward)));
            }
            line
        })
        .collect();
    format!(
        "mean total reward per trial ({} trials per cell)\n{}",
        rows.first().map_or(0, |r| r.trials),
        format_table(&header, &body)
    )
}

/// Writes the rows: the navigation columns when every row has goal
/// statistics, else the bandit columns.
fn write_csv(path: &std::path::Path, rows: &[BaselineRow]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let navigation = !rows.is_empty() && rows.iter().all(|r| r.goals.is_some());
    for row in rows {
        match (&row.goals, navigation) {
            (Some(g), true) => writer.serialize(NavigationCsvRow {
                env: &row.env,
                algo: &row.algo,
                trials: row.trials,
                goals_per_trial: g.goals_per_trial.mean,
                goals_per_trial_ci95: half_width(g.goals_per_trial.ci95),
                steps_to_first_goal: g.steps_to_first_goal.mean,
                steps_to_first_goal_ci95: half_width(g.steps_to_first_goal.ci95),
                steps_per_later_goal: g.steps_per_later_goal.map(|v| v.mean),
                steps_per_later_goal_ci95: g.steps_per_later_goal.and_then(|v| half_width(v.ci95)),
                later_goal_path_ratio: g.later_goal_path_ratio.map(|v| v.mean),
                later_goal_path_ratio_ci95: g
                    .later_goal_path_ratio
                    .and_then(|v| half_width(v.ci95)),
                seed: row.seed,
                mean_total_reward: row.mean_total_reward,
                mean_total_reward_ci95: half_width(row.ci95),
                later_goal_trials: g.steps_per_later_goal.map_or(0, |v| v.n),
            })?,
            _ => writer.serialize(BanditCsvRow {
                env: &row.env,
                algo: &row.algo,
                trials: row.trials,
                mean_total_reward: row.mean_total_reward,
                ci95: row.ci95,
                mean_regret: row.mean_regret,
                regret_ci95: row.regret_ci95,
                seed: row.seed,
            })?,
        }
    }
    let bytes = writer.into_inner().context("cannot format the CSV")?;
    write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rl2_suite_is_the_published_grid() {
        let suite = rl2_suite();
        assert_eq!(suite.len(), 9);
        assert!(suite.contains(&"bandit-bernoulli:arms=50,pulls=500".to_string()));
    }

    #[test]
    fn navigation_rows_leave_undefined_figures_empty() {
        let interval = |mean| MeanInterval {
            mean,
            ci95: f64::NAN,
            n: 1,
        };
        let row = BaselineRow {
            env: "maze-water-grid:size=7".into(),
            algo: "random".into(),
            trials: 1,
            mean_total_reward: 1.0,
            ci95: f64::NAN,
            mean_regret: None,
            regret_ci95: None,
            goals: Some(GoalSummary {
                trials: 1,
                goals_per_trial: interval(1.0),
                steps_to_first_goal: interval(40.0),
                steps_per_later_goal: None,
                later_goal_path_ratio: None,
            }),
            episodes: None,
            seed: 3,
        };
        let table = env_table(std::slice::from_ref(&row));
        assert!(table.contains("goals/trial"), "{table}");
        assert!(table.lines().last().unwrap().contains(" - "), "{table}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nav.csv");
        write_csv(&path, &[row]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with(
            "env,algo,trials,goals_per_trial,goals_per_trial_ci95,steps_to_first_goal,steps_to_first_goal_ci95,steps_per_later_goal,steps_per_later_goal_ci95,later_goal_path_ratio,later_goal_path_ratio_ci95,seed,"
        ));
        assert_eq!(
            lines.next().unwrap(),
            "maze-water-grid:size=7,random,1,1.0,,40.0,,,,,,3,1.0,,0"
        );
    }
}
