//! Classical bandit baselines for lsnn-rl, as [`Policy`] implementations for
//! `Discrete(k)` action spaces (bandit arms):
//!
//! | name | policy |
//! | --- | --- |
//! | `random` | [`Random`] |
//! | `greedy` | [`EpsilonGreedy::greedy`] |
//! | `eps-greedy` | [`EpsilonGreedy`] |
//! | `ucb1` | [`Ucb1`] |
//! | `thompson` | [`Thompson`] |
//! | `gittins` | [`Gittins`], on a [`GittinsTable`] of finite-horizon indices |
//!
//! [`make_policy`] builds any of them from a spec such as
//! `eps-greedy:eps=0.05`; [`algorithms`] and [`parameters`] list what it
//! accepts. Every policy draws its randomness from the stream `act` is
//! given, and rejects rewards that break its model in `observe`.
//!
//! [`Policy`]: lsnn_rl_env::Policy

mod arms;
pub mod gittins;
mod greedy;
mod random;
mod spec;
mod thompson;
mod ucb;

pub use gittins::{CacheOutcome, Gittins, GittinsError, GittinsTable};
pub use greedy::{EpsilonGreedy, Estimate};
pub use random::Random;
pub use spec::{ALGORITHMS, AlgoError, algorithms, make_policy, parameters};
pub use thompson::Thompson;
pub use ucb::Ucb1;
