//! The run machinery of `lsnn-rl-trainer` with the A2C update: training in
//! a run directory and loading a trained network for evaluation.

use std::path::Path;
use std::sync::Arc;

use lsnn_rl_env::TaskDistribution;
use tch::Device;

pub use lsnn_rl_trainer::run::{Progress, RunDir, Start};

use crate::{A2c, TrainError, Trainer, ValidRunConfig};

/// Trains in `run_dir` with A2C; see [`lsnn_rl_trainer::run::train`].
pub fn train(
    run_dir: &RunDir,
    start: Start,
    dist: Arc<dyn TaskDistribution>,
    device: Device,
    progress: &mut dyn Progress,
) -> Result<Trainer, TrainError> {
    lsnn_rl_trainer::run::train(run_dir, start, dist, device, Box::new(A2c::new()), progress)
}

/// Loads a trained network for evaluation; see
/// [`lsnn_rl_trainer::run::load_for_eval`].
pub fn load_for_eval(
    run_dir: &RunDir,
    config: ValidRunConfig,
    checkpoint_path: Option<&Path>,
    dist: Arc<dyn TaskDistribution>,
    device: Device,
) -> Result<Trainer, TrainError> {
    lsnn_rl_trainer::run::load_for_eval(
        run_dir,
        config,
        checkpoint_path,
        dist,
        device,
        Box::new(A2c::new()),
    )
}
