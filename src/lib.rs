//! `lsnn-rl` as a library: the whole command-line program (list
//! environments, score the classical baselines, train, evaluate, benchmark,
//! plot, report, render and sweep spiking meta-RL agents) over a registry
//! of environments the caller fills.
//!
//! A crate that adds its own environment gets every subcommand for it:
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     let mut registry = match lsnn_rl::builtin_registry() {
//!         Ok(registry) => registry,
//!         Err(err) => {
//!             eprintln!("error: {err}");
//!             return ExitCode::FAILURE;
//!         }
//!     };
//!     // registry.register(my_entry()) ... (see docs/adding-an-environment.md)
//!     # let _ = &mut registry;
//!     lsnn_rl::run_cli(registry)
//! }
//! ```
//!
//! The built-in registry holds every environment of this workspace:
//!
//! ```
//! let registry = lsnn_rl::builtin_registry().unwrap();
//! let ids = registry.ids();
//! assert!(ids.iter().any(|id| id == "bandit-dependent"));
//! assert!(ids.iter().any(|id| id == "maze-water-grid"));
//! ```
//!
//! Layout: [`commands`] holds one module per subcommand, each taking a
//! typed request; [`common`] what they share; the private `cli` module the
//! clap flags, turned into those requests at the edge.

mod cli;
pub mod commands;
pub mod common;

use std::process::ExitCode;

pub use lsnn_rl_env::{Registry, RegistryEntry, SpecError};

/// Runs the whole command line (`std::env::args`) over `registry`: every
/// subcommand, with the environments it holds. Failures print one line on
/// stderr and give a non-zero exit status. Sweeps run their cells as child
/// processes of the current executable, so a user's binary runs its own
/// cells with its own registry.
pub fn run_cli(registry: Registry) -> ExitCode {
    cli::run(registry)
}

/// A registry of every built-in environment: the bandits, the mazes and the
/// function families of supervised learning-to-learn.
pub fn builtin_registry() -> Result<Registry, SpecError> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry)?;
    lsnn_rl_mazes::register(&mut registry)?;
    lsnn_rl_functions::register(&mut registry)?;
    Ok(registry)
}
