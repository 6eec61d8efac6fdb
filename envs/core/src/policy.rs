//! The interface of non-neural agents, and the loop that scores any of them.

use rand::Rng as _;

use crate::{
    Action, Env, EnvError, EpisodeOutcome, EpisodeTracker, GoalOutcome, GoalTracker, Info,
    MetaInputs, Rng, Space, Step, TaskDistribution, Trial, derive_seed, rng_from_seed,
};

/// An agent that acts from what it has seen in the current trial: the
/// classical bandit algorithms, the maze explorer and oracle.
pub trait Policy: Send {
    /// The algorithm's name as users type it (`ucb1`, `thompson`).
    fn name(&self) -> &str;

    /// Fits whatever the algorithm learns from the task family itself, once,
    /// before the first trial of an evaluation: the few-shot regression
    /// baselines estimate the family's mean function and tune their kernel
    /// here, on tasks of the family's own training stream (never the
    /// evaluation's). Fails when the algorithm cannot play the family. The
    /// default does nothing.
    fn prepare(&mut self, dist: &dyn TaskDistribution) -> Result<(), String> {
        let _ = dist;
        Ok(())
    }

    /// Forgets everything and prepares for a new trial of `trial_steps` steps
    /// with this action space. Fails when the algorithm cannot play it (for
    /// example a bandit algorithm on a continuous action space).
    fn start_trial(&mut self, action_space: &Space, trial_steps: usize) -> Result<(), String>;

    /// Sees the trial's first observation and the reset info, after
    /// `start_trial` and before the first `act` (a navigation policy reads
    /// its start position here; the oracle, its first move). Fails when the
    /// info lacks what the policy needs. The default ignores both.
    fn observe_reset(&mut self, obs: &[f32], info: &Info) -> Result<(), String> {
        let _ = (obs, info);
        Ok(())
    }

    /// Picks an action after observing `obs`; `rng` is the policy's own stream.
    fn act(&mut self, obs: &[f32], rng: &mut Rng) -> Action;

    /// Learns from the outcome of `action`. Fails when the outcome breaks the
    /// algorithm's assumptions (a Beta-Bernoulli model fed a reward of 5).
    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String>;
}

/// The score of one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialOutcome {
    /// Sum of rewards over the trial.
    pub total_reward: f64,
    /// Sum over steps of (best arm's expected reward - chosen arm's expected
    /// reward), when the environment reports both in its info
    /// (`best_expected_reward`, `expected_reward`); exact, not sampled.
    pub regret: Option<f64>,
    /// Steps taken.
    pub steps: usize,
    /// Goals reached and how fast, when the environment reports
    /// `goal_reached` in its info (navigation tasks; see [`GoalTracker`]).
    pub goals: Option<GoalOutcome>,
    /// The trial's episodes, in order (see [`EpisodeTracker`]).
    pub episodes: Vec<EpisodeOutcome>,
}

/// Errors of [`evaluate`] and [`run_trial`].
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The environment rejected something.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// The policy cannot play this task.
    #[error("{policy} on {env}: {reason}")]
    Policy {
        /// The policy's name.
        policy: String,
        /// The environment's name.
        env: String,
        /// What went wrong.
        reason: String,
    },
}

/// Plays one trial, already reset (its first observation is `obs`, its reset
/// info `reset_info`), to its end with `policy` (already started): shows the
/// policy the reset, then acts and observes until the trial is done.
pub fn run_trial(
    trial: &mut Trial,
    mut obs: Vec<f32>,
    reset_info: &Info,
    policy: &mut dyn Policy,
    rng: &mut Rng,
    mut log: Option<&mut Vec<(Action, Step)>>,
) -> Result<TrialOutcome, RunError> {
    let policy_error = |policy: &dyn Policy, trial: &Trial, reason| RunError::Policy {
        policy: policy.name().to_string(),
        env: trial.name().to_string(),
        reason,
    };
    let mut outcome = TrialOutcome {
        total_reward: 0.0,
        regret: Some(0.0),
        steps: 0,
        goals: None,
        episodes: Vec::new(),
    };
    let mut goals = GoalTracker::new();
    let mut episodes = EpisodeTracker::new();
    policy
        .observe_reset(&obs, reset_info)
        .map_err(|reason| policy_error(policy, trial, reason))?;
    loop {
        let action = policy.act(&obs, rng);
        let step = trial.step(&action)?;
        policy
            .observe(&action, &step)
            .map_err(|reason| policy_error(policy, trial, reason))?;
        outcome.total_reward += step.reward;
        outcome.steps += 1;
        outcome.regret = match (
            outcome.regret,
            step.info.get("best_expected_reward"),
            step.info.get("expected_reward"),
        ) {
            (Some(sum), Some(best), Some(chosen)) => Some(sum + best - chosen),
            _ => None,
        };
        goals.record(&step.info);
        episodes.record(&step.info);
        let done = step.done();
        if let Some(log) = log.as_deref_mut() {
            log.push((action, step.clone()));
        }
        if done {
            outcome.goals = goals.outcome();
            outcome.episodes = episodes.outcome();
            return Ok(outcome);
        }
        obs = step.obs;
    }
}

