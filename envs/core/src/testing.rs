//! Checks every environment must pass; used by each environment crate's
//! property tests, and by anyone adding a task of their own.

use rand::Rng as _;

use crate::{Action, Env, EnvError, Space, TaskDistribution, rng_from_seed};

/// Plays one task of `dist` drawn from `seed` with `actions` (indices, mapped
/// into the action space: `a % n` for `Discrete(n)`, a seeded sample for a
/// box), resetting after each episode, and checks the contract:
///
/// - every observation lies in the observation space;
/// - every reward and info value is finite;
/// - an action outside the space is an [`EnvError::InvalidAction`], not a panic;
/// - stepping before the first reset, or after an episode ends, is an error.
///
/// Returns a description of the first violation.
pub fn check_env_contract(
    dist: &dyn TaskDistribution,
    seed: u64,
    actions: &[usize],
) -> Result<(), String> {
    let mut rng = rng_from_seed(seed);
    let mut env = dist.sample_task(&mut rng);
    let obs_space = env.observation_space().clone();
    let action_space = env.action_space().clone();
    if obs_space != dist.observation_space() || action_space != dist.action_space() {
        return Err(format!(
            "{}: the task's spaces differ from the distribution's",
            env.name()
        ));
    }
    if !matches!(
        env.step(&action_space.sample(&mut rng)),
        Err(EnvError::NotReset { .. })
    ) {
        return Err(format!(
            "{}: step before reset did not fail with NotReset",
            env.name()
        ));
    }
    let invalid = match &action_space {
        Space::Discrete { n } => Action::Discrete(*n),
        Space::Box(b) => Action::Continuous(vec![0.0; b.low.len() + 1]),
    };
    let (obs, info) = env.reset(Some(rng.random()));
    check_obs(env.as_ref(), &obs_space, &obs)?;
    check_finite(env.name(), info.entries())?;
    match env.step(&invalid) {
        Err(EnvError::InvalidAction { .. }) => {}
        other => {
            return Err(format!(
                "{}: invalid action {invalid} gave {other:?}",
                env.name()
            ));
        }
    }
    for &index in actions {
        let action = match &action_space {
            Space::Discrete { n } => Action::Discrete(index % n),
            Space::Box(_) => action_space.sample(&mut rng),
        };
        let step = env
            .step(&action)
            .map_err(|e| format!("valid action {action}: {e}"))?;
        check_obs(env.as_ref(), &obs_space, &step.obs)?;
        if !step.reward.is_finite() {
            return Err(format!(
                "{}: reward {} is not finite",
                env.name(),
                step.reward
            ));
        }
        check_finite(env.name(), step.info.entries())?;
        if step.done() {
            if !matches!(env.step(&action), Err(EnvError::EpisodeOver { .. })) {
                return Err(format!(
                    "{}: step after the episode ended did not fail",
                    env.name()
                ));
            }
            let (obs, _) = env.reset(None);
            check_obs(env.as_ref(), &obs_space, &obs)?;
        }
    }
    Ok(())
}

fn check_obs(env: &dyn Env, space: &Space, obs: &[f32]) -> Result<(), String> {
    if space.contains_flat(obs) && obs.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(format!(
            "{}: observation {obs:?} is not in {space}",
            env.name()
        ))
    }
}

fn check_finite(env: &str, entries: &[(&'static str, f64)]) -> Result<(), String> {
    match entries.iter().find(|(_, v)| !v.is_finite()) {
        Some((k, v)) => Err(format!("{env}: info {k} = {v} is not finite")),
        None => Ok(()),
    }
}
