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

/// Version of the checkpoint layout; bumped when it changes.
pub const FORMAT_VERSION: u32 = 1;

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

/// Writes tensors as safetensors to `path` through a temporary file and a
/// rename; returns the file's SHA-256.
fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<String, TrainError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| io_error(dir, "cannot create a file in", e))?;
    Tensor::write_safetensors(tensors, tmp.path())
        .map_err(|e| io_error(path, "cannot write", e))?;
    let bytes = std::fs::read(tmp.path()).map_err(|e| io_error(path, "cannot read back", e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| io_error(path, "cannot sync", e))?;
    tmp.persist(path)
        .map_err(|e| io_error(path, "cannot write", e.error))?;
    Ok(sha256_hex(&bytes))
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

/// Writes the trainer's checkpoint into `dir` as `update-NNNNNNN.*`, then
/// deletes all but the newest `keep` (0 keeps all). Returns the sidecar's path.
pub fn save(dir: &Path, trainer: &Trainer, keep: usize) -> Result<PathBuf, TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "cannot create", e))?;
    let stem = format!("update-{:07}", trainer.updates_done());
    let weights = sorted_weights(trainer);
    if weights
        .iter()
        .any(|(_, t)| !bool::try_from(t.isfinite().all()).unwrap_or(false))
    {
        return Err(TrainError::Checkpoint(
            "refusing to write weights that hold NaN or infinity".into(),
        ));
    }
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
    let meta: CheckpointMeta = serde_json::from_slice(&text).map_err(|e| {
        TrainError::Checkpoint(format!(
            "{} is not a checkpoint sidecar of this lsnn-rl: {e}",
            sidecar.display()
        ))
    })?;
    if meta.format_version != FORMAT_VERSION {
        return Err(TrainError::Checkpoint(format!(
            "{} has checkpoint format {}, this lsnn-rl reads format {FORMAT_VERSION}; use the lsnn-rl version that wrote it ({})",
            sidecar.display(),
            meta.format_version,
            meta.lsnn_rl_version
        )));
    }
    let dir = sidecar.parent().unwrap_or(Path::new("."));
    let read = |file: &str, sha: &str| -> Result<HashMap<String, Tensor>, TrainError> {
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
            "the checkpoint does not fit this network ({what}); it was written for agent '{}' with {} LIF + {} ALIF neurons",
            serde_json::to_value(checkpoint.meta.config.agent.kind)
                .map(|v| v.to_string())
                .unwrap_or_default(),
            checkpoint.meta.config.agent.n_lif,
            checkpoint.meta.config.agent.n_alif,
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
        if saved.size() != var.size() {
            return Err(mismatch(format!(
                "'{name}' has shape {:?}, this network needs {:?}",
                saved.size(),
                var.size()
            )));
        }
        var.copy_(saved);
    }
    if with_optimizer {
        let steps = checkpoint.meta.adam_steps;
        trainer
            .adam_mut()
            .load_state(&checkpoint.optimizer, steps)
            .map_err(mismatch)?;
        trainer.set_progress(checkpoint.meta.update, checkpoint.meta.env_steps);
    }
    Ok(())
}
