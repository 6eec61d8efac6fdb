//! The text tables of scored rows: reward and regret, the goal figures of
//! navigation tasks, the episodes of multi-episode trials.

use lsnn_rl_env::MeanInterval;

use super::BaselineRow;

/// The table of one environment: reward and regret, or the goal figures
/// of a navigation task; then, for tasks of several episodes per trial, the
/// episodes' table.
pub fn env_table(rows: &[BaselineRow]) -> String {
    let mut table = if rows.iter().all(|r| r.summary.goals.is_some()) {
        navigation_table(rows)
    } else {
        reward_table(rows)
    };
    if !rows.is_empty() && rows.iter().all(|r| r.summary.episodes.is_some()) {
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
                format!("{:.3}", r.summary.mean_total_reward),
                format!("{:.3}", r.summary.ci95),
                r.summary
                    .mean_regret
                    .map_or("-".into(), |v| format!("{v:.3}")),
                r.summary
                    .regret_ci95
                    .map_or("-".into(), |v| format!("{v:.3}")),
            ]
        })
        .collect();
    titled(first, &header, &body)
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
            let g = r.summary.goals.as_ref()?;
            let mut line = vec![r.algo.clone()];
            line.extend(with_interval(Some(&g.goals_per_trial), 2));
            line.extend(with_interval(Some(&g.steps_to_first_goal), 1));
            line.extend(with_interval(g.steps_per_later_goal.as_ref(), 2));
            line.extend(with_interval(g.later_goal_path_ratio.as_ref(), 3));
            line.push(g.steps_per_later_goal.map_or(0, |v| v.n).to_string());
            Some(line)
        })
        .collect();
    titled(first, &header, &body)
}

/// Each episode's success rate and steps (with 95% half-widths), and the
/// share of trials whose second episode was no longer than their first.
fn episode_table(rows: &[BaselineRow]) -> String {
    let episodes = rows
        .iter()
        .filter_map(|r| r.summary.episodes.as_ref().map(|e| e.episodes.len()))
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
            let e = r.summary.episodes.as_ref()?;
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

/// Formats rows as a text table: left-aligned first column, the rest
/// right-aligned, columns two spaces apart.
pub fn format_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(String::len).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(header);
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// A table under the line naming its environment, trials and seed.
fn titled(first: &BaselineRow, header: &[String], body: &[Vec<String>]) -> String {
    format!(
        "{} ({} trials, seed {})\n{}",
        first.env,
        first.summary.trials,
        first.seed,
        format_table(header, body)
    )
}
