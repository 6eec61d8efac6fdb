//! The flags of the subcommands other than `train`, `eval`, `config` and
//! `sweep`, and their requests.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::commands::baselines::{BaselinesRequest, Suite, Target};
use crate::commands::bench::BenchRequest;
use crate::commands::envs::EnvsRequest;
use crate::commands::plot::PlotRequest;
use crate::commands::render::RenderRequest;
use crate::commands::report::ReportRequest;
use crate::common::pictures::PictureRequest;

use super::train::DeviceArg;

pub(super) const PLOT_EXAMPLES: &str = "Examples:
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

pub(super) const BASELINES_EXAMPLES: &str = "Examples:
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

pub(super) const BENCH_EXAMPLES: &str = "Examples:
  lsnn-rl bench --preset small --threads 1
  lsnn-rl bench --preset wide --threads scan --csv threads.csv
  lsnn-rl bench --preset small --model eprop2020 --recurrent dense
  lsnn-rl bench --preset large,small --connectivity 1,0.1
  lsnn-rl bench --csv bench.csv
  lsnn-rl bench --preset small --bptt autograd
  lsnn-rl bench --scaling --csv scaling.csv
  lsnn-rl bench --preset wide,large --device cuda
  lsnn-rl bench --run runs/quickstart --recurrent dense

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

/// Thread counts of `lsnn-rl bench --threads`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadCounts(pub Vec<usize>);

fn parse_threads(text: &str) -> Result<ThreadCounts, String> {
    if text == "scan" {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut counts = vec![1];
        while counts[counts.len() - 1] * 2 <= cores {
            counts.push(counts[counts.len() - 1] * 2);
        }
        if counts[counts.len() - 1] != cores {
            counts.push(cores);
        }
        return Ok(ThreadCounts(counts));
    }
    let counts = text
        .split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(n @ 1..=1024) => Ok(n),
            _ => Err(format!(
                "'{part}' is not a thread count: give 1 to 1024, a list such as 1,2,4, or scan"
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ThreadCounts(counts))
}

/// The neuron model of `lsnn-rl bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// The 2018 reference equations, thresholds 0.01, no rate penalty.
    Bellec2018,
    /// The e-prop equations with the training defaults (rate penalty towards 0.05).
    Eprop2020,
}

/// The recurrent products of `lsnn-rl bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecurrentArg {
    /// Per block of 16 samples: sparse where fewer than a tenth of its
    /// neurons fired (forward) or fewer than a quarter of its surrogate
    /// derivatives are nonzero (backward).
    Auto,
    /// Always dense.
    Dense,
    /// Always sparse (event-driven).
    Sparse,
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
    /// Threads: one count, a comma-separated list (1,2,4), or "scan" (1, 2,
    /// 4, ... up to the machine's cores); each count is a row. The CPU
    /// kernel's pool and LibTorch's both get it.
    #[arg(long, default_value = "1", value_parser = parse_threads)]
    pub threads: ThreadCounts,
    /// The neuron model: the 2018 reference without a rate penalty (like the
    /// Python reference, the default) or e-prop with the training default's
    /// firing-rate penalty.
    #[arg(long, value_enum, default_value = "bellec2018")]
    pub model: ModelArg,
    /// The CPU kernel's recurrent products: auto (sparse where few neurons
    /// fired or few surrogate derivatives are nonzero), dense, or sparse (the
    /// sum of the rows of the neurons that fired; backward, dL/dz only where
    /// the surrogate derivative is nonzero).
    #[arg(long, value_enum, default_value = "auto")]
    pub recurrent: RecurrentArg,
    /// Shares of existing recurrent synapses, comma-separated, each a row
    /// (default 1: dense). Below 1: a sparse network with Dale's law and
    /// Deep R rewiring after every optimiser step, as it trains.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1")]
    pub connectivity: Vec<f64>,
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
    /// Time a trained run instead of the presets: its configuration (task,
    /// agent, batch, K) with the weights and optimiser state of its newest
    /// checkpoint, so the firing rates are the ones it trained to. The
    /// run's files are only read.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["presets", "scaling", "model", "connectivity"])]
    pub run: Option<PathBuf>,
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

pub(super) const RENDER_EXAMPLES: &str = "Examples:
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

impl PictureArgs {
    fn request(self) -> PictureRequest {
        PictureRequest {
            run: self.run,
            trials: self.trials,
            seed: self.seed,
            quiet: self.quiet,
        }
    }
}

impl PlotArgs {
    /// The typed request.
    pub fn request(self) -> PlotRequest {
        PlotRequest {
            run: self.run.request(),
            out: self.out,
        }
    }
}

impl ReportArgs {
    /// The typed request.
    pub fn request(self) -> ReportRequest {
        ReportRequest {
            run: self.run.request(),
            out: self.out,
        }
    }
}

impl BenchArgs {
    /// The typed request.
    pub fn request(self) -> BenchRequest {
        BenchRequest {
            presets: self.presets,
            scaling: self.scaling,
            threads: self.threads.0,
            model: match self.model {
                ModelArg::Bellec2018 => lsnn_rl_neural::NeuronModel::Bellec2018,
                ModelArg::Eprop2020 => lsnn_rl_neural::NeuronModel::Eprop2020,
            },
            recurrent: match self.recurrent {
                RecurrentArg::Auto => lsnn_rl_neural::cpu_kernel::RecurrentProduct::Auto,
                RecurrentArg::Dense => lsnn_rl_neural::cpu_kernel::RecurrentProduct::Dense,
                RecurrentArg::Sparse => lsnn_rl_neural::cpu_kernel::RecurrentProduct::Sparse,
            },
            connectivity: self.connectivity,
            csv: self.csv,
            repeats: self.repeats,
            warmup: self.warmup,
            device: self.device.into(),
            bptt: match self.bptt {
                BptArg::Auto => lsnn_rl_a2c::Bptt::Auto,
                BptArg::Autograd => lsnn_rl_a2c::Bptt::Autograd,
                BptArg::Manual => lsnn_rl_a2c::Bptt::Manual,
            },
            quiet: self.quiet,
            run: self.run,
        }
    }
}

impl EnvsArgs {
    /// The typed request.
    pub fn request(self) -> EnvsRequest {
        EnvsRequest { json: self.json }
    }
}

impl BaselinesArgs {
    /// The typed request; clap makes sure one of --env and --suite is given.
    pub fn request(self) -> anyhow::Result<BaselinesRequest> {
        let target = match (self.env, self.suite.as_deref()) {
            (Some(spec), _) => Target::Env(spec),
            (None, Some("rl2")) => Target::Suite(Suite::Rl2),
            _ => anyhow::bail!("give --env SPEC or --suite rl2"),
        };
        Ok(BaselinesRequest {
            target,
            trials: self.trials,
            seed: self.seed,
            algos: self.algos,
            csv: self.csv,
            episodes_csv: self.episodes_csv,
            threads: self.threads,
            quiet: self.quiet,
        })
    }
}

impl RenderArgs {
    /// The typed request.
    pub fn request(self) -> RenderRequest {
        RenderRequest {
            env: self.env,
            seed: self.seed,
            trial: self.trial,
            episodes_csv: self.episodes_csv,
            step: self.step,
            algo: self.algo,
        }
    }
}
