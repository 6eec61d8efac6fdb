//! Navigation tasks for meta-RL.
//!
//! # Example
//!
//! Build the grid water maze from a spec, draw one task, and walk to its
//! hidden goal by the oracle's move that every step's info carries.
//!
//! ```
//! use lsnn_rl_env::{Action, Env, Registry, rng_from_seed};
//! use lsnn_rl_mazes::GridTasks;
//!
//! let mut registry = Registry::new();
//! lsnn_rl_mazes::register(&mut registry)?;
//! let dist = registry.make("maze-water-grid:size=7,steps=100")?;
//! // One-hot column (7), one-hot row (7), the four wall bits of the cell.
//! assert_eq!(dist.observation_space().flat_size(), 18);
//! let mut env = dist.sample_task(&mut rng_from_seed(5));
//! let (obs, mut info) = env.reset(Some(1));
//! assert_eq!(obs.len(), 18);
//! let shortest = info.get("shortest_path").unwrap();
//! let mut steps = 0.0;
//! loop {
//!     let action = Action::Discrete(info.get("best_action").unwrap() as usize);
//!     let step = env.step(&action)?;
//!     steps += 1.0;
//!     if step.info.get("goal_reached") == Some(1.0) {
//!         // +1 at the goal; the agent is then put on another cell.
//!         assert_eq!(step.reward, 1.0);
//!         break;
//!     }
//!     info = step.info;
//! }
//! assert_eq!(steps, shortest);
//!
//! // The typed distribution draws the same task and shows it.
//! let typed = GridTasks::from_spec("maze-water-grid:size=7,steps=100")?
//!     .sample(&mut rng_from_seed(5));
//! assert_eq!(info.get("goal_x"), Some(typed.goal().x as f64));
//! assert_eq!(info.get("goal_y"), Some(typed.goal().y as f64));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The tasks
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
