//! Command-line flags, parsed by clap. Validation that needs more than a type
//! (environment specs, algorithm names) happens in the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Meta-reinforcement learning with spiking neural networks (LSNNs).
#[derive(Debug, Parser)]
#[command(name = "lsnn-rl", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the registered environments, their spaces and parameters.
    #[command(after_help = "Examples:\n  lsnn-rl envs\n  lsnn-rl envs --json | jq '.[].id'")]
    Envs(EnvsArgs),
    /// Score the classical baselines (bandit algorithms; random, explorer and
    /// oracle on navigation tasks) on an environment or a suite.
    #[command(after_help = BASELINES_EXAMPLES)]
    Baselines(BaselinesArgs),
    /// Train a recurrent agent by actor-critic meta-RL; writes a run directory.
    #[command(after_help = TRAIN_EXAMPLES)]
    Train(TrainArgs),
    /// Evaluate a trained agent with fixed weights; writes the episode log.
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(EvalArgs),
    /// Print the full default configuration of a run, commented, as TOML.
    #[command(
        after_help = "Examples:\n  lsnn-rl config --agent lsnn --env bandit-dependent > run.toml\n  lsnn-rl train --config run.toml --out runs/a"
    )]
    Config(ConfigArgs),
    /// Show the build: version, LibTorch location, threads, CUDA.
    #[command(after_help = "Examples:\n  lsnn-rl info")]
    Info(InfoArgs),
    /// Time whole A2C updates and inference rollouts on fixed presets: env-steps
    /// per second, ms per update, phase shares, peak memory.
    #[command(after_help = BENCH_EXAMPLES)]
    Bench(BenchArgs),
    /// Draw a navigation task (walls, start, goal, agent) as text, and the
    /// path an episode log records for it.
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Many seeds and configurations from one sweep file: plan, run here or
    /// on a Slurm cluster, collect the final evaluations into one table.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// Draw a run as PNG files: learning curve, spike raster, firing rates,
    /// arm choices (bandits) or paths (navigation).
    #[command(after_help = PLOT_EXAMPLES)]
    Plot(PlotArgs),
    /// Write one self-contained HTML page about a run: configuration,
    /// final evaluation against the baselines, and the plots.
    #[command(after_help = PLOT_EXAMPLES)]
    Report(ReportArgs),
}

const PLOT_EXAMPLES: &str = "Examples:
  lsnn-rl plot runs/quickstart
  lsnn-rl plot runs/quickstart --out pictures --trials 200
  lsnn-rl report runs/quickstart --out quickstart.html

Both play a fresh evaluation of the newest checkpoint (--trials trials,
--seed as `lsnn-rl eval`) and score the classical baselines on the same
tasks. plot writes into RUN_DIR/plots by default, report to
RUN_DIR/report.html.";

