//! What every command sets up the same way: where tensors live, the
//! threads, environments built from specs, the cache folder.

use std::sync::Arc;

use anyhow::{Context, bail};
use lsnn_rl_env::{Registry, TaskDistribution};

/// Where a command asks its tensors to live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceChoice {
    /// The CPU.
    Cpu,
    /// The first CUDA GPU, where LibTorch sees one.
    Cuda,
}

/// The LibTorch device of `choice`; an error when CUDA is asked for and
/// LibTorch sees no GPU.
pub fn device(choice: DeviceChoice) -> anyhow::Result<tch::Device> {
    match choice {
        DeviceChoice::Cpu => Ok(tch::Device::Cpu),
        DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
        DeviceChoice::Cuda => {
            bail!(
                "--device cuda: LibTorch sees no CUDA GPU (none on this machine, or this binary was built without LSNN_RL_CUDA=1); use --device cpu"
            )
        }
    }
}

/// Sets the process's threads, before any work: the CPU spiking kernel's
/// pool (rayon) gets `n`, default every core of the machine (its results do
/// not depend on the count); LibTorch's intra-op pool gets `n` when given,
/// else 1 (usually fastest for small networks, and LibTorch's results can
/// depend on its thread count). Returns the kernel's thread count.
pub fn set_threads(n: Option<u64>) -> usize {
    let kernel = n.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    // The global pool is built once per process; a second call keeps the first.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(kernel)
        .build_global();
    tch::set_num_threads(n.unwrap_or(1) as i32);
    kernel
}

/// The task distribution of `spec`, from `registry`.
pub fn make_dist(registry: &Registry, spec: &str) -> anyhow::Result<Arc<dyn TaskDistribution>> {
    let dist = registry
        .make(spec)
        .context("run `lsnn-rl envs` to see the environments and their parameters")?;
    Ok(Arc::from(dist))
}

/// Seed of the evaluation `train` prints at its end (and the default of
/// `eval`): its tasks are never drawn in training, which uses a salted stream.
pub const FINAL_EVAL_SEED: u64 = 1_000_003;

/// The folder for caches (Gittins tables, the PyTorch install):
/// `$LSNN_RL_CACHE_DIR`, else `$XDG_CACHE_HOME/lsnn-rl`, else `~/.cache/lsnn-rl`.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    lsnn_rl_env::storage::cache_dir()
}

/// The training algorithm a configuration names (`train.algo`): the update
/// rule the shared run machinery runs.
pub fn algorithm(config: &lsnn_rl_trainer::RunConfig) -> Box<dyn lsnn_rl_trainer::Algorithm> {
    match config.train.algo {
        lsnn_rl_trainer::Algo::A2c => Box::new(lsnn_rl_a2c::A2c::new()),
        lsnn_rl_trainer::Algo::Ppo => Box::new(lsnn_rl_ppo::Ppo::new()),
        lsnn_rl_trainer::Algo::Supervised => Box::new(lsnn_rl_supervised::Supervised::new()),
    }
}

/// A trained run opened for evaluation: its directory, its configuration,
/// and the task distribution of `env` (default: the run's own).
pub fn open_run(
    registry: &Registry,
    run: &std::path::Path,
    env: Option<&str>,
) -> anyhow::Result<(
    lsnn_rl_trainer::run::RunDir,
    lsnn_rl_trainer::ValidRunConfig,
    Arc<dyn TaskDistribution>,
)> {
    let run_dir = lsnn_rl_trainer::run::RunDir::new(run);
    let config = run_dir.read_config()?;
    let spec = env.map_or_else(|| config.env.clone(), str::to_string);
    let dist = make_dist(registry, &spec)?;
    Ok((run_dir, config, dist))
}

/// How an evaluation picks actions: the most likely one (`greedy`) or a
/// sample of the policy.
pub fn action_mode(greedy: bool) -> lsnn_rl_trainer::ActionMode {
    if greedy {
        lsnn_rl_trainer::ActionMode::Greedy
    } else {
        lsnn_rl_trainer::ActionMode::Sample
    }
}

/// Loads the trained network of `run_dir` (with its configuration as read
/// once by the caller) for evaluation, from `checkpoint` or the newest.
pub fn load_for_eval(
    run_dir: &lsnn_rl_trainer::run::RunDir,
    config: lsnn_rl_trainer::ValidRunConfig,
    checkpoint: Option<&std::path::Path>,
    dist: Arc<dyn TaskDistribution>,
    device: tch::Device,
) -> Result<lsnn_rl_trainer::Trainer, lsnn_rl_trainer::TrainError> {
    let algorithm = algorithm(&config);
    lsnn_rl_trainer::run::load_for_eval(run_dir, config, checkpoint, dist, device, algorithm)
}
