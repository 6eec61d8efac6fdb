//! A trained agent's evaluation as a row of the baselines' table.

use std::path::Path;

use lsnn_rl_a2c::RunConfig;
use lsnn_rl_env::EvalSummary;

use crate::common::baselines::BaselineRow;

/// The agent's name in tables: its kind and its run directory.
pub fn agent_label(config: &RunConfig, run: &Path) -> String {
    let kind = serde_json::to_value(config.agent.kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!("{kind} ({})", run.display())
}

/// The trainer's evaluation summary as the environment core's one (the
/// same fields).
pub fn summary_of(summary: &lsnn_rl_a2c::EvalSummary) -> EvalSummary {
    EvalSummary {
        trials: summary.trials,
        mean_total_reward: summary.mean_total_reward,
        ci95: summary.ci95,
        mean_regret: summary.mean_regret,
        regret_ci95: summary.regret_ci95,
        goals: summary.goals,
        episodes: summary.episodes.clone(),
    }
}

/// The agent's evaluation (on tasks of `seed`) as a row of the baselines' table.
pub fn agent_row(
    env: &str,
    label: &str,
    summary: &lsnn_rl_a2c::EvalSummary,
    seed: u64,
) -> BaselineRow {
    BaselineRow {
        env: env.to_string(),
        algo: label.to_string(),
        seed,
        summary: summary_of(summary),
    }
}
