//! A run directory: `config.toml`, `train.csv`, `eval.csv`, `checkpoints/`.
//! Starting, resuming and finishing a training run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use lsnn_rl_env::TaskDistribution;
use tch::Device;

use crate::algorithm::Algorithm;
use crate::checkpoint::NonFiniteRecord;
use crate::config::OnNonFinite;
use crate::config::ValidRunConfig;
use crate::lock::RunLock;
use crate::recorder::{
    CsvLog, EVAL_COLUMNS, TRAIN_COLUMNS, eval_row, train_row, truncate_after, write_atomically,
};
use crate::records::{EvalSummary, UpdateStats};
use crate::trainer::Trainer;
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
    pub fn read_config(&self) -> Result<ValidRunConfig, TrainError> {
        let path = self.config();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            TrainError::RunDir(format!(
                "{} is not a run directory (cannot read {}: {e}); give the --out folder of a `lsnn-rl train` run",
                self.root.display(),
                path.display()
            ))
        })?;
        RunConfig::from_stored_toml(&text)
            .map(ValidRunConfig::trusted)
            .map_err(|e| TrainError::RunDir(format!("{}: {e}", path.display())))
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

/// How a call to [`train`] starts.
#[derive(Clone, Debug)]
pub enum Start {
    /// A new run with this configuration in an empty (or new) directory.
    Fresh(ValidRunConfig),
    /// Continue the run found in the directory from its newest checkpoint,
    /// with its configuration as the caller read it from `config.toml`
    /// (possibly extended to more updates, [`ValidRunConfig::extended`]).
    Resume(ValidRunConfig),
    /// A new run that replaces the one in the directory, if there is one:
    /// the old run's files are removed only once the new network is built
    /// and the directory's lock is held (`lsnn-rl train --overwrite`).
    Replace(ValidRunConfig),
}

