//! Task distributions: the family a meta-RL agent is trained across.

use crate::{Env, Rng, Space, TaskVariable};

/// A family of tasks (bandits with random arm probabilities, mazes with
/// random goals). Each trial of meta-RL draws one task and plays it.
///
/// Every task of a distribution shares the observation and action spaces, so
/// one network can be trained across all of them.
pub trait TaskDistribution: Send + Sync {
    /// The spec this distribution was built from, e.g. `bandit-bernoulli:arms=5,pulls=100`.
    fn spec(&self) -> &str;

    /// The observation space of every task.
    fn observation_space(&self) -> Space;

    /// The action space of every task.
    fn action_space(&self) -> Space;

    /// Episodes in one trial (1 for bandits; 2 for the RL^2 mazes).
    fn episodes_per_trial(&self) -> usize {
        1
    }

    /// The task variables each step's info reports (the goal's position,
    /// the best arm), which `lsnn-rl analyze decode --target` can decode
    /// from a trained network's state. None by default.
    fn task_variables(&self) -> Vec<TaskVariable> {
        Vec::new()
    }

    /// What an agent learns from on these tasks: rewards (meta-RL, the
    /// default) or targets (supervised learning-to-learn, where each step's
    /// info reports the `target` the prediction is scored against).
    fn objective(&self) -> Objective {
        Objective::Reward
    }

    /// Draws one task from `rng` and builds the environment that plays it.
    /// The same generator state gives the same task on every machine.
    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env>;
}

/// What an agent learns from on a task distribution (see
/// [`TaskDistribution::objective`]); `lsnn-rl train` picks its trainer by it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Objective {
    /// Rewards: the meta-RL trainers (A2C, PPO).
    #[default]
    Reward,
    /// Targets: the action is a prediction of the step's `target` (in the
    /// info), scored by the squared error; the supervised trainer.
    Regression,
}

/// The info key under which a [`Objective::Regression`] task reports the
/// value the step's prediction should have been.
pub const TARGET: &str = "target";
