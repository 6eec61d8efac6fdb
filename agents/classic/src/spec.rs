//! Algorithm specs (`NAME` or `NAME:key=value[:key=value]`) and the policies
//! they build.

use std::path::Path;

use lsnn_rl_env::Policy;

use crate::{
    EpsilonGreedy, Estimate, Explorer, FamilyMean, Gittins, KernelRidge, Oracle, Random,
    RidgeParams, Thompson, Ucb1,
};

/// The algorithms [`make_policy`] builds, by name.
pub const ALGORITHMS: &[&str] = &[
    "random",
    "greedy",
    "eps-greedy",
    "ucb1",
    "thompson",
    "gittins",
    "oracle",
    "explorer",
    "family-mean",
    "kernel-ridge",
];

/// The bandit algorithms: what `lsnn-rl baselines` runs on a bandit task.
pub const BANDIT_ALGORITHMS: &[&str] = &[
    "random",
    "greedy",
    "eps-greedy",
    "ucb1",
    "thompson",
    "gittins",
];

/// The navigation baselines, from chance to the upper bound: what
/// `lsnn-rl baselines` runs on a navigation task.
pub const NAVIGATION_ALGORITHMS: &[&str] = &["random", "explorer", "oracle"];

/// The few-shot regression baselines, from the learner that ignores the
/// examples to the one that fits them: what `lsnn-rl baselines` runs on a
/// supervised function family.
pub const REGRESSION_ALGORITHMS: &[&str] = &["family-mean", "kernel-ridge"];

/// The families of tasks the baselines are made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// Bandits: actions are arms, scored by reward and regret.
    Bandit,
    /// Navigation to a hidden goal: tasks whose reset info reports
    /// `shortest_path` and whose steps report `goal_reached` (see
    /// [`lsnn_rl_env::is_goal_task`]).
    Navigation,
    /// Supervised function learning ([`lsnn_rl_env::Objective::Regression`]):
    /// actions are predictions of each step's target, scored by the squared
    /// error.
    Regression,
}

/// The algorithms to run on a kind of task when the user names none.
pub fn default_algorithms(kind: TaskKind) -> &'static [&'static str] {
    match kind {
        TaskKind::Bandit => BANDIT_ALGORITHMS,
        TaskKind::Navigation => NAVIGATION_ALGORITHMS,
        TaskKind::Regression => REGRESSION_ALGORITHMS,
    }
}

/// Each algorithm with a one-line description, in [`ALGORITHMS`] order.
pub fn algorithms() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "random",
            "a uniformly random action: an arm, a grid move, an arena heading",
        ),
        (
            "greedy",
            "pulls the arm with the highest estimated mean (untried arms first), ties at random",
        ),
        (
            "eps-greedy",
            "greedy, but a uniformly random arm with probability eps",
        ),
        (
            "ucb1",
            "UCB1 (Auer et al. 2002): each arm once, then mean + c sqrt(2 ln t / n); rewards in [0, 1]",
        ),
        (
            "thompson",
            "Thompson sampling with Beta(1, 1) priors; Bernoulli rewards",
        ),
        (
            "gittins",
            "finite-horizon Gittins index under Beta(1, 1) priors at the pulls left; Bernoulli rewards",
        ),
        (
            "oracle",
            "navigation: the environment's shortest-path move (knows the goal: an upper bound)",
        ),
        (
            "explorer",
            "navigation: systematic search with a memory of where it has been, then the shortest known path back to the goal",
        ),
        (
            "family-mean",
            "regression: the family's mean function at the input, estimated from the family's training tasks; ignores the trial's examples",
        ),
        (
            "kernel-ridge",
            "regression: Gaussian-kernel ridge regression on the trial's examples around the family mean, kernel tuned on the family's training tasks",
        ),
    ]
}

/// The parameters an algorithm takes, as `(key, description with default)`;
/// `None` for an unknown algorithm.
pub fn parameters(algorithm: &str) -> Option<&'static [(&'static str, &'static str)]> {
    const PRIOR: (&str, &str) = (
        "prior",
        "none (sample averages, default) or beta (Beta(1, 1) posterior means, as the RL^2 baselines)",
    );
    Some(match algorithm {
        "random" | "gittins" | "oracle" | "family-mean" => &[],
        "kernel-ridge" => &[
            (
                "lengthscale",
                "length scale l > 0 of the kernel exp(-|a-b|^2 / (2 l^2)) (default: tuned in prepare over 0.1 to 2)",
            ),
            (
                "lambda",
                "ridge >= 0 (default: tuned in prepare over 1e-4 to 0.1)",
            ),
        ],
        "explorer" => &[(
            "radius",
            "the goal radius the arena search assumes, above 0 and below 0.5 (default 0.1, arena-water's)",
        )],
        "greedy" => &[PRIOR],
        "eps-greedy" => &[
            ("eps", "exploration probability in [0, 1] (default 0.1)"),
            PRIOR,
        ],
        "ucb1" => &[("c", "exploration weight >= 0 (default 1)"), PRIOR],
        "thompson" => &[(
            "samples",
            "joint posterior draws per step, the most probable kept: 1 is Thompson sampling (default), more is RL^2's OTS",
        )],
        _ => return None,
    })
}

