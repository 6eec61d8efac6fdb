//! Greedy and epsilon-greedy action selection on estimated arm means.

use lsnn_rl_env::{Action, Policy, Rng, Space, Step};
use rand::Rng as _;

use crate::arms::{argmax, arm_count, assert_started, finite, pulled_arm, unit_interval};

/// How greedy, epsilon-greedy and UCB1 estimate an arm's mean reward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Estimate {
    /// The average of the arm's rewards so far (Sutton & Barto's sample
    /// average); an arm never pulled has no estimate and is pulled before
    /// any comparison, in random order. Any finite rewards.
    #[default]
    SampleMean,
    /// The posterior mean under a uniform `Beta(1, 1)` prior,
    /// `(sum of rewards + 1) / (pulls + 2)`: every arm starts at 1/2, and
    /// nothing forces a first pull of each arm. Rewards in `[0, 1]`. This is
    /// how the RL^2 paper's evaluation code estimates means for its greedy,
    /// epsilon-greedy and UCB1 baselines.
    BetaPrior,
}

impl Estimate {
    /// The estimate of an arm from its pulls and reward sum (`+inf` for an
    /// untried arm under [`Estimate::SampleMean`]).
    pub fn of(self, pulls: u64, sum: f64) -> f64 {
        match self {
            Estimate::SampleMean if pulls == 0 => f64::INFINITY,
            Estimate::SampleMean => sum / pulls as f64,
            Estimate::BetaPrior => (sum + 1.0) / (pulls as f64 + 2.0),
        }
    }

    /// Checks a reward against the estimate's assumption.
    pub(crate) fn check(self, policy: &str, reward: f64) -> Result<f64, String> {
        match self {
            Estimate::SampleMean => finite(policy, reward),
            Estimate::BetaPrior => unit_interval(policy, reward),
        }
    }
}

/// Epsilon-greedy: with probability `eps` an arm uniformly at random (the
/// greedy one included), otherwise the arm with the highest estimated mean,
/// ties broken uniformly at random. With `eps = 0` it is the greedy policy.
#[derive(Clone, Debug)]
pub struct EpsilonGreedy {
    name: &'static str,
    eps: f64,
    estimate: Estimate,
    pulls: Vec<u64>,
    sums: Vec<f64>,
}

impl EpsilonGreedy {
    /// Epsilon-greedy (`eps-greedy`) exploring with probability `eps`
    /// (clamped to `[0, 1]`).
    pub fn new(eps: f64, estimate: Estimate) -> Self {
        Self {
            name: "eps-greedy",
            eps: eps.clamp(0.0, 1.0),
            estimate,
            pulls: Vec::new(),
            sums: Vec::new(),
        }
    }

    /// The purely greedy policy (`greedy`).
    pub fn greedy(estimate: Estimate) -> Self {
        Self {
            name: "greedy",
            ..Self::new(0.0, estimate)
        }
    }

    /// The exploration probability.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// The current estimate of each arm.
    pub fn estimates(&self) -> Vec<f64> {
        let est = self.estimate;
        self.pulls
            .iter()
            .zip(&self.sums)
            .map(|(&n, &s)| est.of(n, s))
            .collect()
    }
}

impl Policy for EpsilonGreedy {
    fn name(&self) -> &str {
        self.name
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        let arms = arm_count(self.name, action_space)?;
        self.pulls = vec![0; arms];
        self.sums = vec![0.0; arms];
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        let arms = self.pulls.len();
        assert_started(self.name, arms);
        if self.eps > 0.0 && rng.random::<f64>() < self.eps {
            return Action::Discrete(rng.random_range(0..arms));
        }
        let est = self.estimate;
        let scores = self
            .pulls
            .iter()
            .zip(&self.sums)
            .map(|(&n, &s)| est.of(n, s));
        Action::Discrete(argmax(scores, rng))
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let arm = pulled_arm(self.name, action, self.pulls.len())?;
        let reward = self.estimate.check(self.name, step.reward)?;
        self.pulls[arm] += 1;
        self.sums[arm] += reward;
        Ok(())
    }
}
