//! The flags of `train`, `eval` and `config`, and their requests.

use std::path::PathBuf;

use clap::Args;
use lsnn_rl_a2c::lesion::Lesion;

use crate::commands::config::ConfigRequest;
use crate::commands::eval::EvalRequest;
use crate::commands::train::{ConfigSource, TrainRequest};
use crate::common::config::ConfigLayers;
use crate::common::runtime::DeviceChoice;

pub(super) const TRAIN_EXAMPLES: &str = "Examples:
  lsnn-rl train --env bandit-dependent --agent lsnn --seed 1 --out runs/dep-lsnn-1
  lsnn-rl train --env bandit-dependent:difficulty=easy --updates 300 --set train.lr=0.003 --out runs/easy
  lsnn-rl train --config run.toml --set agent.n_alif=100 --out runs/big
  lsnn-rl train --out runs/dep-lsnn-1 --resume --updates 6000
  lsnn-rl train --env bandit-dependent --updates 2500 --out runs/quick --overwrite --baselines

The run directory gets config.toml (the resolved configuration), train.csv
(a row per update), eval.csv (periodic evaluations) and checkpoints/.
--updates is the run's total: a resumed run trains the remainder.";

pub(super) const EVAL_EXAMPLES: &str = "Examples:
  lsnn-rl eval --run runs/dep-lsnn-1 --trials 1000 --seed 7 --csv episodes.csv
  lsnn-rl eval --run runs/dep-lsnn-1 --env bandit-dependent:difficulty=hard --greedy
  lsnn-rl eval --run runs/dep-lsnn-1 --checkpoint runs/dep-lsnn-1/checkpoints/update-0000500.json --spikes spikes.csv
  lsnn-rl eval --run runs/dep-lsnn-1 --trials 500 --lesion adaptation@20 --lesion membrane@20:reset

Trial i of an evaluation with seed S plays the task `lsnn-rl baselines` gives
trial i for seed S, so learned agents and baselines compare on the same tasks.";

/// The network to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AgentArg {
    /// LIF and adaptive (ALIF) spiking neurons.
    Lsnn,
    /// The same spiking network without adaptation (beta = 0).
    Lif,
    /// Long short-term memory.
    Lstm,
    /// Gated recurrent unit.
    Gru,
}

impl From<AgentArg> for lsnn_rl_neural::AgentKind {
    fn from(a: AgentArg) -> Self {
        match a {
            AgentArg::Lsnn => Self::Lsnn,
            AgentArg::Lif => Self::Lif,
            AgentArg::Lstm => Self::Lstm,
            AgentArg::Gru => Self::Gru,
        }
    }
}

/// What the schedules do when a finished run is extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScheduleArg {
    /// Continue at the old schedule's final values.
    Keep,
    /// Run the schedules again over the new updates.
    Restart,
}

impl From<ScheduleArg> for lsnn_rl_trainer::ScheduleChoice {
    fn from(s: ScheduleArg) -> Self {
        match s {
            ScheduleArg::Keep => Self::Keep,
            ScheduleArg::Restart => Self::Restart,
        }
    }
}

/// The training algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AlgoArg {
    /// Synchronous advantage actor-critic.
    A2c,
    /// Proximal policy optimisation (whole trials, clipped surrogate).
    Ppo,
    /// Supervised learning-to-learn on tasks with targets (function-*);
    /// picked for them when no algorithm is named.
    Supervised,
}

impl From<AlgoArg> for lsnn_rl_trainer::Algo {
    fn from(a: AlgoArg) -> Self {
        match a {
            AlgoArg::A2c => Self::A2c,
            AlgoArg::Ppo => Self::Ppo,
            AlgoArg::Supervised => Self::Supervised,
        }
    }
}

/// Where tensors live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    /// The CPU (default).
    Cpu,
    /// The first CUDA GPU, where LibTorch sees one.
    Cuda,
}

