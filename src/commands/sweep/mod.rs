//! `lsnn-rl sweep`: many seeds and configurations from one TOML file, run
//! on this machine or as a Slurm job array, collected into one table.
//!
//! Both runners run the same command per cell, `lsnn-rl sweep cell FILE
//! --index I` ([`cell`]); the state of a cell lives only in its run
//! directory, so any runner can pick up where another stopped.

pub mod axis;
pub mod cell;
pub mod collect;
pub mod file;
pub mod local;
pub mod slurm;

use std::path::{Path, PathBuf};

use anyhow::bail;
use lsnn_rl_env::Registry;

use crate::common::output::{format_table, write_atomically};
use cell::CellState;
use file::Sweep;

/// A `lsnn-rl sweep` request.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepRequest {
    /// Print the cells, their state and run directories.
    Plan {
        /// The sweep file.
        file: PathBuf,
    },
    /// Run every cell that is not complete.
    Run(RunRequest),
    /// Gather the cells' final evaluations into one table.
    Collect {
        /// The sweep file.
        file: PathBuf,
        /// Also write the table as CSV to this file.
        csv: Option<PathBuf>,
        /// Leave out cells without a final evaluation instead of failing.
        partial: bool,
    },
    /// Run one cell (what both runners run per cell).
    Cell {
        /// The sweep file.
        file: PathBuf,
        /// The cell's index in the plan.
        index: usize,
    },
}

/// A `lsnn-rl sweep run` request.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRequest {
    /// The sweep file.
    pub file: PathBuf,
    /// Run the cells on this machine, as separate processes.
    pub local: bool,
    /// Submit one Slurm job array.
    pub slurm: bool,
    /// Cells at a time (local) or the array's limit (Slurm).
    pub jobs: Option<u64>,
    /// No progress output (local).
    pub quiet: bool,
    /// Slurm partition.
    pub partition: Option<String>,
    /// Slurm time limit per cell, checked.
    pub time: Option<String>,
    /// Slurm CPUs per cell.
    pub cpus_per_task: Option<u64>,
    /// Print the job-array script instead of submitting it.
    pub dry_run: bool,
    /// Wait until every array task ended, then summarise.
    pub wait: bool,
}

/// `lsnn-rl sweep ...`. Cells run as child processes of this very
/// executable (`sweep cell`), so they see the same registry.
pub fn run(registry: &Registry, request: &SweepRequest) -> anyhow::Result<()> {
    match request {
        SweepRequest::Plan { file } => plan(registry, file),
        SweepRequest::Run(r) => run_cells(registry, r),
        SweepRequest::Collect { file, csv, partial } => {
            collect(registry, file, csv.as_deref(), *partial)
        }
        SweepRequest::Cell { file, index } => {
            let sweep = Sweep::load(file, registry)?;
            cell::run_cell(registry, &sweep, *index)
        }
    }
}

fn plan(registry: &Registry, file: &Path) -> anyhow::Result<()> {
    let sweep = Sweep::load(file, registry)?;
    let axes: Vec<String> = sweep
        .axes
        .iter()
        .map(|a| format!("{} ({})", a.key, a.values.len()))
        .collect();
    println!(
        "sweep {}: {} cells{}; output {}",
        sweep.name,
        sweep.cells.len(),
        if axes.is_empty() {
            String::new()
        } else {
            format!(" = {}", axes.join(" x "))
        },
        sweep.output.display()
    );
    println!(
        "each cell: {} updates, then a final evaluation of {} trials (seed {}{}); command: lsnn-rl sweep cell {} --index I",
        updates_text(&sweep),
        sweep.eval.trials,
        sweep.eval.seed,
        if sweep.eval.greedy { ", greedy" } else { "" },
        sweep.file.display()
    );
    let mut header = vec!["index".to_string()];
    header.extend(sweep.axes.iter().map(|a| a.key.clone()));
    header.extend(["state".to_string(), "run directory".to_string()]);
    let rows: Vec<Vec<String>> = sweep
        .cells
        .iter()
        .map(|c| {
            let mut row = vec![c.index.to_string()];
            row.extend(c.params.iter().map(|(_, v)| v.clone()));
            row.push(cell::state(&sweep, c).label());
            row.push(c.dir.display().to_string());
            row
        })
        .collect();
    print!("{}", format_table(&header, &rows));
    Ok(())
}

/// The cells' updates: one number, or a range where an axis varies them.
fn updates_text(sweep: &Sweep) -> String {
    let updates = sweep.cells.iter().map(|c| c.config.train.updates);
    match (updates.clone().min(), updates.max()) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.to_string(),
        _ => "0".into(),
    }
}