/// What `plot` and `report` evaluate.
#[derive(Debug, Args)]
pub struct PictureArgs {
    /// The run directory of a `lsnn-rl train`.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
    /// Trials of the evaluation (and of each baseline).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: u64,
    /// Seed of the evaluation tasks.
    #[arg(long, default_value_t = 1_000_003)]
    pub seed: u64,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `lsnn-rl plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The run and its evaluation.
    #[command(flatten)]
    pub run: PictureArgs,
    /// Folder for the PNG files (default RUN_DIR/plots; created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Flags of `lsnn-rl report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run and its evaluation.
    #[command(flatten)]
    pub run: PictureArgs,
    /// The HTML file (default RUN_DIR/report.html).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

const BASELINES_EXAMPLES: &str = "Examples:
  lsnn-rl baselines --env bandit-bernoulli:arms=5,pulls=100 --trials 1000 --seed 0 --csv out.csv
  lsnn-rl baselines --env bandit-dependent:difficulty=hard --algos ucb1,thompson,gittins
  lsnn-rl baselines --env bandit-bernoulli --algos eps-greedy:eps=0.05,ucb1:c=0.5
  lsnn-rl baselines --suite rl2 --csv rl2.csv
  lsnn-rl baselines --env maze-water-grid --trials 500 --seed 0 --csv maze.csv

Without --algos, bandit tasks get the bandit algorithms and navigation
tasks random, explorer and oracle (scored by goals per trial, steps to the
first goal, steps per later goal and their ratio to the shortest path).
Algorithms take parameters after a colon (NAME:key=value[:key=value]).
The Gittins index tables are cached under $LSNN_RL_CACHE_DIR/gittins
(default ~/.cache/lsnn-rl/gittins).";

const BENCH_EXAMPLES: &str = "Examples:
  lsnn-rl bench --preset small --threads 1
  lsnn-rl bench --csv bench.csv
  lsnn-rl bench --preset small --bptt autograd
  lsnn-rl bench --scaling --csv scaling.csv
  lsnn-rl bench --preset wide,large --device cuda

Presets (LSNN, K = 1, inputs: previous action, previous reward, step):
  small       bandit-bernoulli:arms=2,pulls=100, B = 64, 50 LIF + 50 ALIF
  wide        same task, B = 256, 200 + 200
  long        maze-water-grid:steps=2000, B = 16, 50 + 50, BPTT through the trial
  long-trunc  the same, BPTT truncated every 100 steps
  large       same task as small, B = 64, 800 + 800
Each preset is timed in two modes: train (rollout with gradients, loss,
backward, clipping, Adam) and infer (the evaluation rollout of `eval`).
GEMM ms is the time of the bare matrix products of the update with the
same library (CPU kernel only).";

/// How `bench` computes gradients through time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BptArg {
    /// The CPU kernel's backward pass where it applies, else autograd.
    Auto,
    /// LibTorch autograd.
    Autograd,
    /// The CPU kernel's hand-derived backward pass.
    Manual,
}