/// Flags of `lsnn-rl train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Environment spec (default: the config file's, else bandit-dependent).
    #[arg(long)]
    pub env: Option<String>,
    /// The network (default lsnn).
    #[arg(long, value_enum)]
    pub agent: Option<AgentArg>,
    /// A TOML configuration (see `lsnn-rl config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Override one configuration key, e.g. --set train.lr=0.001 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Start from the plain defaults, not the tuned recipe the suite ships
    /// for the environment family and network (configs/FAMILY/AGENT.toml,
    /// used when no --config is given).
    #[arg(long, conflicts_with = "config")]
    pub no_recipe: bool,
    /// Total updates of the run (default: the configuration's).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub updates: Option<u64>,
    /// Seed of weights, tasks and actions (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The run directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Threads: the CPU spiking kernel's (default: every core; results do not
    /// depend on it) and LibTorch's (default 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Continue the run in --out from its newest checkpoint.
    /// (The run's stored configuration is used: --env, --agent, --config,
    /// --set and --seed cannot be given with it.)
    #[arg(long, conflicts_with_all = ["overwrite", "env", "agent", "config", "set", "seed", "algo", "no_recipe"])]
    pub resume: bool,
    /// With --resume and more --updates than the run had: what the
    /// learning-rate and entropy schedules (and a scheduled discount) do
    /// over the new updates. "keep":
    /// stay at their final values; "restart": run again from their start
    /// values. The first line of output says which.
    #[arg(long, value_enum, default_value = "keep", requires = "resume")]
    pub schedule: ScheduleArg,
    /// The training algorithm (default: the configuration's train.algo, a2c).
    #[arg(long, value_enum)]
    pub algo: Option<AlgoArg>,
    /// Replace the run in --out (a folder holding a config.toml) if there is one.
    #[arg(long)]
    pub overwrite: bool,
    /// After training, also score the classical baselines on the same
    /// evaluation tasks and print them in one table with the agent (tasks
    /// with targets always print their few-shot baselines).
    #[arg(long)]
    pub baselines: bool,
    /// Where tensors live.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `lsnn-rl eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory of a `lsnn-rl train`.
    #[arg(long)]
    pub run: PathBuf,
    /// A checkpoint (.json sidecar or .safetensors) instead of the newest.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Environment spec (default: the run's).
    #[arg(long)]
    pub env: Option<String>,
    /// Trials to play.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: u64,
    /// Seed of the evaluation tasks (default: one training never uses).
    #[arg(long, default_value_t = 1_000_003)]
    pub seed: u64,
    /// Write the episode log (a row per step per trial) to this CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write spike events (trial, step, neuron, population) to this CSV.
    #[arg(long)]
    pub spikes: Option<PathBuf>,
    /// Take the most likely action instead of sampling.
    #[arg(long)]
    pub greedy: bool,
    /// Cut a part of the state from a step of every trial on, and compare
    /// with the intact network on the same trials (repeatable: each lesion
    /// is evaluated on its own). PART@STEP[:MODE]: PART adaptation,
    /// membrane, spikes, readout (the heads' filtered input; spiking
    /// networks) or state (LSTM/GRU); MODE zero
    /// (held at zero; adaptation's default), hold (held at its value) or
    /// reset (zeroed once; the others' default). Writes RUN/analysis/lesions.csv.
    #[arg(long, value_name = "PART@STEP[:MODE]", value_parser = parse_lesion)]
    pub lesion: Vec<Lesion>,
    /// Threads: the CPU spiking kernel's (default: every core; results do not
    /// depend on it) and LibTorch's (default 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Where tensors live.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// A `--lesion` value, with the parser's message on error.
fn parse_lesion(text: &str) -> Result<Lesion, String> {
    text.parse::<Lesion>().map_err(|e| e.to_string())
}

/// Flags of `lsnn-rl config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The network.
    #[arg(long, value_enum, default_value = "lsnn")]
    pub agent: AgentArg,
    /// Environment spec.
    #[arg(long, default_value = "bandit-dependent")]
    pub env: String,
    /// The plain defaults, not the tuned recipe of the family.
    #[arg(long)]
    pub no_recipe: bool,
}

impl From<DeviceArg> for DeviceChoice {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Cpu => Self::Cpu,
            DeviceArg::Cuda => Self::Cuda,
        }
    }
}

impl TrainArgs {
    /// The typed request: the layers of a fresh run's configuration, or the
    /// run to resume (clap rejects the layers with --resume).
    pub fn request(self) -> TrainRequest {
        let updates = self.updates.map(|u| u as usize);
        let config = if self.resume {
            ConfigSource::Resume {
                updates,
                schedule: self.schedule.into(),
            }
        } else {
            ConfigSource::Fresh(ConfigLayers {
                file: self.config,
                set: self.set,
                env: self.env,
                agent: self.agent.map(Into::into),
                seed: self.seed,
                updates,
                algo: self.algo.map(Into::into),
                no_recipe: self.no_recipe,
            })
        };
        TrainRequest {
            config,
            out: self.out,
            threads: self.threads,
            overwrite: self.overwrite,
            baselines: self.baselines,
            device: self.device.into(),
            quiet: self.quiet,
        }
    }
}

impl EvalArgs {
    /// The typed request.
    pub fn request(self) -> EvalRequest {
        EvalRequest {
            run: self.run,
            checkpoint: self.checkpoint,
            env: self.env,
            trials: self.trials,
            seed: self.seed,
            csv: self.csv,
            spikes: self.spikes,
            greedy: self.greedy,
            lesions: self.lesion,
            threads: self.threads,
            device: self.device.into(),
            quiet: self.quiet,
        }
    }
}

impl ConfigArgs {
    /// The typed request.
    pub fn request(self) -> ConfigRequest {
        ConfigRequest {
            agent: self.agent.into(),
            env: self.env,
            no_recipe: self.no_recipe,
        }
    }
}
