//! The lesion table of `eval --lesion`: each lesion's figures beside the
//! intact network's, with paired differences over the same trials.

use lsnn_rl_a2c::probe::TrialResult;
use lsnn_rl_env::ci95_normal;

use crate::common::analysis::LesionRow;
use crate::common::output::format_table;

/// The row of one evaluation (`lesion` = `none` for the intact network),
/// paired trial by trial with `intact`.
pub fn lesion_row(
    env: &str,
    seed: u64,
    lesion: &str,
    trials: &[TrialResult],
    intact: &[TrialResult],
) -> LesionRow {
    let totals: Vec<f64> = trials.iter().map(|t| t.total_reward).collect();
    let (mean_total_reward, ci95) = ci95_normal(&totals);
    let diffs: Vec<f64> = trials
        .iter()
        .zip(intact)
        .map(|(l, i)| l.total_reward - i.total_reward)
        .collect();
    let (diff_total_reward, diff_ci95) = ci95_normal(&diffs);
    let regrets: Option<Vec<f64>> = trials.iter().map(|t| t.regret).collect();
    let intact_regrets: Option<Vec<f64>> = intact.iter().map(|t| t.regret).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let goals: Option<Vec<f64>> = trials
        .iter()
        .map(|t| t.goals.as_ref().map(|g| g.goals as f64))
        .collect();
    let intact_goals: Option<Vec<f64>> = intact
        .iter()
        .map(|t| t.goals.as_ref().map(|g| g.goals as f64))
        .collect();
    let goal_diffs = goals.as_ref().zip(intact_goals.as_ref()).map(|(l, i)| {
        let d: Vec<f64> = l.iter().zip(i).map(|(a, b)| a - b).collect();
        ci95_normal(&d)
    });
    let later: Vec<f64> = trials
        .iter()
        .filter_map(|t| t.goals.as_ref().and_then(|g| g.steps_per_later_goal))
        .collect();
    LesionRow {
        env: env.to_string(),
        seed,
        trials: trials.len(),
        lesion: lesion.to_string(),
        mean_total_reward,
        ci95,
        diff_total_reward,
        diff_ci95,
        mean_regret: regrets.as_deref().map(mean),
        diff_regret: regrets
            .as_deref()
            .zip(intact_regrets.as_deref())
            .map(|(l, i)| mean(l) - mean(i)),
        goals_per_trial: goals.as_deref().map(mean),
        diff_goals: goal_diffs.map(|d| d.0),
        diff_goals_ci95: goal_diffs.map(|d| d.1),
        steps_per_later_goal: (!later.is_empty()).then(|| mean(&later)),
    }
}

/// The rows as an aligned text table.
pub fn lesion_table(rows: &[LesionRow]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
    let header = [
        "lesion",
        "total reward",
        "vs intact (paired)",
        "regret",
        "vs intact",
        "goals/trial",
        "vs intact (paired)",
        "steps/later goal",
    ]
    .map(String::from);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.lesion.clone(),
                format!("{:.2} ± {:.2}", r.mean_total_reward, r.ci95),
                format!("{:+.2} ± {:.2}", r.diff_total_reward, r.diff_ci95),
                opt(r.mean_regret),
                r.diff_regret.map_or(String::new(), |v| format!("{v:+.2}")),
                opt(r.goals_per_trial),
                r.diff_goals
                    .zip(r.diff_goals_ci95)
                    .map_or(String::new(), |(d, c)| format!("{d:+.2} ± {c:.2}")),
                opt(r.steps_per_later_goal),
            ]
        })
        .collect();
    format_table(&header, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(total: f64) -> TrialResult {
        TrialResult {
            total_reward: total,
            regret: Some(10.0 - total),
            goals: None,
        }
    }

    #[test]
    fn differences_are_paired_trial_by_trial() {
        let intact = [trial(1.0), trial(5.0), trial(9.0)];
        // Every trial loses exactly 1: the paired interval is zero wide,
        // though the trials themselves vary a lot.
        let lesioned = [trial(0.0), trial(4.0), trial(8.0)];
        let row = lesion_row("e", 1, "membrane@0:reset", &lesioned, &intact);
        assert_eq!(row.diff_total_reward, -1.0);
        assert_eq!(row.diff_ci95, 0.0);
        assert_eq!(row.diff_regret, Some(1.0));
        assert!(row.ci95 > 3.0);
        assert_eq!(row.goals_per_trial, None);
    }
}
