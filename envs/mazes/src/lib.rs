//! Navigation tasks for meta-RL.
//!
//! [`register`] adds three task distributions to a [`lsnn_rl_env::Registry`]:
//!
//! - `maze-water-grid:size=7,steps=100,wall_penalty=0,obs=onehot`: an open
//!   grid with a hidden goal cell; reaching it pays +1 and moves the agent to
//!   a random other cell; one episode of `steps` steps per trial;
//! - `maze-random:size=5,layouts=train,pool=1000,episodes=2,horizon=250,...`:
//!   a random perfect maze from a seeded train or test pool (disjoint by
//!   construction, see [`Layouts`]) with a hidden goal; the agent sees the
//!   walls around it; RL^2 rewards (+1 at the goal, which ends the episode,
//!   -0.04 per step, -0.001 per bump); two episodes per trial;
//! - `arena-water:shape=square,goal_radius=0.1,actions=discrete,...`: the
//!   continuous Morris water maze, position given by Gaussian place cells.
//!
//! The grid tasks are [`GridEnv`]s on a [`Layout`]; actions are
//! [`Direction`]s (0 north, 1 east, 2 south, 3 west). The arena tasks are
//! [`ArenaEnv`]s. For baselines, both expose the task (layout, goal, agent
//! position) and the oracle's move ([`GridEnv::best_action`],
//! [`ArenaEnv::best_action`]), [`Layout`] answers shortest-path queries
//! ([`Layout::shortest_path_len`], [`Layout::next_step_towards`]), and every
//! step's info carries the position, the goal, the distance to it, the
//! shortest path of the current segment and the oracle's move.

mod arena;
mod grid;
mod layout;
mod pools;
mod specs;
mod tasks;

pub use arena::{
    ArenaActions, ArenaConfig, ArenaEnv, CENTRE, HEADING_NAMES, HEADINGS, PlaceCells, Point, Shape,
    angle_towards, heading_towards, heading_vector,
};
pub use grid::{GridEnv, GridObservation, GridRules, MAX_VIEW, OnGoal};
pub use layout::{Cell, Direction, Layout};
pub use pools::{DEFAULT_POOL, Layouts, PoolError, TEST_POOL_SEED, TRAIN_POOL_SEED};
pub use specs::{MAX_PLACE_CELLS, MAX_POOL, MAX_SIZE, register};
pub use tasks::{ArenaTasks, GridTasks, Start};
