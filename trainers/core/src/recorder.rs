//! CSV records of a run: `train.csv` (a row per update) and `eval.csv` (a
//! row per periodic evaluation). Rows are written whole and flushed; a
//! resumed run first cuts the rows written after its checkpoint.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::TrainError;
use crate::records::{EvalSummary, UpdateStats};

/// Columns of train.csv.
pub const TRAIN_COLUMNS: [&str; 20] = [
    "update",
    "env_steps",
    "wall_s",
    "mean_trial_reward",
    "mean_regret",
    "policy_loss",
    "value_loss",
    "entropy",
    "grad_norm",
    "rate_lif",
    "rate_alif",
    "lr",
    "entropy_weight",
    "skipped",
    "rollbacks",
    "approx_kl",
    "clip_fraction",
    "rewired",
    "synapses",
    "mse",
];

/// Columns of eval.csv.
pub const EVAL_COLUMNS: [&str; 7] = [
    "update",
    "env_steps",
    "trials",
    "mean_total_reward",
    "ci95",
    "mean_regret",
    "regret_ci95",
];

/// Writes `bytes` to `path` atomically: the project's one writer,
/// [`lsnn_rl_env::storage::write_atomically`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    Ok(lsnn_rl_env::storage::write_atomically(path, bytes)?)
}

/// An append-only CSV file with a fixed header. Each row is one write; a
/// row that fails half-way (a full disk) is cut off again, so the file holds
/// whole rows only.
pub struct CsvLog {
    path: PathBuf,
    file: File,
}

impl CsvLog {
    /// Opens `path` for appending, writing the header if the file is new or
    /// empty (a run killed between creating the file and writing its header).
    pub fn open(path: &Path, columns: &[&str]) -> Result<Self, TrainError> {
        let fail = |e| TrainError::io(format!("cannot open {}", path.display()), e);
        // Before the file is opened: widening replaces it.
        if path.exists() {
            widen(path, columns)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(fail)?;
        let mut log = Self {
            path: path.to_path_buf(),
            file,
        };
        if log.file.metadata().map_err(fail)?.len() == 0 {
            let header: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            log.append(&header)?;
        }
        Ok(log)
    }

    /// Appends one row and flushes it.
    pub fn append(&mut self, cells: &[String]) -> Result<(), TrainError> {
        let line = format!("{}\n", cells.join(","));
        let before = self.file.metadata().map(|m| m.len());
        let written = lsnn_rl_env::storage::write_all(&mut self.file, line.as_bytes())
            .and_then(|_| self.file.flush());
        written.map_err(|e| {
            if let Ok(len) = before {
                // Best effort: drop the part of the row that made it.
                let _ = self.file.set_len(len);
            }
            TrainError::io(format!("cannot append to {}", self.path.display()), e)
        })
    }
}

/// A file written by an older lsnn-rl whose header is a prefix of
/// `columns` gets the new columns, empty in its rows, so that the rows a
/// resumed run appends line up.
fn widen(path: &Path, columns: &[&str]) -> Result<(), TrainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TrainError::io(format!("cannot read {}", path.display()), e))?;
    let Some(header) = text.lines().next() else {
        return Ok(());
    };
    let old: Vec<&str> = header.split(',').collect();
    if old.len() >= columns.len() || old[..] != columns[..old.len()] {
        return Ok(());
    }
    let padding = ",".repeat(columns.len() - old.len());
    let mut widened = format!("{}\n", columns.join(","));
    for line in text.split_inclusive('\n').skip(1) {
        // A row cut by a crash (no newline) is dropped, as truncate_after does.
        if let Some(row) = line.strip_suffix('\n') {
            widened.push_str(&format!("{row}{padding}\n"));
        }
    }
    write_atomically(path, widened.as_bytes())
}

fn opt(value: Option<f64>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

/// The train.csv row of an update; `rollbacks` counts the run's roll-backs
/// after non-finite updates so far.
pub fn train_row(stats: &UpdateStats, wall_s: f64, rollbacks: usize) -> Vec<String> {
    vec![
        stats.update.to_string(),
        stats.env_steps.to_string(),
        format!("{wall_s:.3}"),
        stats.mean_trial_reward.to_string(),
        opt(stats.mean_regret),
        stats.policy_loss.to_string(),
        stats.value_loss.to_string(),
        stats.entropy.to_string(),
        stats.grad_norm.to_string(),
        opt(stats.rate_lif),
        opt(stats.rate_alif),
        stats.lr.to_string(),
        stats.entropy_weight.to_string(),
        (stats.skipped as u8).to_string(),
        rollbacks.to_string(),
        opt(stats.approx_kl),
        opt(stats.clip_fraction),
        stats.rewired.map_or(String::new(), |v| v.to_string()),
        stats.synapses.map_or(String::new(), |v| v.to_string()),
        opt(stats.mse),
    ]
}

/// The eval.csv row of a periodic evaluation.
pub fn eval_row(update: usize, env_steps: u64, summary: &EvalSummary) -> Vec<String> {
    vec![
        update.to_string(),
        env_steps.to_string(),
        summary.trials.to_string(),
        summary.mean_total_reward.to_string(),
        summary.ci95.to_string(),
        opt(summary.mean_regret),
        opt(summary.regret_ci95),
    ]
}

/// Keeps the header and the whole rows whose first column (the update) is at
/// most `last_update`; drops the rest, including a half-written last line.
pub fn truncate_after(path: &Path, last_update: usize) -> Result<(), TrainError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(TrainError::io(format!("cannot read {}", path.display()), e)),
    };
    let mut kept = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if !line.ends_with('\n') {
            break; // a row cut by a crash
        }
        let keep = i == 0
            || line
                .split(',')
                .next()
                .and_then(|u| u.parse::<usize>().ok())
                .is_some_and(|u| u <= last_update);
        if keep {
            kept.push_str(line);
        }
    }
    write_atomically(path, kept.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_rows_up_to_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.csv");
        std::fs::write(&path, "update,x\n1,a\n2,b\n3,c\n4,d").unwrap();
        truncate_after(&path, 2).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "update,x\n1,a\n2,b\n"
        );
        std::fs::write(&path, "update,x\n1,a\n2,b").unwrap();
        truncate_after(&path, 9).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "update,x\n1,a\n");
    }

    #[test]
    fn an_empty_file_left_by_a_kill_gets_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, "").unwrap();
        CsvLog::open(&path, &["a", "b"])
            .unwrap()
            .append(&["1".into(), "2".into()])
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,2\n");
    }

    #[test]
    fn an_older_file_gets_the_new_columns_before_rows_are_appended() {
        // Its last row, cut by a crash, is dropped.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, "a,b\n1,2\n3,4\n5,").unwrap();
        CsvLog::open(&path, &["a", "b", "c"])
            .unwrap()
            .append(&["5".into(), "6".into(), "7".into()])
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "a,b,c\n1,2,\n3,4,\n5,6,7\n"
        );
    }

    #[test]
    fn appended_rows_follow_one_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        CsvLog::open(&path, &["a", "b"])
            .unwrap()
            .append(&["1".into(), "2".into()])
            .unwrap();
        CsvLog::open(&path, &["a", "b"])
            .unwrap()
            .append(&["3".into(), "4".into()])
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,2\n3,4\n");
    }
}
