//! Checkpoints: weights and optimiser moments as safetensors, and a JSON
//! sidecar (format version, lsnn-rl version, configuration, counters, and a
//! SHA-256 of each tensor file, checked on load). The sidecar is written
//! last, so a checkpoint without one is incomplete and ignored.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tch::Tensor;

use crate::TrainError;
use crate::config::RunConfig;
use crate::trainer::Trainer;

/// Version of the checkpoint layout; bumped when it changes. Version 2 added
/// `lr_factor` and `nonfinite_streak` to the sidecar.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest layout this version still reads (missing fields take their
/// defaults).
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// The JSON sidecar of a checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointMeta {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Version of the lsnn-rl that wrote it.
    pub lsnn_rl_version: String,
    /// Updates done when it was written.
    pub update: usize,
    /// Environment steps taken by then.
    pub env_steps: u64,
    /// Adam steps taken by then.
    pub adam_steps: u64,
    /// Every random draw of update `u` derives from (config.seed, u): this is
    /// the whole random state.
    pub rng: String,
    /// The run's configuration.
    pub config: RunConfig,
    /// Weight file, beside this sidecar.
    pub weights_file: String,
    /// SHA-256 of the weight file.
    pub weights_sha256: String,
    /// Optimiser-state file, beside this sidecar.
    pub optimizer_file: String,
    /// SHA-256 of the optimiser-state file.
    pub optimizer_sha256: String,
    /// Name and shape of every weight.
    pub shapes: BTreeMap<String, Vec<i64>>,
    /// Factor on the scheduled learning rate: 1, times
    /// `train.rollback_lr_factor` for each roll-back after non-finite updates.
    #[serde(default = "one")]
    pub lr_factor: f64,
    /// Non-finite (skipped) updates in a row just before this checkpoint.
    #[serde(default)]
    pub nonfinite_streak: usize,
    /// Roll-backs after non-finite updates so far in the run.
    #[serde(default)]
    pub rollbacks: usize,
}

/// The run's record of non-finite updates, kept in every checkpoint so that
/// a resumed run goes on counting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NonFiniteRecord {
    /// Skipped (non-finite) updates in a row, up to now.
    pub streak: usize,
    /// Roll-backs so far.
    pub rollbacks: usize,
}

impl CheckpointMeta {
    /// The non-finite record this checkpoint was written with.
    pub fn nonfinite_record(&self) -> NonFiniteRecord {
        NonFiniteRecord {
            streak: self.nonfinite_streak,
            rollbacks: self.rollbacks,
        }
    }
}

fn one() -> f64 {
    1.0
}

/// Just the version of a sidecar, read before the rest so that a sidecar of
/// another layout gets a clear message.
#[derive(Deserialize)]
struct VersionOnly {
    format_version: u32,
    #[serde(default)]
    lsnn_rl_version: String,
}

/// A loaded checkpoint.
pub struct Checkpoint {
    /// Its sidecar.
    pub meta: CheckpointMeta,
    /// Weights by name.
    pub weights: HashMap<String, Tensor>,
    /// Optimiser moments by name.
    pub optimizer: HashMap<String, Tensor>,
}