/// Why an algorithm spec could not be turned into a policy.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AlgoError {
    /// The spec does not have the form `NAME[:key=value...]`.
    #[error(
        "malformed algorithm spec '{spec}': {reason}; expected NAME or NAME:key=value[:key=value], e.g. eps-greedy:eps=0.05"
    )]
    Malformed {
        /// The spec as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No algorithm has this name.
    #[error("unknown algorithm '{name}'; valid algorithms: {}", ALGORITHMS.join(", "))]
    UnknownAlgorithm {
        /// The name given.
        name: String,
    },
    /// The algorithm has no parameter of this name.
    #[error("{algorithm} has no parameter '{key}'; {}", valid_keys(valid))]
    UnknownKey {
        /// The algorithm.
        algorithm: String,
        /// The key given.
        key: String,
        /// The algorithm's parameters.
        valid: Vec<String>,
    },
    /// A parameter's value does not parse or is out of range.
    #[error("{algorithm}: {key}={value} is invalid: {reason}")]
    BadValue {
        /// The algorithm.
        algorithm: String,
        /// The parameter.
        key: String,
        /// The value given.
        value: String,
        /// What a valid value looks like.
        reason: String,
    },
    /// A parameter was given twice.
    #[error("{algorithm}: parameter '{key}' is given twice")]
    DuplicateKey {
        /// The algorithm.
        algorithm: String,
        /// The parameter.
        key: String,
    },
}

fn valid_keys(valid: &[String]) -> String {
    if valid.is_empty() {
        "it takes no parameters".into()
    } else {
        format!("its parameters are: {}", valid.join(", "))
    }
}

/// Builds the policy an algorithm spec names: `NAME` or
/// `NAME:key=value[:key=value]`, e.g. `eps-greedy:eps=0.05`, `ucb1:c=0.5`,
/// `greedy:prior=beta`. `cache_dir` is where `gittins` keeps its index
/// tables (none: computed in memory each process).
pub fn make_policy(spec: &str, cache_dir: Option<&Path>) -> Result<Box<dyn Policy>, AlgoError> {
    let malformed = |reason: String| AlgoError::Malformed {
        spec: spec.to_string(),
        reason,
    };
    let mut parts = spec.split(':');
    let name = parts.next().unwrap_or_default().trim();
    if name.is_empty() {
        return Err(malformed("no algorithm name".into()));
    }
    let Some(keys) = parameters(name) else {
        return Err(AlgoError::UnknownAlgorithm {
            name: name.to_string(),
        });
    };
    let mut params: Vec<(&str, &str)> = Vec::new();
    for part in parts {
        let Some((key, value)) = part.split_once('=') else {
            return Err(malformed(format!("'{part}' is not key=value")));
        };
        let (key, value) = (key.trim(), value.trim());
        if !keys.iter().any(|(k, _)| *k == key) {
            return Err(AlgoError::UnknownKey {
                algorithm: name.to_string(),
                key: key.to_string(),
                valid: keys.iter().map(|(k, _)| k.to_string()).collect(),
            });
        }
        if params.iter().any(|(k, _)| *k == key) {
            return Err(AlgoError::DuplicateKey {
                algorithm: name.to_string(),
                key: key.to_string(),
            });
        }
        params.push((key, value));
    }
    let value_of = |key: &str| params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let bad = |key: &str, value: &str, reason: &str| AlgoError::BadValue {
        algorithm: name.to_string(),
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let optional = |key: &str, ok: fn(f64) -> bool, reason: &str| match value_of(key) {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| ok(*x))
            .map(Some)
            .ok_or_else(|| bad(key, v, reason)),
    };
    let number = |key: &str, default: f64, ok: fn(f64) -> bool, reason: &str| {
        optional(key, ok, reason).map(|x| x.unwrap_or(default))
    };
    let estimate = match value_of("prior") {
        None | Some("none") => Estimate::SampleMean,
        Some("beta") => Estimate::BetaPrior,
        Some(v) => return Err(bad("prior", v, "use none or beta")),
    };
    Ok(match name {
        "random" => Box::new(Random::new()),
        "greedy" => Box::new(EpsilonGreedy::greedy(estimate)),
        "eps-greedy" => {
            let eps = number(
                "eps",
                0.1,
                |x| (0.0..=1.0).contains(&x),
                "a probability in [0, 1]",
            )?;
            Box::new(EpsilonGreedy::new(eps, estimate))
        }
        "ucb1" => {
            let c = number(
                "c",
                1.0,
                |x| x.is_finite() && x >= 0.0,
                "a finite number >= 0",
            )?;
            Box::new(Ucb1::new(c, estimate))
        }
        "thompson" => {
            let samples = match value_of("samples") {
                None => 1,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad("samples", v, "a whole number from 1 to 1000"))?,
            };
            Box::new(Thompson::new(samples))
        }
        "gittins" => Box::new(Gittins::new(cache_dir)),
        "oracle" => Box::new(Oracle::new()),
        "explorer" => {
            let radius = number(
                "radius",
                0.1,
                |x| x > 0.0 && x < 0.5,
                "a number above 0 and below 0.5",
            )?;
            Box::new(Explorer::new(radius))
        }
        "family-mean" => Box::new(FamilyMean::new()),
        "kernel-ridge" => {
            let lengthscale = optional(
                "lengthscale",
                RidgeParams::valid_lengthscale,
                "a finite number above 0",
            )?;
            let lambda = optional("lambda", RidgeParams::valid_lambda, "a finite number >= 0")?;
            Box::new(KernelRidge::new(lengthscale, lambda))
        }
        _ => unreachable!("parameters() knows every algorithm in ALGORITHMS"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_algorithm_builds_and_is_described() {
        assert_eq!(algorithms().len(), ALGORITHMS.len());
        for (&name, &(described, _)) in ALGORITHMS.iter().zip(algorithms()) {
            assert_eq!(name, described);
            assert_eq!(make_policy(name, None).unwrap().name(), name);
            assert!(parameters(name).is_some());
        }
        for kind in [TaskKind::Bandit, TaskKind::Navigation, TaskKind::Regression] {
            assert!(
                default_algorithms(kind)
                    .iter()
                    .all(|a| ALGORITHMS.contains(a))
            );
        }
    }
}
