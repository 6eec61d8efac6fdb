//! Writing results: aligned text tables and files that are never half-written.

use std::path::Path;

pub use lsnn_rl_classic::scoring::tables::format_table;

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so a crash or a full disk leaves the old file or the new one,
/// never a half-written one (the trainer's writer, shared by every command).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    Ok(lsnn_rl_a2c::recorder::write_atomically(path, bytes)?)
}

/// A progress indicator on stderr for a long command: a bar when the amount
/// of work is known, a spinner otherwise. It draws nothing when the command
/// is quiet or stderr is not a terminal (a log file, a pipe, a test).
pub struct Indicator {
    bar: Option<indicatif::ProgressBar>,
}

impl Indicator {
    /// Whether a command with `quiet` draws progress at all.
    pub fn visible(quiet: bool) -> bool {
        use std::io::IsTerminal;
        !quiet && std::io::stderr().is_terminal()
    }

    /// A bar of `total` steps counted in `unit` ("trials", "cells", ...).
    pub fn bar(quiet: bool, total: u64, unit: &str) -> Self {
        let bar = Self::visible(quiet).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let template = format!("{{bar:30}} {{pos}}/{{len}} {unit}  {{msg}}  ETA {{eta}}");
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            bar
        });
        Self { bar }
    }

    /// A spinner with a message and the elapsed time, for work of unknown length.
    pub fn spinner(quiet: bool, message: &str) -> Self {
        let bar = Self::visible(quiet).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}  {elapsed}")
            {
                bar.set_style(style);
            }
            bar.set_message(message.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// Sets the number of steps the bar counts to.
    pub fn set_length(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Counts `n` more steps done.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Replaces the message beside the bar.
    pub fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_string());
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Indicator {
    fn drop(&mut self) {
        self.finish();
    }
}
