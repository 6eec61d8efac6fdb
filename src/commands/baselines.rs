//! `lsnn-rl baselines`: the classical algorithms scored on one environment
//! or on a named suite, as a table and a CSV.

use std::path::PathBuf;
use std::time::Instant;

use lsnn_rl_a2c::LogRow;
use lsnn_rl_env::Registry;

use crate::common::baselines::{
    BaselineRow, Computed, ScoreRequest, compute, csv, gittins_cache, tables,
};
use crate::common::episodes::episode_csv;
use crate::common::output::{format_table, write_atomically};

/// A named grid of environments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// Duan et al.'s Bernoulli grid: arms 5, 10, 50 x pulls 10, 100, 500.
    Rl2,
}

/// What `baselines` scores: one environment or a suite.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// One environment spec.
    Env(String),
    /// A named grid of environments.
    Suite(Suite),
}

/// A `lsnn-rl baselines` request.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselinesRequest {
    /// The environment or suite.
    pub target: Target,
    /// Trials per algorithm and environment.
    pub trials: u64,
    /// Seed: trial i of every algorithm plays the same task.
    pub seed: u64,
    /// The algorithms (default: every one that can play the task).
    pub algos: Option<Vec<String>>,
    /// Also write the table as CSV to this file.
    pub csv: Option<PathBuf>,
    /// Write every step of every trial of every algorithm to this CSV.
    pub episodes_csv: Option<PathBuf>,
    /// Worker threads (default: the number of cores).
    pub threads: Option<u64>,
    /// No progress bar.
    pub quiet: bool,
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
                line.push(cell.map_or("-".into(), |r| {
                    format!("{:.1}", r.summary.mean_total_reward)
                }));
            }
            line
        })
        .collect();
    format!(
        "mean total reward per trial ({} trials per cell)\n{}",
        rows.first().map_or(0, |r| r.summary.trials),
        format_table(&header, &body)
    )
}

/// Runs the command.
pub fn run(registry: &Registry, request: &BaselinesRequest) -> anyhow::Result<()> {
    let started = Instant::now();
    let envs = match &request.target {
        Target::Env(spec) => vec![spec.clone()],
        Target::Suite(Suite::Rl2) => rl2_suite(),
    };
    let score = ScoreRequest {
        envs,
        trials: request.trials,
        seed: request.seed,
        algos: request.algos.clone(),
        keep_logs: request.episodes_csv.is_some(),
        threads: request.threads,
        gittins_cache: gittins_cache(),
    };
    let Computed {
        rows,
        algos,
        threads,
        logs,
    } = compute(registry, &score, request.quiet)?;
    if matches!(request.target, Target::Suite(_)) {
        print!("{}", suite_table(&rows, &algos));
    } else {
        print!("{}", tables::env_table(&rows));
    }
    // The CSVs first, so that a failure to write one is the only line on stderr.
    if let Some(path) = &request.csv {
        write_atomically(path, &csv::to_csv(&rows)?)?;
    }
    if let Some(path) = &request.episodes_csv {
        let groups: Vec<(&str, &[LogRow])> = logs
            .iter()
            .map(|(a, l)| (a.as_str(), l.as_slice()))
            .collect();
        write_atomically(path, &episode_csv(&groups)?)?;
    }
    eprintln!(
        "{} trials per cell, seed {}, {} cells in {:.1} s on {threads} thread(s)",
        request.trials,
        request.seed,
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &request.csv {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
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
