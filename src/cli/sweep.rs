//! The flags of `sweep` and its subcommands, and their requests.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::commands::sweep::{RunRequest, SweepRequest};

pub(super) const SWEEP_EXAMPLES: &str = "Examples:
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
    #[arg(long, value_parser = crate::commands::sweep::slurm::check_time)]
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

impl SweepArgs {
    /// The typed request.
    pub fn request(self) -> SweepRequest {
        match self.command {
            SweepCommand::Plan(a) => SweepRequest::Plan { file: a.file },
            SweepCommand::Run(a) => SweepRequest::Run(RunRequest {
                file: a.file,
                local: a.local,
                slurm: a.slurm,
                jobs: a.jobs,
                quiet: a.quiet,
                partition: a.partition,
                time: a.time,
                cpus_per_task: a.cpus_per_task,
                dry_run: a.dry_run,
                wait: a.wait,
            }),
            SweepCommand::Collect(a) => SweepRequest::Collect {
                file: a.file,
                csv: a.csv,
                partial: a.partial,
            },
            SweepCommand::Cell(a) => SweepRequest::Cell {
                file: a.file,
                index: a.index,
            },
        }
    }
}