/// Trial `index` of an evaluation seeded with `seed`: the task drawn from
/// `derive_seed(seed, index)`, wrapped with `inputs` and reset. Returns the
/// trial, its first observation and the seed for the agent's own stream.
///
/// Every evaluator (classical policies here, neural agents in the trainer)
/// starts its trials through this function, so all of them meet the same
/// tasks and the same reward noise for the same seed.
pub fn start_eval_trial(
    dist: &dyn TaskDistribution,
    seed: u64,
    index: u64,
    inputs: MetaInputs,
) -> Result<(Trial, Vec<f32>, u64), EnvError> {
    let (trial, obs, _, policy_seed) = start_eval_trial_with_info(dist, seed, index, inputs)?;
    Ok((trial, obs, policy_seed))
}

/// [`start_eval_trial`], also returning the reset info (the start position
/// and goal of a navigation task, for policies and renderers).
pub fn start_eval_trial_with_info(
    dist: &dyn TaskDistribution,
    seed: u64,
    index: u64,
    inputs: MetaInputs,
) -> Result<(Trial, Vec<f32>, Info, u64), EnvError> {
    let trial_seed = derive_seed(seed, index);
    let mut task_rng = rng_from_seed(trial_seed);
    let env = dist.sample_task(&mut task_rng);
    let mut trial = Trial::new(env, dist.episodes_per_trial(), inputs)?;
    let (obs, info) = trial.reset(Some(task_rng.random()));
    Ok((trial, obs, info, derive_seed(trial_seed, 1)))
}

/// Scores `policy` on `trials` tasks drawn from `dist`.
///
/// Trial `i` plays the task of [`start_eval_trial`]`(dist, seed, i)`, so
/// every policy evaluated with the same seed meets the same tasks (common
/// random numbers make comparisons between policies sharper). The policy
/// draws from its own stream, so its randomness does not shift the
/// environment's.
pub fn evaluate(
    dist: &dyn TaskDistribution,
    policy: &mut dyn Policy,
    trials: usize,
    seed: u64,
) -> Result<Vec<TrialOutcome>, RunError> {
    evaluate_logged(dist, policy, trials, seed, None)
}

/// [`evaluate`], also recording every step of every trial (its action and
/// step) into `log`, one list per trial, when given.
pub fn evaluate_logged(
    dist: &dyn TaskDistribution,
    policy: &mut dyn Policy,
    trials: usize,
    seed: u64,
    mut log: Option<&mut Vec<Vec<(Action, Step)>>>,
) -> Result<Vec<TrialOutcome>, RunError> {
    let mut outcomes = Vec::with_capacity(trials);
    policy.prepare(dist).map_err(|reason| RunError::Policy {
        policy: policy.name().to_string(),
        env: dist.spec().to_string(),
        reason,
    })?;
    for i in 0..trials {
        let (mut trial, obs, info, policy_seed) =
            start_eval_trial_with_info(dist, seed, i as u64, MetaInputs::none())?;
        policy
            .start_trial(trial.action_space(), trial.trial_steps())
            .map_err(|reason| RunError::Policy {
                policy: policy.name().to_string(),
                env: dist.spec().to_string(),
                reason,
            })?;
        let mut policy_rng = rng_from_seed(policy_seed);
        let mut steps = Vec::new();
        let trial_log = log.is_some().then_some(&mut steps);
        outcomes.push(run_trial(
            &mut trial,
            obs,
            &info,
            policy,
            &mut policy_rng,
            trial_log,
        )?);
        if let Some(log) = log.as_deref_mut() {
            log.push(steps);
        }
    }
    Ok(outcomes)
}
