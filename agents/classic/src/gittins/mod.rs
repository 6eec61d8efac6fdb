//! The finite-horizon Gittins index policy for Bernoulli arms.

mod cache;
mod table;

use std::path::{Path, PathBuf};

use lsnn_rl_env::{Action, Policy, Rng, Space, Step};

pub use cache::{CacheOutcome, FORMAT_VERSION, cache_file_name};
pub use table::{DEFAULT_GRID, GittinsError, GittinsTable, MAX_HORIZON, table_len};

use crate::arms::{argmax, arm_count, assert_started, bernoulli, pulled_arm};

/// Pulls the arm with the highest finite-horizon Gittins index: each arm's
/// posterior is `Beta(1 + successes, 1 + failures)` (uniform prior), and
/// arms are compared by their index at the pulls left in the trial, ties
/// broken uniformly at random. Rewards must be 0 or 1.
///
/// The index table for the trial length is built (or read from the cache
/// folder) at the first trial of that length and shared by every later
/// trial in the process ([`GittinsTable::shared`]).
#[derive(Clone, Debug)]
pub struct Gittins {
    cache_dir: Option<PathBuf>,
    table: Option<GittinsTable>,
    successes: Vec<usize>,
    failures: Vec<usize>,
    pulls: usize,
}

impl Gittins {
    /// A Gittins policy caching its tables in `cache_dir` (none: computed in
    /// memory only).
    pub fn new(cache_dir: Option<&Path>) -> Self {
        Self {
            cache_dir: cache_dir.map(Path::to_path_buf),
            table: None,
            successes: Vec::new(),
            failures: Vec::new(),
            pulls: 0,
        }
    }

    /// Each arm's index at the pulls left in the trial (the posterior mean
    /// once past the trial's length).
    pub fn indices(&self) -> Vec<f64> {
        let horizon = self.table.as_ref().map_or(0, GittinsTable::horizon);
        let remaining = horizon.saturating_sub(self.pulls);
        self.successes
            .iter()
            .zip(&self.failures)
            .map(|(&s, &f)| {
                let (a, b) = (1 + s, 1 + f);
                self.table
                    .as_ref()
                    .and_then(|t| t.index(a, b, remaining))
                    .unwrap_or(a as f64 / (a + b) as f64)
            })
            .collect()
    }
}

impl Policy for Gittins {
    fn name(&self) -> &str {
        "gittins"
    }

    fn start_trial(&mut self, action_space: &Space, trial_steps: usize) -> Result<(), String> {
        let arms = arm_count(self.name(), action_space)?;
        if trial_steps == 0 {
            return Err(
                "gittins needs the trial's length, and this task's episodes have no length bound"
                    .into(),
            );
        }
        if self.table.as_ref().map(GittinsTable::horizon) != Some(trial_steps) {
            let table = GittinsTable::shared(trial_steps, self.cache_dir.as_deref());
            self.table = Some(table.map_err(|e| e.to_string())?);
        }
        self.successes = vec![0; arms];
        self.failures = vec![0; arms];
        self.pulls = 0;
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        assert_started(self.name(), self.successes.len());
        Action::Discrete(argmax(self.indices(), rng))
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let arm = pulled_arm(self.name(), action, self.successes.len())?;
        if bernoulli(self.name(), step.reward)? {
            self.successes[arm] += 1;
        } else {
            self.failures[arm] += 1;
        }
        self.pulls += 1;
        Ok(())
    }
}
