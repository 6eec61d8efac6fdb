//! The uniformly random policy: the chance level every other baseline is
//! measured against.

use lsnn_rl_env::{Action, Policy, Rng, Space, Step};
use rand::Rng as _;

use crate::arms::{arm_count, assert_started, pulled_arm};

/// Pulls an arm uniformly at random at every step and learns nothing.
#[derive(Clone, Debug, Default)]
pub struct Random {
    arms: usize,
}

impl Random {
    /// A random policy (the arm count comes with each trial).
    pub fn new() -> Self {
        Self::default()
    }
}

impl Policy for Random {
    fn name(&self) -> &str {
        "random"
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        self.arms = arm_count(self.name(), action_space)?;
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        assert_started(self.name(), self.arms);
        Action::Discrete(rng.random_range(0..self.arms))
    }

    fn observe(&mut self, action: &Action, _step: &Step) -> Result<(), String> {
        pulled_arm(self.name(), action, self.arms).map(|_| ())
    }
}
