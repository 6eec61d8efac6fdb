//! Classical baselines for lsnn-rl, as [`Policy`] implementations: bandit
//! algorithms for `Discrete(k)` action spaces (bandit arms), and navigation
//! baselines for the mazes and the arena ([`navigation`]):
//!
//! | name | policy |
//! | --- | --- |
//! | `random` | [`Random`] |
//! | `greedy` | [`EpsilonGreedy::greedy`] |
//! | `eps-greedy` | [`EpsilonGreedy`] |
//! | `ucb1` | [`Ucb1`] |
//! | `thompson` | [`Thompson`] |
//! | `gittins` | [`Gittins`], on a [`GittinsTable`] of finite-horizon indices |
//! | `oracle` | [`Oracle`]: the environment's shortest-path move (navigation) |
//! | `explorer` | [`Explorer`]: systematic search, then the shortest known path to the goal (navigation) |
//!
//! [`make_policy`] builds any of them from a spec such as
//! `eps-greedy:eps=0.05`; [`algorithms`] and [`parameters`] list what it
//! accepts, and [`default_algorithms`] what suits a [`TaskKind`]. Every policy draws its randomness from the stream `act` is
//! given, and rejects rewards that break its model in `observe`.
//!
//! [`Policy`]: lsnn_rl_env::Policy

mod arms;
pub mod gittins;
mod greedy;
pub mod navigation;
mod random;
mod spec;
mod thompson;
mod ucb;

pub use gittins::{CacheOutcome, Gittins, GittinsError, GittinsTable};
pub use greedy::{EpsilonGreedy, Estimate};
pub use navigation::{ArenaExplorer, Explorer, GridExplorer, Oracle};
pub use random::Random;
pub use spec::{
    ALGORITHMS, AlgoError, BANDIT_ALGORITHMS, NAVIGATION_ALGORITHMS, TaskKind, algorithms,
    default_algorithms, make_policy, parameters,
};
pub use thompson::Thompson;
pub use ucb::Ucb1;