fn run_cells(registry: &Registry, args: &RunRequest) -> anyhow::Result<()> {
    if args.local {
        let slurm_only = [
            ("--partition", args.partition.is_some()),
            ("--time", args.time.is_some()),
            ("--cpus-per-task", args.cpus_per_task.is_some()),
            ("--dry-run", args.dry_run),
            ("--wait", args.wait),
        ];
        if let Some((flag, _)) = slurm_only.iter().find(|(_, given)| *given) {
            bail!("{flag} is a Slurm option: use it with --slurm, or leave it out with --local");
        }
    }
    let sweep = Sweep::load(&args.file, registry)?;
    if args.slurm {
        let options = slurm::SlurmOptions {
            partition: args.partition.as_deref(),
            time: args.time.as_deref(),
            cpus_per_task: args.cpus_per_task,
            jobs: args.jobs,
        };
        let missing = slurm::missing(&sweep);
        if missing.is_empty() {
            println!(
                "sweep {}: all {} cells are complete; nothing to submit",
                sweep.name,
                sweep.cells.len()
            );
            return Ok(());
        }
        let script = slurm::script(&sweep, &missing, &options)?;
        if args.dry_run {
            print!("{script}");
            return Ok(());
        }
        let job = slurm::submit(&sweep, &script, args.wait)?;
        if !args.wait {
            println!(
                "submitted job {job}: {} array tasks ({} of {} cells); script {}; then: lsnn-rl sweep collect {}",
                missing.len(),
                missing.len(),
                sweep.cells.len(),
                sweep.output.join("sweep.slurm").display(),
                args.file.display()
            );
            return Ok(());
        }
        eprintln!("job {job} ended");
        return summary(&sweep, missing.len());
    }
    let jobs = args.jobs.unwrap_or(1) as usize;
    let todo = sweep
        .cells
        .iter()
        .filter(|c| !matches!(cell::state(&sweep, c), CellState::Complete(_)))
        .count();
    local::run(&sweep, jobs, args.quiet)?;
    summary(&sweep, todo)
}

/// The final lines of a run: counts, and each failed cell with its log.
fn summary(sweep: &Sweep, ran: usize) -> anyhow::Result<()> {
    let mut complete = 0;
    let mut failed = Vec::new();
    let mut other = 0;
    for c in &sweep.cells {
        match cell::state(sweep, c) {
            CellState::Complete(_) => complete += 1,
            CellState::Failed(f) => failed.push((c, f)),
            _ => other += 1,
        }
    }
    println!(
        "sweep {}: {} cells: {complete} complete ({} already before this run), {} failed{}",
        sweep.name,
        sweep.cells.len(),
        sweep.cells.len() - ran,
        failed.len(),
        if other > 0 {
            format!(", {other} not finished")
        } else {
            String::new()
        }
    );
    for (c, f) in &failed {
        println!(
            "failed: {} ({} {}): {}; log: {}",
            c.name,
            f.step,
            f.status,
            f.error,
            f.log.display()
        );
    }
    if !failed.is_empty() || other > 0 {
        bail!(
            "{} of {} cells did not complete; see their logs, then run the same command again (complete cells are skipped)",
            failed.len() + other,
            sweep.cells.len()
        );
    }
    Ok(())
}

fn collect(
    registry: &Registry,
    file: &Path,
    csv: Option<&Path>,
    partial: bool,
) -> anyhow::Result<()> {
    let sweep = Sweep::load(file, registry)?;
    let table = collect::collect(&sweep, partial)?;
    let seeds_axis = sweep.axes.iter().find(|a| a.key == "seed");
    println!(
        "sweep {}: final evaluation, {} trials per cell (seed {}); mean over {} with its 95% interval",
        sweep.name,
        sweep.eval.trials,
        sweep.eval.seed,
        seeds_axis.map_or("one seed".to_string(), |a| format!(
            "{} training seeds",
            a.values.len()
        ))
    );
    print!("{}", format_table(&table.header, &table.rows));
    if !table.missing.is_empty() {
        eprintln!(
            "warning: {} cells without a final evaluation left out (--partial): {}",
            table.missing.len(),
            table.missing.join(", ")
        );
    }
    if let Some(path) = csv {
        write_atomically(path, &collect::to_csv(&table)?)?;
        eprintln!("wrote {} ({} rows)", path.display(), table.rows.len());
    }
    Ok(())
}
