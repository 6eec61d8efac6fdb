//! Task variables: what a task distribution lets `lsnn-rl analyze decode`
//! read out of a trained network (where the goal is, which arm pays).

use crate::TaskDistribution;

/// A number that describes the current task and that each step's
/// [`crate::Info`] reports under [`TaskVariable::name`]. Declared by a
/// distribution's [`TaskDistribution::task_variables`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskVariable {
    /// The info key, also the name users pass to `--target`.
    pub name: &'static str,
    /// Whether decoders regress it or classify it.
    pub kind: VariableKind,
    /// One line for listings and error messages.
    pub about: &'static str,
}

/// How a task variable is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableKind {
    /// A real number: ridge regression, scored by R².
    Continuous,
    /// A class index in `0..classes`: logistic regression, scored by accuracy.
    Categorical {
        /// Number of classes.
        classes: usize,
    },
}

impl TaskVariable {
    /// A continuous variable.
    pub const fn continuous(name: &'static str, about: &'static str) -> Self {
        Self {
            name,
            kind: VariableKind::Continuous,
            about,
        }
    }

    /// A categorical variable with `classes` classes.
    pub const fn categorical(name: &'static str, classes: usize, about: &'static str) -> Self {
        Self {
            name,
            kind: VariableKind::Categorical { classes },
            about,
        }
    }
}

/// A `--target` the distribution does not offer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{spec} offers no task variable '{name}'; {offered}")]
pub struct UnknownVariable {
    /// The distribution's spec.
    pub spec: String,
    /// The name asked for.
    pub name: String,
    /// The names it offers, as a sentence.
    pub offered: String,
}

/// The variable `name` of `dist`, or an error that lists the ones it offers.
pub fn find_variable(
    dist: &dyn TaskDistribution,
    name: &str,
) -> Result<TaskVariable, UnknownVariable> {
    let offered = dist.task_variables();
    offered
        .iter()
        .find(|v| v.name == name)
        .copied()
        .ok_or_else(|| UnknownVariable {
            spec: dist.spec().to_string(),
            name: name.to_string(),
            offered: if offered.is_empty() {
                "it offers none (a distribution declares them with \
                 TaskDistribution::task_variables)"
                    .to_string()
            } else {
                let names: Vec<String> = offered
                    .iter()
                    .map(|v| format!("{} ({})", v.name, v.about))
                    .collect();
                format!("it offers: {}", names.join(", "))
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Env, Rng, Space};

    struct Offers(Vec<TaskVariable>);

    impl TaskDistribution for Offers {
        fn spec(&self) -> &str {
            "offers"
        }
        fn observation_space(&self) -> Space {
            Space::uniform_box(0.0, 0.0, &[0])
        }
        fn action_space(&self) -> Space {
            Space::discrete(2)
        }
        fn task_variables(&self) -> Vec<TaskVariable> {
            self.0.clone()
        }
        fn sample_task(&self, _rng: &mut Rng) -> Box<dyn Env> {
            unreachable!("not sampled in these tests")
        }
    }

    #[test]
    fn finds_an_offered_variable() {
        let dist = Offers(vec![
            TaskVariable::continuous("goal_x", "the goal's column"),
            TaskVariable::categorical("best_arm", 2, "the better arm"),
        ]);
        let found = find_variable(&dist, "best_arm").unwrap();
        assert_eq!(found.kind, VariableKind::Categorical { classes: 2 });
    }

    #[test]
    fn an_unknown_name_lists_the_offered_ones() {
        let dist = Offers(vec![
            TaskVariable::continuous("goal_x", "the goal's column"),
            TaskVariable::continuous("goal_y", "the goal's row"),
        ]);
        let err = find_variable(&dist, "goal").unwrap_err().to_string();
        assert_eq!(
            err,
            "offers offers no task variable 'goal'; it offers: goal_x (the goal's column), \
             goal_y (the goal's row)"
        );
    }

    #[test]
    fn a_distribution_without_variables_says_how_to_declare_them() {
        let err = find_variable(&Offers(Vec::new()), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("TaskDistribution::task_variables"), "{err}");
    }
}
