//! The edge of the program: command-line flags, parsed by clap, each
//! subcommand's flags turned into its typed request (plain Rust, no clap),
//! and the dispatch to the commands. Nothing below this module sees a clap
//! type. Validation that needs more than a type (environment specs,
//! algorithm names, configuration values) happens once, in the commands.

mod analyze;
mod args;
mod sweep;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lsnn_rl_env::Registry;

use crate::commands;
use analyze::{ANALYZE_EXAMPLES, AnalyzeArgs, AnalyzeCommand};
use args::{
    BASELINES_EXAMPLES, BENCH_EXAMPLES, BaselinesArgs, BenchArgs, EnvsArgs, InfoArgs,
    PLOT_EXAMPLES, PlotArgs, RENDER_EXAMPLES, RenderArgs, ReportArgs,
};
use sweep::{SWEEP_EXAMPLES, SweepArgs};
use train::{ConfigArgs, EVAL_EXAMPLES, EvalArgs, TRAIN_EXAMPLES, TrainArgs};

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
    /// Where a trained agent keeps what it learned about the current task:
    /// decoders of task variables from each part of its state.
    #[command(after_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
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

/// Parses the process's arguments and runs the subcommand over `registry`;
/// every failure is one line on stderr and a non-zero exit status.
pub fn run(registry: Registry) -> ExitCode {
    // A reader that stops early (`lsnn-rl envs | head`) ends the process
    // quietly, as it does other command-line tools, instead of making
    // `println!` panic on the broken pipe.
    sigpipe::reset();
    let args = Cli::parse();
    match dispatch(&registry, args.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, outermost first.
            eprintln!("lsnn-rl: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Turns the subcommand's flags into its request and runs it.
fn dispatch(registry: &Registry, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Envs(a) => commands::envs::run(registry, &a.request()),
        Command::Baselines(a) => commands::baselines::run(registry, &a.request()?),
        Command::Train(a) => commands::train::run(registry, &a.request()),
        Command::Eval(a) => commands::eval::run(registry, &a.request()),
        Command::Analyze(AnalyzeArgs {
            command: AnalyzeCommand::Decode(a),
        }) => commands::analyze::decode(registry, &a.request()),
        Command::Config(a) => commands::config::run(registry, &a.request()),
        Command::Info(InfoArgs {}) => commands::info::run(),
        Command::Render(a) => commands::render::run(registry, &a.request()),
        Command::Bench(a) => commands::bench::run(registry, &a.request()),
        Command::Plot(a) => commands::plot::run(registry, &a.request()),
        Command::Report(a) => commands::report::run(registry, &a.request()),
        Command::Sweep(a) => commands::sweep::run(registry, &a.request()),
    }
}
