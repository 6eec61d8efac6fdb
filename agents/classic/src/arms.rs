//! What every bandit policy here shares: reading the action space, checking
//! actions and rewards, and picking a best arm.

use lsnn_rl_env::{Action, Rng, Space};
use rand::Rng as _;

/// The number of arms of a `Discrete(k)` action space; an error naming the
/// policy for any other space.
pub(crate) fn arm_count(policy: &str, space: &Space) -> Result<usize, String> {
    match space {
        Space::Discrete { n } => Ok(*n),
        other => Err(format!(
            "{policy} plays bandit arms, a Discrete(k) action space; this task's action space is {other}"
        )),
    }
}

/// The arm an observed action pulled; an error if it is not one of `arms`
/// (or the trial was not started).
pub(crate) fn pulled_arm(policy: &str, action: &Action, arms: usize) -> Result<usize, String> {
    match action {
        Action::Discrete(a) if *a < arms => Ok(*a),
        _ if arms == 0 => Err(format!("{policy}: observe called before start_trial")),
        other => Err(format!(
            "{policy}: observed action {other} is not an arm of Discrete({arms})"
        )),
    }
}

/// A reward that must be 0 or 1 (a Bernoulli model's): `true` for 1.
pub(crate) fn bernoulli(policy: &str, reward: f64) -> Result<bool, String> {
    if reward == 1.0 {
        Ok(true)
    } else if reward == 0.0 {
        Ok(false)
    } else {
        Err(format!(
            "{policy} assumes Bernoulli rewards (0 or 1) but got reward {reward}; use a Bernoulli bandit, or ucb1/greedy for other rewards"
        ))
    }
}

/// A reward that must lie in `[0, 1]` (UCB1's assumption).
pub(crate) fn unit_interval(policy: &str, reward: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&reward) {
        Ok(reward)
    } else {
        Err(format!(
            "{policy} assumes rewards in [0, 1] but got reward {reward}; rescale the rewards or use greedy"
        ))
    }
}

/// A finite reward.
pub(crate) fn finite(policy: &str, reward: f64) -> Result<f64, String> {
    if reward.is_finite() {
        Ok(reward)
    } else {
        Err(format!("{policy} got the non-finite reward {reward}"))
    }
}

/// Panics with the contract's message when `act` comes before `start_trial`.
pub(crate) fn assert_started(policy: &str, arms: usize) {
    assert!(arms > 0, "{policy}: act called before start_trial");
}

/// The arm with the highest score, ties broken uniformly at random (each of
/// `t` tied arms replaces the choice with probability `1/t` as it is met).
pub(crate) fn argmax(scores: impl IntoIterator<Item = f64>, rng: &mut Rng) -> usize {
    let mut best = 0;
    let mut best_score = f64::NEG_INFINITY;
    let mut ties = 0u32;
    for (arm, score) in scores.into_iter().enumerate() {
        if score > best_score {
            (best, best_score, ties) = (arm, score, 1);
        } else if score == best_score {
            ties += 1;
            if rng.random_range(0..ties) == 0 {
                best = arm;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsnn_rl_env::rng_from_seed;

    #[test]
    fn argmax_picks_the_best_and_splits_ties_evenly() {
        let mut rng = rng_from_seed(3);
        assert_eq!(argmax([0.1, 0.7, 0.3], &mut rng), 1);
        let mut counts = [0usize; 4];
        for _ in 0..4000 {
            counts[argmax([1.0, 0.0, 1.0, 1.0], &mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        for arm in [0, 2, 3] {
            assert!((1150..1520).contains(&counts[arm]), "{counts:?}");
        }
        assert_eq!(argmax([f64::INFINITY, 2.0], &mut rng), 0);
    }

    #[test]
    fn reward_and_action_checks_explain_themselves() {
        assert!(bernoulli("thompson", 0.5).unwrap_err().contains("0.5"));
        assert!(unit_interval("ucb1", 2.0).unwrap_err().contains("[0, 1]"));
        assert!(
            pulled_arm("greedy", &Action::Discrete(3), 3)
                .unwrap_err()
                .contains("Discrete(3)")
        );
        assert!(
            pulled_arm("greedy", &Action::Discrete(0), 0)
                .unwrap_err()
                .contains("start_trial")
        );
        assert!(
            arm_count("ucb1", &Space::uniform_box(0.0, 1.0, &[2]))
                .unwrap_err()
                .contains("Discrete(k)")
        );
    }
}
