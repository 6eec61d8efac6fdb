//! `lsnn-rl sweep run FILE --slurm`: one job-array script, one array task
//! per cell that is not complete, each running `lsnn-rl sweep cell`.

use std::process::Command;

use anyhow::{Context, bail};

use super::cell::{self, CellState};
use super::file::Sweep;

/// What `--slurm` was given.
pub struct SlurmOptions<'a> {
    /// `--partition`.
    pub partition: Option<&'a str>,
    /// `--time`, checked.
    pub time: Option<&'a str>,
    /// `--cpus-per-task` (default: the sweep's threads).
    pub cpus_per_task: Option<u64>,
    /// Array tasks at a time (`%N`), from `--jobs`.
    pub jobs: Option<u64>,
}

/// The indices of the cells that are not complete.
pub fn missing(sweep: &Sweep) -> Vec<usize> {
    sweep
        .cells
        .iter()
        .filter(|c| !matches!(cell::state(sweep, c), CellState::Complete(_)))
        .map(|c| c.index)
        .collect()
}

/// The job-array script for `indices`.
pub fn script(sweep: &Sweep, indices: &[usize], options: &SlurmOptions) -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the lsnn-rl binary")?;
    let mut array = compress(indices);
    if let Some(n) = options.jobs {
        array.push_str(&format!("%{n}"));
    }
    let mut s = String::from("#!/bin/bash\n");
    s.push_str(&format!(
        "# Written by `lsnn-rl sweep run {} --slurm`.\n",
        sweep.file.display()
    ));
    s.push_str(
        "# One array task per cell that was not complete; each runs the command the\n\
         # local runner runs. A complete cell does nothing and an interrupted one\n\
         # resumes, so resubmitting finishes only what is missing.\n",
    );
    s.push_str(&format!(
        "#SBATCH --job-name={}\n",
        sanitize_job_name(&sweep.name)
    ));
    s.push_str(&format!("#SBATCH --array={array}\n"));
    s.push_str(&format!(
        "#SBATCH --output={}/%A_%a.out\n",
        slurm_dir(sweep).display()
    ));
    s.push_str("#SBATCH --ntasks=1\n");
    s.push_str(&format!(
        "#SBATCH --cpus-per-task={}\n",
        options.cpus_per_task.unwrap_or(sweep.train.threads)
    ));
    if let Some(p) = options.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(t) = options.time {
        s.push_str(&format!("#SBATCH --time={t}\n"));
    }
    s.push_str("set -eu\n");
    s.push_str(&format!(
        "exec {} sweep cell {} --index \"$SLURM_ARRAY_TASK_ID\"\n",
        quote(&exe.to_string_lossy()),
        quote(&sweep.file.to_string_lossy())
    ));
    Ok(s)
}

/// Where the array tasks' own output goes (the cells log in their folders).
pub fn slurm_dir(sweep: &Sweep) -> std::path::PathBuf {
    sweep.output.join("slurm")
}

/// Writes the script and submits it; with `wait`, returns after every task
/// ended. Returns the job id.
pub fn submit(sweep: &Sweep, script_text: &str, wait: bool) -> anyhow::Result<String> {
    std::fs::create_dir_all(slurm_dir(sweep))
        .with_context(|| format!("cannot create {}", slurm_dir(sweep).display()))?;
    let path = sweep.output.join("sweep.slurm");
    crate::common::output::write_atomically(&path, script_text.as_bytes())?;
    let mut command = Command::new("sbatch");
    command.arg("--parsable");
    if wait {
        command.arg("--wait");
    }
    let out = command.arg(&path).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "sbatch is not on PATH: --slurm needs a Slurm cluster's client tools; use --local on this machine, or --dry-run to see the script"
            )
        } else {
            anyhow::anyhow!("cannot run sbatch: {e}")
        }
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let job = stdout
        .lines()
        .next()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if !out.status.success() && (job.is_empty() || !wait) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!(
            "sbatch {} failed ({}): {}",
            path.display(),
            cell::describe(out.status),
            stderr.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    Ok(job)
}

/// `0-3,5,7-8`: Slurm's array syntax for sorted indices.
pub fn compress(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            indices[i].to_string()
        } else {
            format!("{}-{}", indices[i], indices[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

/// Checks `--time`: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`.
pub fn check_time(text: &str) -> Result<String, String> {
    let (days, rest) = match text.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, text),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let ok = days.is_none_or(numeric)
        && parts.iter().all(|p| numeric(p))
        && (1..=3).contains(&parts.len());
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "'{text}' is not a Slurm time limit; write HH:MM:SS (e.g. 02:00:00) or D-HH:MM:SS"
        ))
    }
}

fn sanitize_job_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A word for the shell, in single quotes.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_ranges_compress() {
        assert_eq!(compress(&[0, 1, 2, 3]), "0-3");
        assert_eq!(compress(&[1, 3, 4, 5, 9]), "1,3-5,9");
        assert_eq!(compress(&[7]), "7");
    }

    #[test]
    fn time_limits_are_checked() {
        for ok in ["02:00:00", "30", "1-00:00:00", "10:00"] {
            assert!(check_time(ok).is_ok(), "{ok}");
        }
        for bad in ["2h", "", "1:2:3:4", "a-01:00:00", "01::00"] {
            assert!(check_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(quote("/a b/it's"), "'/a b/it'\\''s'");
    }
}
