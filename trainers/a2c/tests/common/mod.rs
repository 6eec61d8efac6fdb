//! Helpers shared by the trainer's integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::sync::Arc;

use lsnn_rl_a2c::run::Progress;
use lsnn_rl_a2c::{EvalSummary, Trainer, UpdateStats};
use lsnn_rl_env::{Registry, TaskDistribution};

/// The task distribution of a bandit spec.
pub fn dist(spec: &str) -> Arc<dyn TaskDistribution> {
    let mut registry = Registry::new();
    lsnn_rl_bandits::register(&mut registry).unwrap();
    Arc::from(registry.make(spec).unwrap())
}

/// Reports nothing; stops the run after `stop_after` updates, if set.
pub struct Quiet {
    /// The update after which the run stops (None: run to the end).
    pub stop_after: Option<usize>,
}

impl Progress for Quiet {
    fn update(&mut self, stats: &UpdateStats, _: Option<&EvalSummary>, _: usize) -> bool {
        self.stop_after != Some(stats.update)
    }
}

/// Every parameter of the network by name, sorted, as plain values.
pub fn weights(trainer: &Trainer) -> Vec<(String, Vec<f32>)> {
    trainer.weights().unwrap()
}
