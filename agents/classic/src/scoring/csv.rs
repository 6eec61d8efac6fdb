//! The CSV of scored rows (`baselines --csv`, and the Python package's
//! `baselines` table).

use serde::Serialize;

use super::BaselineRow;

/// A row of the bandit CSV, in column order.
#[derive(Serialize)]
struct BanditCsvRow<'a> {
    env: &'a str,
    algo: &'a str,
    trials: usize,
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
    trials: usize,
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

/// The rows as CSV: the navigation columns when every row has goal
/// statistics, else the bandit columns.
pub fn to_csv(rows: &[BaselineRow]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let navigation = !rows.is_empty() && rows.iter().all(|r| r.summary.goals.is_some());
    for row in rows {
        match (&row.summary.goals, navigation) {
            (Some(g), true) => writer.serialize(NavigationCsvRow {
                env: &row.env,
                algo: &row.algo,
                trials: row.summary.trials,
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
                mean_total_reward: row.summary.mean_total_reward,
                mean_total_reward_ci95: half_width(row.summary.ci95),
                later_goal_trials: g.steps_per_later_goal.map_or(0, |v| v.n),
            })?,
            _ => writer.serialize(BanditCsvRow {
                env: &row.env,
                algo: &row.algo,
                trials: row.summary.trials,
                mean_total_reward: row.summary.mean_total_reward,
                ci95: row.summary.ci95,
                mean_regret: row.summary.mean_regret,
                regret_ci95: row.summary.regret_ci95,
                seed: row.seed,
            })?,
        }
    }
    writer
        .into_inner()
        .map_err(|err| csv::Error::from(err.into_error()))
}

#[cfg(test)]
mod tests {
    use lsnn_rl_env::{EvalSummary, GoalSummary, MeanInterval};

    use super::*;
    use crate::scoring::tables::env_table;

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
            seed: 3,
            summary: EvalSummary {
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
            },
        };
        let table = env_table(std::slice::from_ref(&row));
        assert!(table.contains("goals/trial"), "{table}");
        assert!(table.lines().last().unwrap().contains(" - "), "{table}");

        let text = String::from_utf8(to_csv(&[row]).unwrap()).unwrap();
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