/// Flags of `lsnn-rl bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Presets to run, comma-separated (default: all of them, or the whole
    /// scaling table with --scaling).
    #[arg(long = "preset", value_name = "NAME", value_delimiter = ',')]
    pub presets: Vec<String>,
    /// The scaling table instead of the presets: neurons 100/400/1600, trial
    /// length 100/1000 (with and without truncation), batch 16/64/256.
    #[arg(long)]
    pub scaling: bool,
    /// LibTorch threads (the CPU kernel itself runs on one).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: u64,
    /// Also write the results as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Timed updates per preset and mode (the median is reported).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub repeats: u64,
    /// Untimed updates first.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Where tensors live.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// How gradients through time are computed.
    #[arg(long, value_enum, default_value = "auto")]
    pub bptt: BptArg,
    /// No progress bar on stderr (there is none when stderr is not a terminal).
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `lsnn-rl envs`.
#[derive(Debug, Args)]
pub struct EnvsArgs {
    /// Print JSON (one array of environments) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `lsnn-rl baselines`.
#[derive(Debug, Args)]
pub struct BaselinesArgs {
    /// Environment spec: ID[:key=value,...] (see `lsnn-rl envs`).
    #[arg(long, conflicts_with = "suite", required_unless_present = "suite")]
    pub env: Option<String>,
    /// A named grid of environments instead of one: `rl2` is Duan et al.'s
    /// Bernoulli grid, arms 5, 10, 50 x pulls 10, 100, 500.
    #[arg(long, value_parser = ["rl2"])]
    pub suite: Option<String>,
    /// Trials per algorithm and environment (each trial draws a new task).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: u64,
    /// Seed: trial i of every algorithm plays the same task.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Comma-separated algorithms (default: every one that can play the task).
    #[arg(long, value_delimiter = ',')]
    pub algos: Option<Vec<String>>,
    /// Also write the table as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write every step of every trial of every algorithm to this CSV (the
    /// columns of `lsnn-rl eval --csv`); one environment only.
    #[arg(long, conflicts_with = "suite")]
    pub episodes_csv: Option<PathBuf>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub threads: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `lsnn-rl info`.
#[derive(Debug, Args)]
pub struct InfoArgs {}

const TRAIN_EXAMPLES: &str = "Examples:
  lsnn-rl train --env bandit-dependent --agent lsnn --seed 1 --out runs/dep-lsnn-1
  lsnn-rl train --env bandit-dependent:difficulty=easy --updates 300 --set train.lr=0.003 --out runs/easy
  lsnn-rl train --config run.toml --set agent.n_alif=100 --out runs/big
  lsnn-rl train --out runs/dep-lsnn-1 --resume --updates 6000
  lsnn-rl train --env bandit-dependent --updates 1500 --out runs/quick --overwrite --baselines

The run directory gets config.toml (the resolved configuration), train.csv
(a row per update), eval.csv (periodic evaluations) and checkpoints/.
--updates is the run's total: a resumed run trains the remainder.";

const EVAL_EXAMPLES: &str = "Examples:
  lsnn-rl eval --run runs/dep-lsnn-1 --trials 1000 --seed 7 --csv episodes.csv
  lsnn-rl eval --run runs/dep-lsnn-1 --env bandit-dependent:difficulty=hard --greedy
  lsnn-rl eval --run runs/dep-lsnn-1 --checkpoint runs/dep-lsnn-1/checkpoints/update-0000500.json --spikes spikes.csv

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

/// Where tensors live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    /// The CPU (default).
    Cpu,
    /// The first CUDA GPU, where LibTorch sees one.
    Cuda,
}

/// What the schedules do when a finished run is extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScheduleArg {
    /// Continue at the old schedule's final values.
    Keep,
    /// Run the schedules again over the new updates.
    Restart,
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
    /// Total updates of the run (default: the configuration's).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub updates: Option<u64>,
    /// Seed of weights, tasks and actions (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The run directory.
    #[arg(long)]
    pub out: PathBuf,
    /// LibTorch threads (default 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Continue the run in --out from its newest checkpoint.
    /// (The run's stored configuration is used: --env, --agent, --config,
    /// --set and --seed cannot be given with it.)
    #[arg(long, conflicts_with_all = ["overwrite", "env", "agent", "config", "set", "seed"])]
    pub resume: bool,
    /// With --resume and more --updates than the run had: what the
    /// learning-rate and entropy schedules do over the new updates. "keep":
    /// stay at their final values; "restart": run again from their start
    /// values. The first line of output says which.
    #[arg(long, value_enum, default_value = "keep", requires = "resume")]
    pub schedule: ScheduleArg,
    /// Replace the run in --out (a folder holding a config.toml) if there is one.
    #[arg(long)]
    pub overwrite: bool,
    /// After training, also score the classical baselines on the same
    /// evaluation tasks and print them in one table with the agent.
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
    /// LibTorch threads (default 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Where tensors live.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
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
}

const RENDER_EXAMPLES: &str = "Examples:
  lsnn-rl render --env maze-water-grid --seed 0 --trial 3
  lsnn-rl render --env maze-random:size=9 --seed 7
  lsnn-rl render --env arena-water:shape=circle
  lsnn-rl eval --run runs/maze --env maze-random --trials 20 --seed 7 --csv episodes.csv
  lsnn-rl render --env maze-random --seed 7 --trial 2 --episodes-csv episodes.csv --step 40

Trial I of seed S is the task `lsnn-rl baselines --seed S` and
`lsnn-rl eval --seed S` play as their trial I. Marks: A agent, G goal,
S start, . visited (the logged path up to --step); o the arena's goal disk.";

/// Flags of `lsnn-rl render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Navigation environment spec: maze-water-grid, maze-random or
    /// arena-water, with parameters (see `lsnn-rl envs`).
    #[arg(long)]
    pub env: String,
    /// Seed of the evaluation the trial belongs to (as --seed of
    /// `baselines` and `eval`).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Index of the trial within that evaluation.
    #[arg(long, default_value_t = 0)]
    pub trial: u64,
    /// An episode log of `lsnn-rl eval --csv`: also draw the trial's path.
    #[arg(long, value_name = "FILE")]
    pub episodes_csv: Option<PathBuf>,
    /// Draw the path and the agent after this many steps of the log
    /// (default: all of them; 0 is the start).
    #[arg(long, value_name = "N", requires = "episodes_csv")]
    pub step: Option<u64>,
    /// Which algorithm's rows to draw, when the log holds several (the
    /// `algo` column of `baselines --episodes-csv`).
    #[arg(long, requires = "episodes_csv")]
    pub algo: Option<String>,
}

