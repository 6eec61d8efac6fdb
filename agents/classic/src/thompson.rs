//! Thompson sampling for Bernoulli arms with uniform priors.

use lsnn_rl_env::{Action, Policy, Rng, Space, Step};
use rand_distr::{Beta, Distribution};

use crate::arms::{argmax, arm_count, assert_started, bernoulli, pulled_arm};

/// Thompson sampling: each arm's success probability has a `Beta(1, 1)`
/// prior, so after `s` successes and `f` failures its posterior is
/// `Beta(1 + s, 1 + f)`; each step draws one value from every posterior and
/// pulls the arm with the largest. Rewards must be 0 or 1.
///
/// With `samples > 1` it is the RL^2 paper's "OTS" baseline as its
/// evaluation code implements it: draw `samples` joint draws, keep the one
/// with the highest posterior density, and pull its best arm. (Not the
/// optimistic Thompson sampling of May et al. 2012, which takes
/// `max(draw, posterior mean)`.)
#[derive(Clone, Debug)]
pub struct Thompson {
    samples: usize,
    successes: Vec<u64>,
    failures: Vec<u64>,
    draw: Vec<f64>,
    kept: Vec<f64>,
}

impl Thompson {
    /// Thompson sampling keeping the most probable of `samples` joint draws
    /// each step (1: plain Thompson sampling; 0 counts as 1).
    pub fn new(samples: usize) -> Self {
        Self {
            samples: samples.max(1),
            successes: Vec::new(),
            failures: Vec::new(),
            draw: Vec::new(),
            kept: Vec::new(),
        }
    }

    /// Each arm's posterior `(alpha, beta)`.
    pub fn posteriors(&self) -> Vec<(f64, f64)> {
        self.successes
            .iter()
            .zip(&self.failures)
            .map(|(&s, &f)| (1.0 + s as f64, 1.0 + f as f64))
            .collect()
    }

    /// Fills `self.draw` with one joint posterior draw; returns its log
    /// density up to a constant.
    fn draw_once(&mut self, rng: &mut Rng) -> f64 {
        let mut log_density = 0.0;
        for ((x, &s), &f) in self
            .draw
            .iter_mut()
            .zip(&self.successes)
            .zip(&self.failures)
        {
            let (alpha, beta) = (1.0 + s as f64, 1.0 + f as f64);
            *x = Beta::new(alpha, beta)
                .expect("Beta parameters are at least 1")
                .sample(rng);
            if s > 0 {
                log_density += s as f64 * x.ln();
            }
            if f > 0 {
                log_density += f as f64 * (1.0 - *x).ln();
            }
        }
        log_density
    }
}

impl Policy for Thompson {
    fn name(&self) -> &str {
        "thompson"
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        let arms = arm_count(self.name(), action_space)?;
        self.successes = vec![0; arms];
        self.failures = vec![0; arms];
        self.draw = vec![0.0; arms];
        self.kept = vec![0.0; arms];
        Ok(())
    }

    fn act(&mut self, _obs: &[f32], rng: &mut Rng) -> Action {
        assert_started(self.name(), self.successes.len());
        if self.samples == 1 {
            self.draw_once(rng);
            return Action::Discrete(argmax(self.draw.iter().copied(), rng));
        }
        let mut best = f64::NEG_INFINITY;
        for i in 0..self.samples {
            let log_density = self.draw_once(rng);
            if i == 0 || log_density > best {
                best = log_density;
                self.kept.copy_from_slice(&self.draw);
            }
        }
        Action::Discrete(argmax(self.kept.iter().copied(), rng))
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        let arm = pulled_arm(self.name(), action, self.successes.len())?;
        if bernoulli(self.name(), step.reward)? {
            self.successes[arm] += 1;
        } else {
            self.failures[arm] += 1;
        }
        Ok(())
    }
}
