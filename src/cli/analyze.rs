//! The flags of `analyze` and its requests.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::train::DeviceArg;
use crate::commands::analyze::DecodeRequest;

pub(super) const ANALYZE_EXAMPLES: &str = "Examples:
  lsnn-rl analyze decode runs/dep-lsnn-1 --target best_arm
  lsnn-rl analyze decode runs/maze-lsnn-1 --target goal_x --trials 500 --every 5
  lsnn-rl analyze decode runs/maze-lsnn-1 --target nothing   # lists the targets the task offers

Writes RUN/analysis/decode-TARGET.csv (component, window, score with its 95%
interval, chance from shuffled labels) and decode-TARGET.png; `lsnn-rl report`
shows them. Lesions: `lsnn-rl eval --lesion`.";

/// Flags of `lsnn-rl analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The analysis.
    #[command(subcommand)]
    pub command: AnalyzeCommand,
}

/// The analyses.
#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Decode a task variable (the goal's position, the best arm) from each
    /// part of a trained agent's state, per step and per phase of the trial,
    /// with cross-validated linear decoders.
    #[command(after_help = ANALYZE_EXAMPLES)]
    Decode(DecodeArgs),
}

/// Flags of `lsnn-rl analyze decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The run directory of a `lsnn-rl train`.
    pub run: PathBuf,
    /// The task variable to decode (the environment's; a wrong name lists them).
    #[arg(long)]
    pub target: String,
    /// Trials to record (new trials, never seen in training).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: u64,
    /// Seed of the trials, folds and shuffles (the default is `eval`'s, so
    /// decoding and lesions see the same trials).
    #[arg(long, default_value_t = 1_000_003)]
    pub seed: u64,
    /// Decode every N-th step of the trial (default: about 25 steps).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub every: Option<u64>,
    /// Outer cross-validation folds (the penalty is chosen by 3 inner folds).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..=20))]
    pub folds: u64,
    /// Label shuffles for the chance level.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub shuffles: u64,
    /// A checkpoint (.json sidecar or .safetensors) instead of the newest.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Environment spec (default: the run's).
    #[arg(long)]
    pub env: Option<String>,
    /// Folder for the CSV and plot (default: RUN/analysis).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Take the most likely action instead of sampling.
    #[arg(long)]
    pub greedy: bool,
    /// Threads of the decoders and the CPU kernel (default: every core) and
    /// LibTorch's (default 1); results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Where tensors live.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

impl DecodeArgs {
    /// The typed request.
    pub fn request(self) -> DecodeRequest {
        DecodeRequest {
            run: self.run,
            checkpoint: self.checkpoint,
            env: self.env,
            target: self.target,
            trials: self.trials,
            seed: self.seed,
            every: self.every.map(|e| e as usize),
            folds: self.folds as usize,
            shuffles: self.shuffles as usize,
            out: self.out,
            greedy: self.greedy,
            threads: self.threads,
            device: self.device.into(),
            quiet: self.quiet,
        }
    }
}