const SWEEP_EXAMPLES: &str = "Examples:
  lsnn-rl sweep plan sweeps/example.toml
  lsnn-rl sweep run sweeps/example.toml --local --jobs 2
  lsnn-rl sweep run sweeps/example.toml --slurm --partition cpu --time 02:00:00 --dry-run
  lsnn-rl sweep run sweeps/example.toml --slurm --partition cpu --time 02:00:00
  lsnn-rl sweep collect sweeps/example.toml --csv results.csv

The sweep file (TOML) holds a base configuration, axes to vary and an output
root; each cell is one run directory there (docs/sweeps.md). Both runners run
`lsnn-rl sweep cell FILE --index I` per cell: a complete cell is skipped, an
interrupted one resumes from its newest checkpoint.";

/// Flags of `lsnn-rl sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// What to do with the sweep.
    #[command(subcommand)]
    pub command: SweepCommand,
}

/// The subcommands of `lsnn-rl sweep`.
#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Print the cells, their state and run directories.
    Plan(SweepPlanArgs),
    /// Run every cell that is not complete, here (--local) or on Slurm (--slurm).
    #[command(group(clap::ArgGroup::new("runner").required(true).args(["local", "slurm"])))]
    Run(SweepRunArgs),
    /// Gather the cells' final evaluations into one table (mean and 95% interval over seeds).
    Collect(SweepCollectArgs),
    /// Run one cell (what both runners run per cell).
    #[command(hide = true)]
    Cell(SweepCellArgs),
}

/// Flags of `lsnn-rl sweep plan`.
#[derive(Debug, Args)]
pub struct SweepPlanArgs {
    /// The sweep file (TOML; see docs/sweeps.md).
    pub file: PathBuf,
}

/// Flags of `lsnn-rl sweep run`.
#[derive(Debug, Args)]
pub struct SweepRunArgs {
    /// The sweep file (TOML; see docs/sweeps.md).
    pub file: PathBuf,
    /// Run the cells on this machine, as separate processes.
    #[arg(long)]
    pub local: bool,
    /// Submit one Slurm job array (one task per cell) with sbatch.
    #[arg(long)]
    pub slurm: bool,
    /// Cells at a time (local, default 1; with --slurm, the array's limit of
    /// tasks running at once).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
    /// No progress output (local).
    #[arg(long)]
    pub quiet: bool,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Slurm time limit per cell, HH:MM:SS or D-HH:MM:SS.
    #[arg(long, value_parser = crate::sweep::slurm::check_time)]
    pub time: Option<String>,
    /// Slurm CPUs per cell (default: the sweep's `[train]` threads).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub cpus_per_task: Option<u64>,
    /// Print the job-array script instead of submitting it.
    #[arg(long)]
    pub dry_run: bool,
    /// Wait until every array task ended (sbatch --wait), then summarise.
    #[arg(long, conflicts_with = "dry_run")]
    pub wait: bool,
}

/// Flags of `lsnn-rl sweep collect`.
#[derive(Debug, Args)]
pub struct SweepCollectArgs {
    /// The sweep file (TOML; see docs/sweeps.md).
    pub file: PathBuf,
    /// Also write the table as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Leave out cells without a final evaluation instead of failing.
    #[arg(long)]
    pub partial: bool,
}

/// Flags of `lsnn-rl sweep cell`.
#[derive(Debug, Args)]
pub struct SweepCellArgs {
    /// The sweep file.
    pub file: PathBuf,
    /// The cell's index in `lsnn-rl sweep plan`.
    #[arg(long)]
    pub index: usize,
}
