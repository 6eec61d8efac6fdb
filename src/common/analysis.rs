//! The files of `analyze decode` and `eval --lesion` in a run's `analysis/`
//! folder, written by those commands and read by `report`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::common::output::write_atomically;

/// The folder of a run that holds its analyses.
pub fn analysis_dir(run: &Path) -> PathBuf {
    run.join("analysis")
}

/// The decoding table of `target` in `dir`.
pub fn decode_csv_path(dir: &Path, target: &str) -> PathBuf {
    dir.join(format!("decode-{target}.csv"))
}

/// The decoding plot of `target` in `dir`.
pub fn decode_png_path(dir: &Path, target: &str) -> PathBuf {
    dir.join(format!("decode-{target}.png"))
}

/// The lesion table in `dir`.
pub fn lesions_csv_path(dir: &Path) -> PathBuf {
    dir.join("lesions.csv")
}

/// One decoder's result: a state component, a window of the trial (a step,
/// or a phase), the held-out score and the chance level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecodeRow {
    /// The task variable decoded.
    pub target: String,
    /// `r2` (ridge regression) or `accuracy` (logistic regression).
    pub metric: String,
    /// The state component (`threshold_alif`, `membrane_lif`, `h`, ...).
    pub component: String,
    /// `step` or `phase`.
    pub window_kind: String,
    /// The step number, or the phase's name (`before_goal`, `after_goal`,
    /// or `first_half`, `second_half` on tasks without goals).
    pub window: String,
    /// Samples decoded (trials x steps in the window).
    pub samples: usize,
    /// Distinct trials among them.
    pub trials: usize,
    /// Mean held-out score over the outer folds.
    pub score: f64,
    /// Its 95% interval half-width (Student's t over the folds).
    pub ci95: f64,
    /// Mean score on labels shuffled between trials.
    pub chance: f64,
    /// Standard deviation of the shuffled scores.
    pub chance_sd: f64,
}

/// One evaluation of `eval --lesion`: the intact network (`lesion` =
/// `none`) or a lesion, with its figures and their paired differences from
/// the intact evaluation on the same trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LesionRow {
    /// The environment spec evaluated.
    pub env: String,
    /// Seed of the evaluation tasks.
    pub seed: u64,
    /// Trials played.
    pub trials: usize,
    /// `none`, or the lesion as `PART@STEP:MODE`.
    pub lesion: String,
    /// Mean total reward per trial.
    pub mean_total_reward: f64,
    /// Its 95% interval half-width.
    pub ci95: f64,
    /// Mean of (lesioned - intact) total reward over paired trials.
    pub diff_total_reward: f64,
    /// Its 95% interval half-width.
    pub diff_ci95: f64,
    /// Mean regret, where the task reports it.
    pub mean_regret: Option<f64>,
    /// Mean of (lesioned - intact) regret.
    pub diff_regret: Option<f64>,
    /// Goals per trial, on navigation tasks.
    pub goals_per_trial: Option<f64>,
    /// Mean of (lesioned - intact) goals per trial.
    pub diff_goals: Option<f64>,
    /// Its 95% interval half-width.
    pub diff_goals_ci95: Option<f64>,
    /// Mean steps per later goal (trials with two goals or more).
    pub steps_per_later_goal: Option<f64>,
}

/// Writes `rows` as CSV to `path` (atomically), creating its folder.
pub fn write_rows<T: Serialize>(path: &Path, rows: &[T]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
    }
    write_atomically(path, &writer.into_inner()?)
}

/// Reads the rows of a CSV written by [`write_rows`].
pub fn read_rows<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    reader
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .with_context(|| format!("{} is not a table lsnn-rl wrote", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_a_round_trip_through_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("analysis").join("lesions.csv");
        let rows = vec![LesionRow {
            env: "bandit-dependent".into(),
            seed: 3,
            trials: 10,
            lesion: "adaptation@20:zero".into(),
            mean_total_reward: 70.5,
            ci95: 1.25,
            diff_total_reward: -2.0,
            diff_ci95: 0.5,
            mean_regret: Some(4.5),
            diff_regret: Some(2.0),
            goals_per_trial: None,
            diff_goals: None,
            diff_goals_ci95: None,
            steps_per_later_goal: None,
        }];
        write_rows(&path, &rows).unwrap();
        assert_eq!(read_rows::<LesionRow>(&path).unwrap(), rows);
    }
}
