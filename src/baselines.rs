//! `lsnn-rl baselines`: the classical bandit algorithms scored on one
//! environment or on a named suite, as a table and a CSV.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use lsnn_rl_env::{RunError, TaskDistribution, TrialOutcome, evaluate, mean_ci95};
use serde::Serialize;

use crate::cli::BaselinesArgs;
use crate::output::{format_table, write_atomically};

/// One row of the results: an algorithm on an environment.
#[derive(Clone, Debug, Serialize)]
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
    /// The seed of the evaluation.
    pub seed: u64,
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

/// Runs the command.
pub fn run(args: &BaselinesArgs) -> anyhow::Result<()> {
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
        None => lsnn_rl_classic::algorithms()
            .iter()
            .map(|(name, _)| name.to_string())
            .collect(),
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
    let started = Instant::now();
    let cells: Vec<(usize, &String)> = (0..dists.len())
        .flat_map(|d| algos.iter().map(move |a| (d, a)))
        .collect();
    let results = run_cells(&dists, &cells, args, cache, threads);
    let mut rows = Vec::new();
    for ((d, algo), result) in cells.iter().zip(results) {
        match result {
            Ok(row) => rows.push(row),
            Err(RunError::Policy { reason, .. }) if !explicit => {
                eprintln!("note: skipped {algo} on {}: {reason}", dists[*d].spec());
            }
            Err(err) => return Err(err).with_context(|| format!("{algo} on {}", dists[*d].spec())),
        }
    }
    if args.suite.is_some() {
        print!("{}", suite_table(&rows, &algos));
    } else {
        print!("{}", env_table(&rows));
    }
    eprintln!(
        "{} trials per cell, seed {}, {} cells in {:.1} s on {threads} thread(s)",
        args.trials,
        args.seed,
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.csv {
        write_csv(path, &rows)?;
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
) -> Vec<Result<BaselineRow, RunError>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<BaselineRow, RunError>>>> =
        Mutex::new((0..cells.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(cells.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(d, algo)) = cells.get(i) else {
                        break;
                    };
                    let result = run_cell(dists[d].as_ref(), algo, args, cache.as_deref());
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

fn run_cell(
    dist: &dyn TaskDistribution,
    algo: &str,
    args: &BaselinesArgs,
    cache: Option<&std::path::Path>,
) -> Result<BaselineRow, RunError> {
    // The spec was checked before the workers started.
    let mut policy = lsnn_rl_classic::make_policy(algo, cache).map_err(|e| RunError::Policy {
        policy: algo.to_string(),
        env: dist.spec().to_string(),
        reason: e.to_string(),
    })?;
    let outcomes = evaluate(dist, policy.as_mut(), args.trials as usize, args.seed)?;
    Ok(summarise(dist.spec(), algo, args.seed, &outcomes))
}

fn summarise(env: &str, algo: &str, seed: u64, outcomes: &[TrialOutcome]) -> BaselineRow {
    let rewards: Vec<f64> = outcomes.iter().map(|o| o.total_reward).collect();
    let (mean_total_reward, ci95) = mean_ci95(&rewards);
    let regrets: Option<Vec<f64>> = outcomes.iter().map(|o| o.regret).collect();
    let regret = regrets.map(|r| mean_ci95(&r));
    BaselineRow {
        env: env.to_string(),
        algo: algo.to_string(),
        trials: outcomes.len() as u64,
        mean_total_reward,
        ci95,
        mean_regret: regret.map(|r| r.0),
        regret_ci95: regret.map(|r| r.1),
        seed,
    }
}

fn env_table(rows: &[BaselineRow]) -> String {
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

fn write_csv(path: &std::path::Path, rows: &[BaselineRow]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
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
}
