//! Few-shot regression baselines for the supervised task families
//! ([`Objective::Regression`]: `function-net`, `function-sine`): what a
//! network that learns to learn from a teacher is compared against.
//!
//! The protocol (see `lsnn-rl-functions`): step t observes
//! `[x_t (d values), y_{t-1}, teacher flag]`, the action is the prediction of
//! f(x_t), and the reward is minus its squared error. The target y_{t-1}
//! arrives one step after the prediction it grades, so the prediction at step
//! t has seen t examples.
//!
//! - [`FamilyMean`] predicts the family's mean function E_f[f(x)], estimated
//!   once per evaluation ([`BinnedMean::estimate`]); it learns nothing from
//!   the examples of a trial. A learner that does not beat it has learned
//!   nothing about the task at hand.
//! - [`KernelRidge`] fits kernel ridge regression to the examples seen so far,
//!   around the family mean as its prior mean; its length scale and ridge are
//!   tuned on the family's own training tasks.
//!
//! Both learn what they need from the family in [`Policy::prepare`], on tasks
//! drawn from fixed salted streams ([`MEAN_SALT`], [`TUNING_SALT`]), never
//! from the evaluation's tasks (unless an evaluation is seeded with one of the
//! salts).
//!
//! [`Policy::prepare`]: lsnn_rl_env::Policy::prepare

mod mean;
mod ridge;

use lsnn_rl_env::{
    Action, Env, MetaInputs, Objective, Space, TARGET, TaskDistribution, rng_from_seed,
    start_eval_trial,
};

pub use mean::{BinnedMean, FamilyMean};
pub use ridge::{
    KernelRidge, LAMBDA_GRID, LENGTHSCALE_GRID, MAX_FITTED_EXAMPLES, RidgeParams, TUNING_EXAMPLES,
    TUNING_TRIALS,
};

/// The seed of the training stream the family mean is estimated from: the
/// tasks of an evaluation seeded with it ("mean" in ASCII).
pub const MEAN_SALT: u64 = 0x6d65_616e;

/// The seed of the training stream the kernel's parameters are tuned on
/// ("tune" in ASCII): other tasks than the mean's, so the tuning sees how the
/// prior mean generalises.
pub const TUNING_SALT: u64 = 0x7475_6e65;

/// One example of a regression task: the input and its target.
pub(crate) type Example = (Vec<f64>, f64);

/// The inputs `d` of a regression family: its observations are
/// `[x (d), previous target, teacher flag]`. An error naming `policy` and
/// the problem when `dist` is not a regression family with one prediction
/// per step.
pub(crate) fn family_inputs(policy: &str, dist: &dyn TaskDistribution) -> Result<usize, String> {
    if dist.objective() != Objective::Regression {
        return Err(format!(
            "{policy} predicts the targets of a supervised regression family (function-net, function-sine), but {} is scored by rewards (objective {:?}); use a bandit or navigation baseline there",
            dist.spec(),
            dist.objective()
        ));
    }
    prediction_bounds(policy, &dist.action_space())?;
    // The inputs are the info keys x0, x1, ... of a step (the observation
    // may repeat the previous input after the flag, so its size alone does
    // not tell).
    let mut task = dist.sample_task(&mut rng_from_seed(MEAN_SALT));
    task.reset(Some(0));
    let step = task
        .step(&Action::Continuous(vec![0.0]))
        .map_err(|e| format!("{policy} cannot play {}: {e}", dist.spec()))?;
    let inputs = (0..)
        .take_while(|i| step.info.get(&format!("x{i}")).is_some())
        .count();
    let flat = dist.observation_space().flat_size();
    if inputs == 0 || flat < inputs + 2 {
        return Err(format!(
            "{policy} reads observations [x (at least one input, reported as x0, x1, ... in the info), previous target, teacher flag], but {} observes {flat} values with {inputs} inputs",
            dist.spec()
        ));
    }
    Ok(inputs)
}

/// The bounds of a one-prediction action space (a box of one value); an
/// error naming `policy` for any other space.
pub(crate) fn prediction_bounds(policy: &str, space: &Space) -> Result<(f32, f32), String> {
    match space {
        Space::Box(b) if b.low.len() == 1 => Ok((b.low[0], b.high[0])),
        other => Err(format!(
            "{policy} predicts one value per step, a box action space of size 1; this task's action space is {other}"
        )),
    }
}

/// The prediction as an action, clamped into `bounds`.
pub(crate) fn prediction(value: f64, bounds: (f32, f32)) -> Action {
    Action::Continuous(vec![(value as f32).clamp(bounds.0, bounds.1)])
}

/// Checks that an observed action is one prediction.
pub(crate) fn check_prediction(policy: &str, action: &Action) -> Result<(), String> {
    match action {
        Action::Continuous(p) if p.len() == 1 => Ok(()),
        other => Err(format!(
            "{policy}: observed action {other:?} is not one prediction"
        )),
    }
}

/// Checks that an observation holds `[x (d), previous target, flag]`.
pub(crate) fn check_observation(policy: &str, obs: &[f32], d: usize) -> Result<(), String> {
    if obs.len() < d + 2 {
        return Err(format!(
            "{policy} reads {d} inputs, the previous target and the teacher flag, but the observation has {} values",
            obs.len()
        ));
    }
    Ok(())
}

/// The examples of trials `0..` of the training stream `salt` (the tasks an
/// evaluation seeded with `salt` would play), each played with the
/// prediction 0 and read from the step infos (`x0`..., `target`): at most
/// `per_trial` examples of each trial, until `max_trials` trials or `enough`
/// examples in all.
pub(crate) fn training_trials(
    policy: &str,
    dist: &dyn TaskDistribution,
    salt: u64,
    d: usize,
    per_trial: usize,
    (max_trials, enough): (usize, usize),
) -> Result<Vec<Vec<Example>>, String> {
    let keys: Vec<String> = (0..d).map(|j| format!("x{j}")).collect();
    let zero = Action::Continuous(vec![0.0]);
    let mut trials = Vec::new();
    let mut total = 0;
    let mut index = 0;
    while total < enough && trials.len() < max_trials {
        let failed = |e: &dyn std::fmt::Display| {
            format!("{policy}: training trial {index} of {}: {e}", dist.spec())
        };
        let (mut trial, _, _) =
            start_eval_trial(dist, salt, index, MetaInputs::none()).map_err(|e| failed(&e))?;
        let mut examples = Vec::new();
        while examples.len() < per_trial && total < enough {
            let step = trial.step(&zero).map_err(|e| failed(&e))?;
            let read = |key: &str| {
                step.info.get(key).ok_or_else(|| {
                    failed(&format!(
                        "its steps do not report '{key}' in the info, which a regression family must"
                    ))
                })
            };
            let x = keys.iter().map(|k| read(k)).collect::<Result<_, _>>()?;
            examples.push((x, read(TARGET)?));
            total += 1;
            if step.done() {
                break;
            }
        }
        trials.push(examples);
        index += 1;
    }
    Ok(trials)
}
