//! `lsnn-rl`: list environments, run the classical baselines, train,
//! evaluate, benchmark and plot spiking meta-RL agents, and run sweeps.
//!
//! The command-line layer only parses flags ([`cli`]) and hands typed values
//! to the libraries; every failure reaches the user as one line on stderr and
//! a non-zero exit status.

mod baselines;
mod bench;
mod cli;
mod envs;
mod info;
mod output;
mod plot;
mod registry;
mod render;
mod report;
mod sweep;
mod train;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A reader that stops early (`lsnn-rl envs | head`) ends the process
    // quietly, as it does other command-line tools, instead of making
    // `println!` panic on the broken pipe.
    sigpipe::reset();
    let args = cli::Cli::parse();
    let result = match args.command {
        cli::Command::Envs(args) => envs::run(&args),
        cli::Command::Baselines(args) => baselines::run(&args),
        cli::Command::Train(args) => train::run_train(&args),
        cli::Command::Eval(args) => train::run_eval(&args),
        cli::Command::Config(args) => train::run_config(&args),
        cli::Command::Info(args) => info::run(&args),
        cli::Command::Render(args) => render::run(&args),
        cli::Command::Bench(args) => bench::run(&args),
        cli::Command::Plot(args) => plot::run(&args),
        cli::Command::Report(args) => report::run(&args),
        cli::Command::Sweep(args) => sweep::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, outermost first.
            eprintln!("lsnn-rl: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
