//! A trained agent's evaluation as a row of the baselines' table.

use std::path::Path;

use lsnn_rl_a2c::RunConfig;

use crate::common::baselines::BaselineRow;

/// The agent's name in tables: its kind and its run directory.
pub fn agent_label(config: &RunConfig, run: &Path) -> String {
    let kind = serde_json::to_value(config.agent.kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!("{kind} ({})", run.display())
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
        summary: summary.clone(),
    }
}
