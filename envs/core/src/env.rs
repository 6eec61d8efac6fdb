//! The Gymnasium-style environment contract.

use std::fmt;

use crate::Space;

/// An action: an index for `Discrete` spaces, a vector for `Box` spaces.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// An element of `Discrete(n)`.
    Discrete(usize),
    /// An element of a `Box`.
    Continuous(Vec<f32>),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Discrete(a) => write!(f, "{a}"),
            Action::Continuous(x) => write!(f, "{x:?}"),
        }
    }
}

/// Named numbers an environment reports beside each observation (Gymnasium's
/// `info` dict): the expected reward of the chosen arm, a position, a goal.
///
/// A short list rather than a map: a step carries a handful of entries, and
/// the order an environment inserts them in is the order logs print them in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Info {
    entries: Vec<(&'static str, f64)>,
}

impl Info {
    /// An empty info.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn set(&mut self, key: &'static str, value: f64) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => {
                // Room for a step's handful of entries at once (one allocation
                // where growing would take two for five entries).
                if self.entries.capacity() == 0 {
                    self.entries.reserve_exact(8);
                }
                self.entries.push((key, value))
            }
        }
    }

    /// Builder form of [`Info::set`].
    pub fn with(mut self, key: &'static str, value: f64) -> Self {
        self.set(key, value);
        self
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.entries.iter().find(|(k, _)| *k == key).map(|e| e.1)
    }

    /// All entries, in insertion order.
    pub fn entries(&self) -> &[(&'static str, f64)] {
        &self.entries
    }
}

/// What one call to [`Env::step`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The observation after the action.
    pub obs: Vec<f32>,
    /// The reward for the action.
    pub reward: f64,
    /// The episode reached a terminal state (a goal, the end of a bandit trial).
    pub terminated: bool,
    /// The episode was cut by a time limit.
    pub truncated: bool,
    /// Extra numbers for logs and baselines.
    pub info: Info,
}

impl Step {
    /// Whether the episode is over, either way.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// Errors an environment reports instead of panicking.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EnvError {
    /// The action is not an element of the action space.
    #[error("invalid action {action} for {env}: the action space is {space}")]
    InvalidAction {
        /// The environment's name.
        env: String,
        /// The action, printed.
        action: String,
        /// The action space, printed.
        space: String,
    },
    /// `step` was called before the first `reset`.
    #[error("{env}: step called before reset; call reset first")]
    NotReset {
        /// The environment's name.
        env: String,
    },
    /// The environment cannot do what was asked of it.
    #[error("{env} does not support {what}")]
    Unsupported {
        /// The environment's name.
        env: String,
        /// What was asked, and what to do instead.
        what: String,
    },
    /// `step` was called after the episode ended.
    #[error("{env}: step called after the episode ended; call reset to start a new one")]
    EpisodeOver {
        /// The environment's name.
        env: String,
    },
}

impl EnvError {
    /// The episode under way, for `step` to go on with, or the error for
    /// stepping without one: [`EnvError::NotReset`] when `episode` is None
    /// (never reset), [`EnvError::EpisodeOver`] when `over` says it ended.
    pub fn running<T>(
        env: &str,
        episode: Option<T>,
        over: impl FnOnce(&T) -> bool,
    ) -> Result<T, Self> {
        let env = || env.to_string();
        match episode {
            None => Err(EnvError::NotReset { env: env() }),
            Some(episode) if over(&episode) => Err(EnvError::EpisodeOver { env: env() }),
            Some(episode) => Ok(episode),
        }
    }

    /// The error for `action` outside `space`.
    pub fn invalid_action(env: &str, action: &Action, space: &Space) -> Self {
        EnvError::InvalidAction {
            env: env.to_string(),
            action: action.to_string(),
            space: space.to_string(),
        }
    }
}

/// A Gymnasium-style environment: one task, one or more episodes.
///
/// Implementations validate actions and return [`EnvError`] for bad ones;
/// they never panic on input.
pub trait Env: Send {
    /// The registered id or a descriptive name (used in errors and logs).
    fn name(&self) -> &str;

    /// The space every observation lies in; observations are flat `f32` vectors.
    fn observation_space(&self) -> &Space;

    /// The space every valid action lies in.
    fn action_space(&self) -> &Space;

    /// The most steps an episode can last, if bounded (bandits: the pulls;
    /// mazes: the horizon). Used to normalise the step-index input.
    fn max_episode_steps(&self) -> Option<usize>;

    /// Starts a new episode. `Some(seed)` reseeds the environment's own
    /// generator (the reward and start-position noise); `None` continues it.
    /// The task itself (arm probabilities, goal, layout) does not change.
    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info);

    /// Takes one action.
    fn step(&mut self, action: &Action) -> Result<Step, EnvError>;
}

impl Env for Box<dyn Env> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn observation_space(&self) -> &Space {
        (**self).observation_space()
    }
    fn action_space(&self) -> &Space {
        (**self).action_space()
    }
    fn max_episode_steps(&self) -> Option<usize> {
        (**self).max_episode_steps()
    }
    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info) {
        (**self).reset(seed)
    }
    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        (**self).step(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_sets_replaces_and_keeps_order() {
        let mut info = Info::new().with("b", 1.0).with("a", 2.0);
        info.set("b", 3.0);
        assert_eq!(info.get("b"), Some(3.0));
        assert_eq!(info.get("c"), None);
        assert_eq!(info.entries(), &[("b", 3.0), ("a", 2.0)]);
    }

    #[test]
    fn invalid_action_error_names_action_and_space() {
        let err = EnvError::invalid_action("bandit", &Action::Discrete(7), &Space::discrete(5));
        assert_eq!(
            err.to_string(),
            "invalid action 7 for bandit: the action space is Discrete(5)"
        );
    }

    #[test]
    fn running_tells_a_missing_reset_from_an_ended_episode() {
        let over = |steps: &usize| *steps >= 3;
        assert_eq!(EnvError::running("maze", Some(2), over), Ok(2));
        let not_reset = EnvError::running("maze", None, over).unwrap_err();
        assert_eq!(not_reset, EnvError::NotReset { env: "maze".into() });
        assert!(not_reset.to_string().contains("call reset first"));
        let ended = EnvError::running("maze", Some(3), over).unwrap_err();
        assert_eq!(ended, EnvError::EpisodeOver { env: "maze".into() });
        assert!(ended.to_string().contains("call reset to start a new one"));
    }
}
