//! UCB1 (Auer, Cesa-Bianchi & Fischer 2002).

use lsnn_rl_env::{Action, Policy, Rng, Space, Step};

use crate::arms::{argmax, arm_count, assert_started, pulled_arm, unit_interval};
use crate::greedy::Estimate;

/// UCB1: pull each arm once, then the arm maximising
/// `mean_j + c * sqrt(2 ln t / n_j)`, where `t` is the number of pulls made
/// so far in the trial and `n_j` those of arm `j`; ties broken uniformly at
/// random. `c = 1` is the published algorithm; rewards must lie in `[0, 1]`.
///
/// With [`Estimate::BetaPrior`] (the RL^2 evaluation code's variant) the
/// mean is `(sum + 1) / (n_j + 2)`, the count in the bonus is `n_j + 2`, no
/// arm is forced first, and the bonus is 0 before the first pull.
#[derive(Clone, Debug)]
pub struct Ucb1 {
    c: f64,
    estimate: Estimate,
    pulls: Vec<u64>,
    sums: Vec<f64>,
    total: u64,
}

impl Ucb1 {
    /// UCB1 with exploration weight `c` (negative values count as 0).
    pub fn new(c: f64, estimate: Estimate) -> Self {
        Self {
            c: c.max(0.0),
            estimate,
            pulls: Vec::new(),
            sums: Vec::new(),
            total: 0,
        }
    }

    /// The exploration weight.
    pub fn c(&self) -> f64 {
        self.c
    }

    /// Each arm's upper confidence bound now (`+inf` for an arm UCB1 must
    /// still try once).
    pub fn bounds(&self) -> Vec<f64> {
        let log_t = (self.total.max(1) as f64).ln();
        let extra = match self.estimate {
            Estimate::SampleMean => 0.0,
            Estimate::BetaPrior => 2.0,
        };
        self.pulls
            .iter()
            .zip(&self.sums)
            .map(|(&n, &s)| match self.estimate {
                Estimate::SampleMean if n == 0 => f64::INFINITY,
                estimate => estimate.of(n, s) + self.c * (2.0 * log_t / (n as f64 + extra)).sqrt(),
            })
            .collect()
    }
}

impl Policy for Ucb1 {
    fn name(&self) -> &str {
        "ucb1"
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        let arms = arm_count(self.name(), action_space)?;
        self.pulls = vec![0; arms];
        self.sums = vec![0.0; arms];
        self.total = 0;
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        assert_started(self.name(), self.pulls.len());
        Action::Discrete(argmax(self.bounds(), rng))
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let arm = pulled_arm(self.name(), action, self.pulls.len())?;
        let reward = unit_interval(self.name(), step.reward)?;
        self.pulls[arm] += 1;
        self.sums[arm] += reward;
        self.total += 1;
        Ok(())
    }
}
