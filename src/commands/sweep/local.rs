//! `lsnn-rl sweep run FILE --local`: the cells as separate `lsnn-rl sweep
//! cell` processes, N at a time.

use std::fs::File;
use std::io::IsTerminal;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;

use super::cell::{self, CellState, LOG};
use super::file::Sweep;

/// Runs every cell that is not complete, `jobs` at a time; returns the
/// indices of the cells that failed.
pub fn run(sweep: &Sweep, jobs: usize, quiet: bool) -> anyhow::Result<Vec<usize>> {
    let todo: Vec<usize> = sweep
        .cells
        .iter()
        .filter(|c| !matches!(cell::state(sweep, c), CellState::Complete(_)))
        .map(|c| c.index)
        .collect();
    let skipped = sweep.cells.len() - todo.len();
    if !quiet {
        eprintln!(
            "sweep {}: {} cells, {skipped} already complete, {} to run, {jobs} at a time",
            sweep.name,
            sweep.cells.len(),
            todo.len()
        );
    }
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let exe = std::env::current_exe().context("cannot find the lsnn-rl binary")?;
    let terminal = !quiet && std::io::stderr().is_terminal();
    let bar = if terminal {
        let bar = indicatif::ProgressBar::new(todo.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} cells  {msg}  {elapsed}")
                .expect("a valid template"),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(Vec::new());
    let running = AtomicUsize::new(0);
    let report = |text: String| {
        if terminal {
            bar.println(text);
        } else if !quiet {
            eprintln!("{text}");
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(todo.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&index) = todo.get(i) else { break };
                    let cell = &sweep.cells[index];
                    running.fetch_add(1, Ordering::SeqCst);
                    bar.set_message(format!(
                        "{} running, {} failed",
                        running.load(Ordering::SeqCst),
                        failed.lock().map_or(0, |f| f.len())
                    ));
                    let started = Instant::now();
                    let outcome = run_one(&exe, sweep, index);
                    running.fetch_sub(1, Ordering::SeqCst);
                    let seconds = started.elapsed().as_secs_f64();
                    match outcome {
                        Ok(()) => report(format!("done   {} ({seconds:.1} s)", cell.name)),
                        Err(status) => {
                            if let Ok(mut f) = failed.lock() {
                                f.push(index);
                            }
                            report(format!(
                                "FAILED {} ({status}, {seconds:.1} s); log: {}",
                                cell.name,
                                cell.dir.join(LOG).display()
                            ));
                        }
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let mut failed = failed.into_inner().unwrap_or_default();
    failed.sort_unstable();
    Ok(failed)
}

/// One cell process; its output goes to the cell's log. Err: how it ended.
fn run_one(exe: &std::path::Path, sweep: &Sweep, index: usize) -> Result<(), String> {
    let cell = &sweep.cells[index];
    let log = std::fs::create_dir_all(&cell.dir).and_then(|()| {
        File::options()
            .create(true)
            .append(true)
            .open(cell.dir.join(LOG))
    });
    let log: File = match log {
        Ok(f) => f,
        Err(e) => {
            let text = format!("cannot open {}: {e}", cell.dir.join(LOG).display());
            return Err(text);
        }
    };
    // The cell writes its own lines to the log; its stderr adds the error
    // line of a failure, its stdout (the result line) is in the log already.
    let err = log.try_clone().map_or(Stdio::null(), Stdio::from);
    let status = Command::new(exe)
        .arg("sweep")
        .arg("cell")
        .arg(&sweep.file)
        .args(["--index", &index.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => {
            let text = cell::describe(s);
            // A cell killed before it could say so itself.
            if !cell.dir.join(cell::FAILED).exists() {
                cell::record_failure(cell, "cell", &text, "the cell process ended early");
            }
            Err(text)
        }
        Err(e) => {
            let text = format!("cannot start: {e}");
            cell::record_failure(cell, "cell", "not started", &text);
            Err(text)
        }
    }
}