/// Trains in `run_dir` until `train.updates` updates are done, or
/// `progress` asks to stop. A resumed run continues from its newest
/// checkpoint and cuts the CSV rows written after it.
///
/// The network is built (and its memory checked) before anything is
/// written, so a run that cannot start leaves no directory behind; the
/// directory is then locked for the run's lifetime ([`RunLock`]), and a
/// second process gets an error naming the holder.
///
/// An update whose loss or gradient is not finite is skipped (train.csv's
/// `skipped` column); after `train.nonfinite_limit` in a row the run rolls
/// back to the last checkpoint before them with the learning rate times
/// `train.rollback_lr_factor`, or stops with [`TrainError::NonFinite`]
/// (`train.on_nonfinite`). An error after the run has started (a full disk)
/// is a [`TrainError::Resumable`] that says from which checkpoint.
pub fn train(
    run_dir: &RunDir,
    start: Start,
    dist: Arc<dyn TaskDistribution>,
    device: Device,
    algorithm: Box<dyn Algorithm>,
    progress: &mut dyn Progress,
) -> Result<Trainer, TrainError> {
    let (config, from, replace) = match start {
        Start::Fresh(config) => (config, false, false),
        Start::Resume(config) => (config, true, false),
        Start::Replace(config) => (config, false, true),
    };
    let trainer = Trainer::new(config.clone(), dist.clone(), device, algorithm)?;
    if !from {
        std::fs::create_dir_all(&run_dir.root)
            .map_err(|e| TrainError::io(format!("cannot create {}", run_dir.root.display()), e))?;
    }
    let lock = RunLock::acquire(&run_dir.root)?;
    if replace && run_dir.config().exists() {
        // Only a folder that holds a run is emptied, never an arbitrary one.
        remove_run(run_dir)?;
    }
    let newest = newest_loadable(run_dir, if from { usize::MAX } else { 0 })?;
    if let Some(ckpt) = &newest
        && ckpt.meta.update > config.train.updates
    {
        return Err(TrainError::RunDir(format!(
            "{} has done {} updates already, more than --updates {}; give --updates {} or more",
            run_dir.root.display(),
            ckpt.meta.update,
            config.train.updates,
            ckpt.meta.update
        )));
    }
    if !from {
        let leftovers = [
            run_dir.config(),
            run_dir.train_csv(),
            run_dir.eval_csv(),
            run_dir.checkpoints(),
        ];
        if let Some(found) = leftovers.iter().find(|p| p.exists()) {
            return Err(TrainError::RunDir(format!(
                "{} already holds a run ({} exists); pass --resume to continue it, or choose another --out",
                run_dir.root.display(),
                found.display()
            )));
        }
    }
    write_atomically(&run_dir.config(), config.to_toml().as_bytes())?;
    if from {
        remove_leftovers(run_dir);
    }
    let mut trainer = trainer;
    let mut record = NonFiniteRecord::default();
    let mut wall_offset = 0.0;
    let mut last_saved = None;
    match newest {
        Some(ckpt) => {
            checkpoint::apply(&mut trainer, &ckpt, true)?;
            record = ckpt.meta.nonfinite_record();
            last_saved = Some(ckpt.meta.update);
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
    let mut state = Loop {
        run_dir,
        trainer,
        record,
        wall_offset,
        started: Instant::now(),
        last_saved,
    };
    let result = state.run(progress);
    drop(lock);
    match result {
        Ok(()) => Ok(state.trainer),
        Err(err @ (TrainError::NonFinite(_) | TrainError::Resumable(_))) => Err(err),
        Err(err) => Err(TrainError::Resumable(format!(
            "{}; {}",
            crate::error_chain(&err),
            state.how_to_resume()
        ))),
    }
}

/// The training loop's state.
struct Loop<'a> {
    run_dir: &'a RunDir,
    trainer: Trainer,
    record: NonFiniteRecord,
    wall_offset: f64,
    started: Instant,
    /// Update of the newest checkpoint on disk.
    last_saved: Option<usize>,
}

impl Loop<'_> {
    fn run(&mut self, progress: &mut dyn Progress) -> Result<(), TrainError> {
        let t = self.trainer.config().train.clone();
        let mut train_log = CsvLog::open(&self.run_dir.train_csv(), &TRAIN_COLUMNS)?;
        let mut eval_log = CsvLog::open(&self.run_dir.eval_csv(), &EVAL_COLUMNS)?;
        while self.trainer.updates_done() < t.updates {
            let stats = self.trainer.update()?;
            self.record.streak = if stats.skipped {
                self.record.streak + 1
            } else {
                0
            };
            let wall = self.wall_offset + self.started.elapsed().as_secs_f64();
            train_log.append(&train_row(&stats, wall, self.record.rollbacks))?;
            let eval = if t.eval_every > 0 && stats.update % t.eval_every == 0 {
                let summary = self.trainer.periodic_eval()?;
                eval_log.append(&eval_row(stats.update, stats.env_steps, &summary))?;
                Some(summary)
            } else {
                None
            };
            let go_on = progress.update(&stats, eval.as_ref(), t.updates);
            let last = stats.update == t.updates || !go_on;
            let periodic = t.checkpoint_every > 0 && stats.update % t.checkpoint_every == 0;
            // Checkpoints during a streak are left out: the newest one stays
            // a state to roll back to. The last one is written all the same.
            let save = last || (periodic && self.record.streak == 0);
            let too_many = t.nonfinite_limit > 0 && self.record.streak >= t.nonfinite_limit;
            // Weights that are not finite cannot be saved or trained on.
            let broken = (save || too_many) && !checkpoint::weights_finite(&self.trainer);
            if too_many || broken {
                let good_until = if broken {
                    stats.update - 1
                } else {
                    stats.update - self.record.streak
                };
                let what = if broken {
                    format!(
                        "the weights of update {} hold NaN or infinity",
                        stats.update
                    )
                } else {
                    format!(
                        "updates {} to {} had a NaN or infinite loss or gradient and were skipped",
                        good_until + 1,
                        stats.update
                    )
                };
                if t.on_nonfinite == OnNonFinite::Stop || self.record.rollbacks >= t.max_rollbacks {
                    return Err(self.give_up(&what, &t));
                }
                self.roll_back(good_until, &what)?;
                train_log = CsvLog::open(&self.run_dir.train_csv(), &TRAIN_COLUMNS)?;
                eval_log = CsvLog::open(&self.run_dir.eval_csv(), &EVAL_COLUMNS)?;
                continue;
            }
            if save {
                checkpoint::save(
                    &self.run_dir.checkpoints(),
                    &self.trainer,
                    t.keep_checkpoints,
                    self.record,
                )?;
                self.last_saved = Some(stats.update);
            }
            if !go_on {
                break;
            }
        }
        Ok(())
    }

    /// The error that stops a run after too many non-finite updates.
    fn give_up(&self, what: &str, t: &crate::TrainConfig) -> TrainError {
        let why = if t.on_nonfinite == OnNonFinite::Stop {
            format!(
                "train.nonfinite_limit = {} in a row with train.on_nonfinite = \"stop\"",
                t.nonfinite_limit
            )
        } else {
            format!(
                "{} roll-backs already (train.max_rollbacks), the learning rate is now {} times the schedule's",
                self.record.rollbacks,
                self.trainer.lr_factor()
            )
        };
        TrainError::NonFinite(format!(
            "{what} ({why}); lower train.lr or train.grad_clip in {}; {}",
            self.run_dir.config().display(),
            self.how_to_resume()
        ))
    }

    /// Goes back to the newest checkpoint of an update up to `good_until`
    /// (or to the start), deleting newer checkpoints and CSV rows, with the
    /// learning rate lowered by `train.rollback_lr_factor`.
    fn roll_back(&mut self, good_until: usize, what: &str) -> Result<(), TrainError> {
        let factor = self.trainer.lr_factor() * self.trainer.config().train.rollback_lr_factor;
        let target = newest_loadable(self.run_dir, good_until)?;
        self.trainer.restart()?;
        let back_to = match &target {
            Some(ckpt) => {
                checkpoint::apply(&mut self.trainer, ckpt, true)?;
                ckpt.meta.update
            }
            None => 0,
        };
        self.trainer.set_lr_factor(factor);
        self.last_saved = target.as_ref().map(|c| c.meta.update);
        self.record = NonFiniteRecord {
            streak: 0,
            rollbacks: self.record.rollbacks + 1,
        };
        truncate_after(&self.run_dir.train_csv(), back_to)?;
        truncate_after(&self.run_dir.eval_csv(), back_to)?;
        self.wall_offset = last_wall(&self.run_dir.train_csv());
        self.started = Instant::now();
        let place = match back_to {
            0 => "the start".to_string(),
            u => format!("the checkpoint of update {u}"),
        };
        eprintln!(
            "warning: {what}; rolled back to {place} with the learning rate times {factor} (roll-back {})",
            self.record.rollbacks
        );
        Ok(())
    }

    /// How to continue the run, for error messages.
    fn how_to_resume(&self) -> String {
        let from = match self.last_saved {
            Some(u) => format!("the newest checkpoint, update {u}, is intact"),
            None => "there is no checkpoint yet, so a resume starts over".to_string(),
        };
        format!(
            "{from}; continue with: lsnn-rl train --out {} --resume",
            self.run_dir.root.display()
        )
    }
}

