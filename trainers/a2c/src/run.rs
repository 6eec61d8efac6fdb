//! A run directory: `config.toml`, `train.csv`, `eval.csv`, `checkpoints/`.
//! Starting, resuming and finishing a training run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use lsnn_rl_env::TaskDistribution;
use tch::Device;

use crate::recorder::{
    CsvLog, EVAL_COLUMNS, TRAIN_COLUMNS, eval_row, train_row, truncate_after, write_atomically,
};
use crate::trainer::{EvalSummary, Trainer, UpdateStats};
use crate::{RunConfig, TrainError, checkpoint};

/// The files of a run directory.
pub struct RunDir {
    /// The folder.
    pub root: PathBuf,
}

impl RunDir {
    /// The run directory at `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }
    /// `config.toml`: the resolved configuration.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    /// `train.csv`: a row per update.
    pub fn train_csv(&self) -> PathBuf {
        self.root.join("train.csv")
    }
    /// `eval.csv`: a row per periodic evaluation.
    pub fn eval_csv(&self) -> PathBuf {
        self.root.join("eval.csv")
    }
    /// `checkpoints/`.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// Reads the run's configuration; a folder without one is not a run.
    pub fn read_config(&self) -> Result<RunConfig, TrainError> {
        let path = self.config();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            TrainError::Io(format!(
                "{} is not a run directory (cannot read {}: {e}); give the --out folder of a `lsnn-rl train` run",
                self.root.display(),
                path.display()
            ))
        })?;
        RunConfig::from_toml(&text).map_err(|e| TrainError::Io(format!("{}: {e}", path.display())))
    }

    /// The newest complete checkpoint's sidecar, if any.
    pub fn latest_checkpoint(&self) -> Result<Option<PathBuf>, TrainError> {
        Ok(checkpoint::list(&self.checkpoints())?.pop().map(|(_, p)| p))
    }
}

/// What the caller sees of a run in progress, and how it stops one early.
pub trait Progress {
    /// Called after each update (and its evaluation, when one ran). Returning
    /// false stops the run: a checkpoint is written and [`train`] returns.
    fn update(&mut self, stats: &UpdateStats, eval: Option<&EvalSummary>, total: usize) -> bool;
}

/// Trains `config` in `run_dir` until `config.train.updates` updates are
/// done, or `progress` asks to stop. With `resume`, continues the run found there from its newest
/// checkpoint (its stored configuration wins, except `train.updates`, which
/// is the caller's) and cuts the CSV rows written after that checkpoint.
pub fn train(
    run_dir: &RunDir,
    config: RunConfig,
    dist: Arc<dyn TaskDistribution>,
    resume: bool,
    device: Device,
    progress: &mut dyn Progress,
) -> Result<Trainer, TrainError> {
    let (config, from) = if resume {
        let mut stored = run_dir.read_config()?;
        stored.train.updates = config.train.updates;
        (stored, true)
    } else {
        let leftovers = [
            run_dir.config(),
            run_dir.train_csv(),
            run_dir.eval_csv(),
            run_dir.checkpoints(),
        ];
        if let Some(found) = leftovers.iter().find(|p| p.exists()) {
            return Err(TrainError::Io(format!(
                "{} already holds a run ({} exists); pass --resume to continue it, or choose another --out",
                run_dir.root.display(),
                found.display()
            )));
        }
        std::fs::create_dir_all(&run_dir.root).map_err(|e| {
            TrainError::Io(format!("cannot create {}: {e}", run_dir.root.display()))
        })?;
        (config, false)
    };
    write_atomically(&run_dir.config(), config.to_toml().as_bytes())?;
    let mut trainer = Trainer::new(config.clone(), dist, device)?;
    let mut wall_offset = 0.0;
    match newest_loadable(run_dir, from)? {
        Some(ckpt) => {
            checkpoint::apply(&mut trainer, &ckpt, true)?;
            truncate_after(&run_dir.train_csv(), ckpt.meta.update)?;
            truncate_after(&run_dir.eval_csv(), ckpt.meta.update)?;
            wall_offset = last_wall(&run_dir.train_csv());
        }
        None => {
            // Resuming a run killed before its first checkpoint starts it over.
            for path in [run_dir.train_csv(), run_dir.eval_csv()] {
                truncate_after(&path, 0)?;
            }
        }
    }
    let mut train_log = CsvLog::open(&run_dir.train_csv(), &TRAIN_COLUMNS)?;
    let mut eval_log = CsvLog::open(&run_dir.eval_csv(), &EVAL_COLUMNS)?;
    let started = Instant::now();
    let t = config.train.clone();
    while trainer.updates_done() < t.updates {
        let stats = trainer.update()?;
        train_log.append(&train_row(
            &stats,
            wall_offset + started.elapsed().as_secs_f64(),
        ))?;
        let eval = if t.eval_every > 0 && stats.update % t.eval_every == 0 {
            let summary = trainer.periodic_eval()?;
            eval_log.append(&eval_row(stats.update, stats.env_steps, &summary))?;
            Some(summary)
        } else {
            None
        };
        let go_on = progress.update(&stats, eval.as_ref(), t.updates);
        let last = stats.update == t.updates || !go_on;
        if last || (t.checkpoint_every > 0 && stats.update % t.checkpoint_every == 0) {
            checkpoint::save(&run_dir.checkpoints(), &trainer, t.keep_checkpoints)?;
        }
        if !go_on {
            break;
        }
    }
    Ok(trainer)
}

/// When resuming: the newest checkpoint that loads. A newer one that does
/// not (corrupt, truncated) is reported on stderr and deleted, like every
/// checkpoint newer than the one resumed from, so the run continues from the
/// last good state.
fn newest_loadable(
    run_dir: &RunDir,
    resume: bool,
) -> Result<Option<checkpoint::Checkpoint>, TrainError> {
    if !resume {
        return Ok(None);
    }
    let mut all = checkpoint::list(&run_dir.checkpoints())?;
    while let Some((update, sidecar)) = all.pop() {
        match checkpoint::load(&sidecar) {
            Ok(ckpt) => return Ok(Some(ckpt)),
            Err(err) if !all.is_empty() => {
                eprintln!("warning: skipping the checkpoint of update {update}: {err}");
                checkpoint::remove_checkpoint(&sidecar);
            }
            Err(err) => return Err(err),
        }
    }
    Ok(None)
}

/// The wall_s of the last row of train.csv (0 if none).
fn last_wall(path: &Path) -> f64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            let last = text.lines().skip(1).last()?.to_string();
            last.split(',').nth(2)?.parse().ok()
        })
        .unwrap_or(0.0)
}

/// Loads a trained network for evaluation: from `checkpoint` if given, else
/// the run's newest checkpoint.
pub fn load_for_eval(
    run_dir: &RunDir,
    checkpoint_path: Option<&Path>,
    dist: Arc<dyn TaskDistribution>,
    device: Device,
) -> Result<Trainer, TrainError> {
    let config = run_dir.read_config()?;
    let sidecar = match checkpoint_path {
        Some(p) => p.to_path_buf(),
        None => run_dir.latest_checkpoint()?.ok_or_else(|| {
            TrainError::Checkpoint(format!(
                "{} has no complete checkpoint yet",
                run_dir.checkpoints().display()
            ))
        })?,
    };
    let ckpt = checkpoint::load(&sidecar)?;
    let mut trainer = Trainer::new(config, dist, device)?;
    checkpoint::apply(&mut trainer, &ckpt, false)?;
    Ok(trainer)
}
