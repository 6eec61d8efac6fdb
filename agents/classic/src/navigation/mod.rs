//! Navigation baselines: the oracle (knows the goal) and the explorer (does
//! not), for the grid mazes (`Discrete(4)` moves: 0 north, 1 east, 2 south,
//! 3 west) and the arena (`Discrete(8)` headings clockwise from north, or a
//! 2-d velocity box).
//!
//! They read only what an agent could be given, through the observation and
//! the info of the reset and of each step (the key conventions of the
//! navigation environments):
//!
//! - [`Oracle`] plays the environment's own shortest-path move, the info key
//!   `best_action` (or `best_dx`, `best_dy` for a velocity): it knows where
//!   the goal is, so no learner can beat it;
//! - [`Explorer`] reads its own position (`x`, `y`), `bump`, `goal_reached`
//!   and `episode_end`, and on the grids the wall bits of its cell in the
//!   observation; never `goal_x`, `goal_y`, `distance`, `shortest_path` or
//!   the oracle's move. It searches systematically, remembers the goal once
//!   it has reached it, and from then on returns by the shortest path it
//!   knows ([`GridExplorer`], [`ArenaExplorer`]).
//!
//! Both assume that an episode which ends before the trial does (the RL^2
//! maze's goal) is followed by one that starts where the trial started, as
//! in `maze-random` with `start=fixed`: the trial does not report the new
//! episode's start. With other starts the first move of each later episode
//! is a guess, which the next step's info corrects.

mod arena;
mod grid;
mod oracle;

pub use arena::ArenaExplorer;
pub use grid::GridExplorer;
pub use oracle::Oracle;

use lsnn_rl_env::{Action, Info, Policy, Rng, Space, Step};

/// The info key an agent's x coordinate is reported under.
const X: &str = "x";
/// The info key an agent's y coordinate is reported under.
const Y: &str = "y";
/// Set to 1 on a step whose move was blocked (a wall, the arena's edge).
const BUMP: &str = "bump";
/// Set to 1 by `Trial` on a step that ended an episode.
const EPISODE_END: &str = "episode_end";

/// Whether the info sets `key` to 1.
fn flag(info: &Info, key: &str) -> bool {
    info.get(key).is_some_and(|v| v > 0.5)
}

/// The agent's position from the info, if reported.
fn position(info: &Info) -> Option<(f64, f64)> {
    let (x, y) = (info.get(X)?, info.get(Y)?);
    (x.is_finite() && y.is_finite()).then_some((x, y))
}

/// Whether this step ended an episode while the trial goes on: the next
/// observation is the first of a new episode, whose start the info does not
/// report.
fn episode_restarts(step: &Step) -> bool {
    flag(&step.info, EPISODE_END) && !step.done()
}

/// The error for a policy that needs its position and did not get it.
fn no_position(policy: &str) -> String {
    format!(
        "{policy} needs the agent's position in the info (the keys x and y of the navigation tasks)"
    )
}

/// The navigation explorer: a [`GridExplorer`] for `Discrete(4)` moves, an
/// [`ArenaExplorer`] for `Discrete(8)` headings or a 2-d velocity box,
/// chosen at each trial's start from the action space.
#[derive(Clone, Debug)]
pub struct Explorer {
    radius: f64,
    inner: Inner,
}

#[derive(Clone, Debug)]
enum Inner {
    NotStarted,
    Grid(GridExplorer),
    Arena(ArenaExplorer),
}

impl Explorer {
    /// An explorer whose arena search assumes a goal disk of `radius`
    /// (arena-water's default is 0.1); the grid search needs no setting.
    pub fn new(radius: f64) -> Self {
        Self {
            radius,
            inner: Inner::NotStarted,
        }
    }

    fn policy(&mut self) -> &mut dyn Policy {
        match &mut self.inner {
            Inner::Grid(grid) => grid,
            Inner::Arena(arena) => arena,
            Inner::NotStarted => panic!("explorer: used before start_trial"),
        }
    }
}

impl Policy for Explorer {
    fn name(&self) -> &str {
        "explorer"
    }

    fn start_trial(&mut self, action_space: &Space, trial_steps: usize) -> Result<(), String> {
        self.inner = match action_space {
            Space::Discrete { n: 4 } => Inner::Grid(GridExplorer::new()),
            Space::Discrete { n: 8 } => Inner::Arena(ArenaExplorer::new(self.radius, false)),
            Space::Box(b) if b.low.len() == 2 => {
                Inner::Arena(ArenaExplorer::new(self.radius, true))
            }
            other => {
                return Err(format!(
                    "explorer plays navigation tasks: Discrete(4) grid moves, Discrete(8) arena headings or a 2-d velocity box; this task's action space is {other}"
                ));
            }
        };
        self.policy().start_trial(action_space, trial_steps)
    }

    fn observe_reset(&mut self, obs: &[f32], info: &Info) -> Result<(), String> {
        match self.inner {
            Inner::NotStarted => Err("explorer: observe_reset called before start_trial".into()),
            _ => self.policy().observe_reset(obs, info),
        }
    }

    fn act(&mut self, obs: &[f32], rng: &mut Rng) -> Action {
        self.policy().act(obs, rng)
    }

    fn observe(&mut self, action: &Action, step: &Step) -> Result<(), String> {
        match self.inner {
            Inner::NotStarted => Err("explorer: observe called before start_trial".into()),
            _ => self.policy().observe(action, step),
        }
    }
}
