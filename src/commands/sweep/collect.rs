//! `lsnn-rl sweep collect FILE`: every cell's final evaluation in one table,
//! cells that differ only in their seed grouped into one row.

use anyhow::bail;
use lsnn_rl_env::ci95_student_t;

use super::cell::{self, CellState, EpisodeFigures, FinalEval, GoalFigures};
use super::file::Sweep;

/// The collected table.
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, in the order of each group's first cell.
    pub rows: Vec<Vec<String>>,
    /// Cells without a final evaluation.
    pub missing: Vec<String>,
}

/// The axis that counts as the seed: grouped over, not a column.
const SEED: &str = "seed";

/// Reads every cell's `final-eval.json` and groups cells over seeds: mean of
/// the cells' mean total rewards (and regrets) and the half-width of its
/// 95% interval (Student's t over seeds; empty for one seed).
pub fn collect(sweep: &Sweep, partial: bool) -> anyhow::Result<Table> {
    let columns: Vec<&str> = sweep
        .axes
        .iter()
        .map(|a| a.key.as_str())
        .filter(|k| *k != SEED)
        .collect();
    let mut groups: Vec<(Vec<String>, Vec<FinalEval>)> = Vec::new();
    let mut missing = Vec::new();
    for c in &sweep.cells {
        let key: Vec<String> = c
            .params
            .iter()
            .filter(|(k, _)| k != SEED)
            .map(|(_, v)| v.clone())
            .collect();
        let slot = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Vec::new()));
                groups.len() - 1
            }
        };
        match cell::state(sweep, c) {
            CellState::Complete(result) => groups[slot].1.push(result),
            _ => missing.push(c.name.clone()),
        }
    }
    if !missing.is_empty() && !partial {
        bail!(
            "{} of {} cells have no final evaluation (first: {}); run `lsnn-rl sweep run {} --local` (or --slurm) first, or pass --partial",
            missing.len(),
            sweep.cells.len(),
            missing[0],
            sweep.file.display()
        );
    }
    let mut header: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    header.extend(
        [
            "seeds",
            "mean_total_reward",
            "ci95",
            "mean_regret",
            "regret_ci95",
        ]
        .map(String::from),
    );
    let all = || groups.iter().flat_map(|(_, results)| results.iter());
    let with_goals = all().any(|r| r.goals.is_some());
    let episodes = all()
        .filter_map(|r| r.episodes.as_ref().map(|e| e.success.len()))
        .max()
        .unwrap_or(0);
    if with_goals {
        header.extend(
            [
                "goals_per_trial",
                "goals_ci95",
                "steps_to_first_goal",
                "steps_per_later_goal",
                "later_goal_path_ratio",
            ]
            .map(String::from),
        );
    }
    for k in 1..=episodes {
        header.extend([format!("ep{k}_success"), format!("ep{k}_steps")]);
    }
    if episodes > 0 {
        header.push("ep2_no_longer".into());
    }
    let mut rows = Vec::new();
    for (key, results) in groups {
        if results.is_empty() {
            continue;
        }
        let rewards: Vec<f64> = results.iter().map(|r| r.mean_total_reward).collect();
        let regrets: Option<Vec<f64>> = results.iter().map(|r| r.mean_regret).collect();
        let mut row = key;
        row.push(results.len().to_string());
        let (mean, ci) = ci95_student_t(&rewards);
        row.push(format!("{mean:.6}"));
        row.push(ci.map_or(String::new(), |c| format!("{c:.6}")));
        match regrets {
            Some(r) => {
                let (mean, ci) = ci95_student_t(&r);
                row.push(format!("{mean:.6}"));
                row.push(ci.map_or(String::new(), |c| format!("{c:.6}")));
            }
            None => row.extend([String::new(), String::new()]),
        }
        // Figures only where every seed of the group has them (results
        // written before they existed have none).
        if with_goals {
            let mut goals: Vec<&GoalFigures> =
                results.iter().filter_map(|r| r.goals.as_ref()).collect();
            if goals.len() < results.len() {
                goals.clear();
            }
            let (mean, ci) = mean_of(goals.iter().map(|g| Some(g.goals_per_trial)));
            row.push(mean);
            row.push(ci);
            row.push(mean_of(goals.iter().map(|g| Some(g.steps_to_first_goal))).0);
            row.push(mean_of(goals.iter().map(|g| g.steps_per_later_goal)).0);
            row.push(mean_of(goals.iter().map(|g| g.later_goal_path_ratio)).0);
        }
        let mut figures: Vec<&EpisodeFigures> =
            results.iter().filter_map(|r| r.episodes.as_ref()).collect();
        if figures.len() < results.len() {
            figures.clear();
        }
        for k in 0..episodes {
            row.push(mean_of(figures.iter().map(|e| e.success.get(k).copied())).0);
            row.push(mean_of(figures.iter().map(|e| e.steps.get(k).copied())).0);
        }
        if episodes > 0 {
            row.push(mean_of(figures.iter().map(|e| e.second_no_longer)).0);
        }
        rows.push(row);
    }
    Ok(Table {
        header,
        rows,
        missing,
    })
}

/// The mean over seeds of the figures that are defined, and the half-width
/// of its 95% interval; empty strings where none (or one, for the interval)
/// is defined.
fn mean_of(values: impl Iterator<Item = Option<f64>>) -> (String, String) {
    let values: Vec<f64> = values.flatten().collect();
    if values.is_empty() {
        return (String::new(), String::new());
    }
    let (mean, ci) = ci95_student_t(&values);
    (
        format!("{mean:.6}"),
        ci.map_or(String::new(), |c| format!("{c:.6}")),
    )
}

/// The table as CSV.
pub fn to_csv(table: &Table) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.header)?;
    for row in &table.rows {
        writer.write_record(row)?;
    }
    Ok(writer.into_inner()?)
}