/// Empties a run directory for a run that replaces it: every entry but the
/// lock, which the caller holds.
fn remove_run(run_dir: &RunDir) -> Result<(), TrainError> {
    let fail = |e| {
        TrainError::io(
            format!("cannot remove the old run {}", run_dir.root.display()),
            e,
        )
    };
    for entry in std::fs::read_dir(&run_dir.root).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        if entry.file_name() == crate::lock::LOCK_FILE {
            continue;
        }
        let path = entry.path();
        let removed = if entry.file_type().map_err(fail)?.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(fail)?;
    }
    Ok(())
}

/// Deletes what a killed run can leave behind: temporary files of
/// interrupted writes, and tensor files of checkpoints without a sidecar.
fn remove_leftovers(run_dir: &RunDir) {
    let checkpoints = run_dir.checkpoints();
    for dir in [run_dir.root.as_path(), checkpoints.as_path()] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let orphan = dir == checkpoints
                && name.starts_with("update-")
                && name.ends_with(".safetensors")
                && !dir
                    .join(format!(
                        "{}.json",
                        name.trim_end_matches(".safetensors")
                            .trim_end_matches(".optim")
                    ))
                    .exists();
            if name.starts_with(".tmp-") || orphan {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The newest checkpoint that loads among those of updates up to `limit`.
/// Newer ones, and any that does not load (corrupt, truncated), are deleted,
/// the latter with a warning on stderr, so the run continues from the last
/// good state. `limit` 0 looks at none.
fn newest_loadable(
    run_dir: &RunDir,
    limit: usize,
) -> Result<Option<checkpoint::Checkpoint>, TrainError> {
    if limit == 0 {
        return Ok(None);
    }
    let mut all = checkpoint::list(&run_dir.checkpoints())?;
    while let Some((update, sidecar)) = all.pop() {
        if update > limit {
            checkpoint::remove_checkpoint(&sidecar);
            continue;
        }
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
/// the run's newest checkpoint; `config` is the run's (as read once by the
/// caller with [`RunDir::read_config`]).
pub fn load_for_eval(
    run_dir: &RunDir,
    config: ValidRunConfig,
    checkpoint_path: Option<&Path>,
    dist: Arc<dyn TaskDistribution>,
    device: Device,
    algorithm: Box<dyn Algorithm>,
) -> Result<Trainer, TrainError> {
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
    let config = if device != Device::Cpu && config.train.bptt == crate::config::Bptt::Manual {
        // Evaluation needs only the forward pass, which the GPU runs as tensors.
        let mut auto = config.into_inner();
        auto.train.bptt = crate::config::Bptt::Auto;
        ValidRunConfig::trusted(auto)
    } else {
        config
    };
    let mut trainer = Trainer::for_evaluation(config, dist, device, algorithm)?;
    checkpoint::apply(&mut trainer, &ckpt, false)?;
    Ok(trainer)
}
