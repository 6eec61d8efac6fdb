//! The classical bandit policies step by step: the core of
//! `lsnn_rl.BanditPolicy`.

use std::sync::Mutex;

use lsnn_rl_env::{Action, Info, Policy, Rng, Space, Step, derive_seed, rng_from_seed};
use pyo3::prelude::*;

use crate::errors;

/// The policy, its random stream and where its trials stand.
struct State {
    policy: Box<dyn Policy>,
    rng: Rng,
    /// Trials started since construction (the next one's index).
    trials: u64,
    /// Whether a trial is in play.
    started: bool,
    /// Pulls observed in the trial in play.
    pulls: usize,
}

/// A classical bandit algorithm (`random`, `greedy`, `eps-greedy`, `ucb1`,
/// `thompson`, `gittins`, with parameters as `lsnn-rl baselines --algos`
/// takes them) on `arms` arms and trials of `trial_steps` pulls.
///
/// Trial k (counting from 0) draws from the stream of
/// `derive_seed(derive_seed(seed, k), 1)`: the stream `lsnn-rl baselines
/// --seed seed` gives the policy on trial k, so with the tasks of the same
/// seed it pulls the same arms.
#[pyclass(module = "lsnn_rl._core")]
pub struct BanditPolicy {
    name: String,
    arms: usize,
    trial_steps: usize,
    seed: u64,
    state: Mutex<State>,
}

impl BanditPolicy {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn trial_over(&self, py: Python<'_>) -> PyErr {
        errors::policy_error(
            py,
            format!(
                "{}: the trial of {} pulls is over; call start_trial to start the next",
                self.name, self.trial_steps
            ),
        )
    }

    fn not_started(&self, py: Python<'_>) -> PyErr {
        errors::policy_error(
            py,
            format!("{}: no trial in play; call start_trial first", self.name),
        )
    }
}

#[pymethods]
impl BanditPolicy {
    /// The algorithm `algo` for `arms` arms and `trial_steps` pulls per
    /// trial; `gittins_cache` is where `gittins` keeps its tables.
    #[new]
    #[pyo3(signature = (algo, arms, trial_steps, seed, gittins_cache=None))]
    fn new(
        py: Python<'_>,
        algo: &str,
        arms: usize,
        trial_steps: usize,
        seed: u64,
        gittins_cache: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        if arms == 0 || trial_steps == 0 {
            return Err(errors::policy_error(
                py,
                format!(
                    "{algo}: a bandit needs at least 1 arm and 1 pull; got arms={arms}, pulls={trial_steps}"
                ),
            ));
        }
        let policy = lsnn_rl_classic::make_policy(algo, gittins_cache.as_deref())
            .map_err(|e| errors::algo_error(py, &e))?;
        let name = algo.trim().to_string();
        // Navigation policies need positions; refuse them now, not at the first act.
        if !lsnn_rl_classic::BANDIT_ALGORITHMS.contains(&policy.name()) {
            return Err(errors::policy_error(
                py,
                format!(
                    "{} is not a bandit algorithm; use one of {} (navigation baselines run through lsnn_rl.baselines)",
                    policy.name(),
                    lsnn_rl_classic::BANDIT_ALGORITHMS.join(", ")
                ),
            ));
        }
        Ok(Self {
            name,
            arms,
            trial_steps,
            seed,
            state: Mutex::new(State {
                policy,
                rng: rng_from_seed(0),
                trials: 0,
                started: false,
                pulls: 0,
            }),
        })
    }

    /// The algorithm spec.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Arms.
    #[getter]
    fn arms(&self) -> usize {
        self.arms
    }

    /// Pulls per trial.
    #[getter]
    fn trial_steps(&self) -> usize {
        self.trial_steps
    }

    /// Trials started so far.
    #[getter]
    fn trials_started(&self) -> u64 {
        self.state().trials
    }

    /// Forgets the trial in play and starts the next: trial `trial` (default:
    /// the one after the last) of the policy's seed, or of `seed` from now on.
    #[pyo3(signature = (seed=None, trial=None))]
    fn start_trial(
        &mut self,
        py: Python<'_>,
        seed: Option<u64>,
        trial: Option<u64>,
    ) -> PyResult<()> {
        if let Some(seed) = seed {
            self.seed = seed;
        }
        let base = self.seed;
        let mut state = self.state();
        let index = trial.unwrap_or(if seed.is_some() { 0 } else { state.trials });
        state.rng = rng_from_seed(derive_seed(derive_seed(base, index), 1));
        state
            .policy
            .start_trial(&Space::discrete(self.arms), self.trial_steps)
            .map_err(|reason| errors::policy_error(py, reason))?;
        state.trials = index + 1;
        state.started = true;
        state.pulls = 0;
        Ok(())
    }

    /// The arm to pull next.
    fn act(&self, py: Python<'_>) -> PyResult<usize> {
        let mut state = self.state();
        if !state.started {
            return Err(self.not_started(py));
        }
        if state.pulls >= self.trial_steps {
            return Err(self.trial_over(py));
        }
        let State { policy, rng, .. } = &mut *state;
        match policy.act(&[], rng) {
            Action::Discrete(arm) => Ok(arm),
            other => Err(errors::other(
                py,
                format!("{} chose {other}, not an arm", self.name),
            )),
        }
    }

    /// Learns that pulling `arm` paid `reward`. A reward outside the
    /// algorithm's model (Thompson sampling and Gittins' index take 0 or 1)
    /// or an arm that is not one raises `PolicyError`.
    fn observe(&self, py: Python<'_>, arm: i64, reward: f64) -> PyResult<()> {
        let mut state = self.state();
        if !state.started {
            return Err(self.not_started(py));
        }
        let arm = usize::try_from(arm).map_err(|_| {
            errors::policy_error(
                py,
                format!(
                    "{}: observed action {arm} is not an arm of Discrete({})",
                    self.name, self.arms
                ),
            )
        })?;
        if state.pulls >= self.trial_steps {
            return Err(self.trial_over(py));
        }
        let step = Step {
            obs: Vec::new(),
            reward,
            terminated: false,
            truncated: false,
            info: Info::new(),
        };
        state
            .policy
            .observe(&Action::Discrete(arm), &step)
            .map_err(|reason| errors::policy_error(py, reason))?;
        state.pulls += 1;
        Ok(())
    }
}