fn io_error(path: &Path, what: &str, err: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint(format!("{what} {}: {err}", path.display()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes tensors as safetensors to `path` with the project's atomic
/// writer; returns the file's SHA-256.
fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<String, TrainError> {
    let mut sha = String::new();
    lsnn_rl_env::storage::write_atomically_with(path, |tmp| {
        Tensor::write_safetensors(tensors, tmp.path()).map_err(std::io::Error::other)?;
        let bytes = std::fs::read(tmp.path())?;
        lsnn_rl_env::storage::charge_file(tmp.as_file(), bytes.len() as u64)?;
        sha = sha256_hex(&bytes);
        Ok(())
    })?;
    Ok(sha)
}

fn sorted_weights(trainer: &Trainer) -> Vec<(String, Tensor)> {
    let mut named: Vec<(String, Tensor)> = trainer
        .agent()
        .var_store()
        .variables()
        .into_iter()
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

/// Whether every weight of the trainer's network is finite.
pub fn weights_finite(trainer: &Trainer) -> bool {
    sorted_weights(trainer)
        .iter()
        .all(|(_, t)| bool::try_from(t.isfinite().all()).unwrap_or(false))
}

/// Writes the trainer's checkpoint into `dir` as `update-NNNNNNN.*`, then
/// deletes all but the newest `keep` (0 keeps all). Returns the sidecar's
/// path. `record` is the run's count of non-finite updates. Weights that
/// hold NaN or infinity are refused, and nothing is written.
pub fn save(
    dir: &Path,
    trainer: &Trainer,
    keep: usize,
    record: NonFiniteRecord,
) -> Result<PathBuf, TrainError> {
    if !weights_finite(trainer) {
        return Err(TrainError::NonFinite(format!(
            "refusing to write the checkpoint of update {}: its weights hold NaN or infinity",
            trainer.updates_done()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "cannot create", e))?;
    let stem = format!("update-{:07}", trainer.updates_done());
    let weights = sorted_weights(trainer);
    let weights_file = format!("{stem}.safetensors");
    let weights_sha256 = write_tensors(&dir.join(&weights_file), &weights)?;
    let optimizer_file = format!("{stem}.optim.safetensors");
    let optimizer_sha256 = write_tensors(&dir.join(&optimizer_file), &trainer.adam().state())?;
    let meta = CheckpointMeta {
        format_version: FORMAT_VERSION,
        lsnn_rl_version: env!("CARGO_PKG_VERSION").to_string(),
        update: trainer.updates_done(),
        env_steps: trainer.env_steps(),
        adam_steps: trainer.adam().steps(),
        rng: "derived from (config.seed, update); nothing else to restore".into(),
        config: trainer.config().clone(),
        weights_file,
        weights_sha256,
        optimizer_file,
        optimizer_sha256,
        shapes: weights.iter().map(|(n, t)| (n.clone(), t.size())).collect(),
        lr_factor: trainer.lr_factor(),
        nonfinite_streak: record.streak,
        rollbacks: record.rollbacks,
    };
    let json = serde_json::to_vec_pretty(&meta).expect("the sidecar serialises");
    let sidecar = dir.join(format!("{stem}.json"));
    crate::recorder::write_atomically(&sidecar, &json)?;
    if keep > 0 {
        let mut all = list(dir)?;
        all.reverse();
        for (_, old) in all.into_iter().skip(keep) {
            remove_checkpoint(&old);
        }
    }
    Ok(sidecar)
}

/// Deletes a checkpoint, its sidecar first (without it the rest is ignored).
pub fn remove_checkpoint(sidecar: &Path) {
    // The sidecar goes first: without it the rest is an ignored leftover.
    let stem = sidecar.with_extension("");
    let _ = std::fs::remove_file(sidecar);
    let _ = std::fs::remove_file(stem.with_extension("safetensors"));
    let _ = std::fs::remove_file(stem.with_extension("optim.safetensors"));
}

/// The complete checkpoints (those with a sidecar) in `dir`, oldest first.
pub fn list(dir: &Path) -> Result<Vec<(usize, PathBuf)>, TrainError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, "cannot read", e)),
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let update = name
            .strip_prefix("update-")
            .and_then(|rest| rest.strip_suffix(".json"))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(update) = update {
            found.push((update, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// Reads a checkpoint from its sidecar (or its `.safetensors` weight file),
/// checking the format version and both files' hashes.
pub fn load(path: &Path) -> Result<Checkpoint, TrainError> {
    let sidecar = if path.extension().is_some_and(|e| e == "json") {
        path.to_path_buf()
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.strip_suffix(".safetensors").unwrap_or(&name);
        path.with_file_name(format!("{stem}.json"))
    };
    let text = std::fs::read(&sidecar)
        .map_err(|e| io_error(&sidecar, "cannot read the checkpoint sidecar", e))?;
    let not_a_sidecar = |e: serde_json::Error| {
        TrainError::Checkpoint(format!(
            "{} is not a checkpoint sidecar of this lsnn-rl: {e}",
            sidecar.display()
        ))
    };
    let version: VersionOnly = serde_json::from_slice(&text).map_err(not_a_sidecar)?;
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version.format_version) {
        return Err(TrainError::Checkpoint(format!(
            "{} has checkpoint format {}, this lsnn-rl reads formats {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}; use the lsnn-rl version that wrote it ({})",
            sidecar.display(),
            version.format_version,
            version.lsnn_rl_version
        )));
    }
    let meta: CheckpointMeta = serde_json::from_slice(&text).map_err(not_a_sidecar)?;
    if !(meta.lr_factor.is_finite() && meta.lr_factor > 0.0 && meta.lr_factor <= 1.0) {
        return Err(TrainError::Checkpoint(format!(
            "{} has lr_factor {}, which must lie in (0, 1]",
            sidecar.display(),
            meta.lr_factor
        )));
    }
    let dir = sidecar.parent().unwrap_or(Path::new("."));
    let read = |file: &str, sha: &str| -> Result<HashMap<String, Tensor>, TrainError> {
        // The files must lie beside the sidecar: a bare file name.
        if file.is_empty() || Path::new(file).file_name() != Some(std::ffi::OsStr::new(file)) {
            return Err(TrainError::Checkpoint(format!(
                "{} names the file '{file}', which is not a file beside it",
                sidecar.display()
            )));
        }
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|e| io_error(&path, "cannot read", e))?;
        if sha256_hex(&bytes) != sha {
            return Err(TrainError::Checkpoint(format!(
                "{} is corrupt or truncated (its SHA-256 differs from the sidecar's); use an earlier checkpoint",
                path.display()
            )));
        }
        let tensors =
            Tensor::read_safetensors(&path).map_err(|e| io_error(&path, "cannot parse", e))?;
        Ok(tensors.into_iter().collect())
    };
    let weights = read(&meta.weights_file, &meta.weights_sha256)?;
    let optimizer = read(&meta.optimizer_file, &meta.optimizer_sha256)?;
    Ok(Checkpoint {
        meta,
        weights,
        optimizer,
    })
}

/// Copies checkpoint weights into `trainer`'s network; every weight must be
/// present with the same shape, and none extra.
pub fn apply(
    trainer: &mut Trainer,
    checkpoint: &Checkpoint,
    with_optimizer: bool,
) -> Result<(), TrainError> {
    let mut variables = trainer.agent().var_store().variables();
    let mismatch = |what: String| {
        TrainError::Checkpoint(format!(
            "the checkpoint does not fit this network ({what}); it was written for agent '{}' with {} LIF + {} ALIF neurons and heads reading {}",
            serde_json::to_value(checkpoint.meta.config.agent.kind)
                .map(|v| v.to_string())
                .unwrap_or_default(),
            checkpoint.meta.config.agent.n_lif,
            checkpoint.meta.config.agent.n_alif,
            serde_json::to_value(checkpoint.meta.config.agent.readout)
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ))
    };
    for name in checkpoint.weights.keys() {
        if !variables.contains_key(name) {
            return Err(mismatch(format!("unexpected weight '{name}'")));
        }
    }
    let _guard = tch::no_grad_guard();
    for (name, var) in variables.iter_mut() {
        let saved = checkpoint
            .weights
            .get(name)
            .ok_or_else(|| mismatch(format!("no weight '{name}'")))?;
        if saved.size() != var.size() || saved.kind() != var.kind() {
            return Err(mismatch(format!(
                "'{name}' has shape {:?} ({:?}), this network needs {:?} ({:?})",
                saved.size(),
                saved.kind(),
                var.size(),
                var.kind()
            )));
        }
        var.f_copy_(saved)?;
    }
    trainer.agent().check_synapses().map_err(|e| {
        TrainError::Checkpoint(format!(
            "the checkpoint's synapses are not valid ({e}); it is corrupt: use an earlier checkpoint"
        ))
    })?;
    if with_optimizer {
        let steps = checkpoint.meta.adam_steps;
        trainer
            .adam_mut()
            .load_state(&checkpoint.optimizer, steps)
            .map_err(mismatch)?;
        trainer.set_progress(checkpoint.meta.update, checkpoint.meta.env_steps);
        trainer.set_lr_factor(checkpoint.meta.lr_factor);
    }
    Ok(())
}
