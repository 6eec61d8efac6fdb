//! Classical baselines for lsnn-rl, as [`Policy`] implementations: bandit
//! algorithms for `Discrete(k)` action spaces (bandit arms), navigation
//! baselines for the mazes and the arena ([`navigation`]), and few-shot
//! regression baselines for the supervised function families
//! ([`regression`]).
//!
//! # Example
//!
//! Thompson sampling and the Gittins index on a two-armed bandit where arm 1
//! always pays 1 and arm 0 never pays. A policy sees a trial start, picks
//! an arm, and learns from the step that follows. (To score a policy on a
//! whole task distribution, pass it to [`lsnn_rl_env::evaluate`].)
//!
//! ```
//! use lsnn_rl_classic::make_policy;
//! use lsnn_rl_env::{Action, Info, Space, Step, rng_from_seed};
//!
//! /// A step that carries only a reward: a bandit shows nothing else.
//! fn paying(reward: f64) -> Step {
//!     Step { obs: vec![], reward, terminated: false, truncated: false, info: Info::new() }
//! }
//!
//! for spec in ["thompson", "gittins"] {
//!     let mut policy = make_policy(spec, None)?;
//!     policy.start_trial(&Space::discrete(2), 50)?;
//!     let mut rng = rng_from_seed(7);
//!     let mut paid = 0.0;
//!     for _ in 0..50 {
//!         let action = policy.act(&[], &mut rng);
//!         let reward = if action == Action::Discrete(1) { 1.0 } else { 0.0 };
//!         policy.observe(&action, &paying(reward))?;
//!         paid += reward;
//!     }
//!     assert!(paid >= 45.0, "{spec} found the paying arm late: {paid} of 50");
//!
//!     // Both model 0/1 rewards, and say so when given another.
//!     let err = policy.observe(&Action::Discrete(0), &paying(0.5)).unwrap_err();
//!     assert!(err.contains("Bernoulli"), "{err}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The policies
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
//! | `family-mean` | [`FamilyMean`]: the family's mean function at the input (regression) |
//! | `kernel-ridge` | [`KernelRidge`]: Gaussian-kernel ridge regression on the trial's examples around the family mean (regression) |
//!
//! [`make_policy`] builds any of them from a spec such as
//! `eps-greedy:eps=0.05`; [`algorithms`] and [`parameters`] list what it
//! accepts, and [`default_algorithms`] what suits a [`TaskKind`]. Every
//! policy draws its randomness from the stream `act` is given; the bandit
//! policies reject rewards that break their model in `observe`, and the
//! regression policies learn what they need from the task family in
//! [`Policy::prepare`], which [`lsnn_rl_env::evaluate`] calls.
//!
//! [`scoring`] plays them on whole task distributions and formats the
//! results as `lsnn-rl baselines` prints them.
//!
//! [`Policy`]: lsnn_rl_env::Policy
//! [`Policy::prepare`]: lsnn_rl_env::Policy::prepare

mod arms;
pub mod gittins;
mod greedy;
pub mod navigation;
mod random;
pub mod regression;
pub mod scoring;
mod spec;
mod thompson;
mod ucb;

pub use gittins::{CacheOutcome, Gittins, GittinsError, GittinsTable};
pub use greedy::{EpsilonGreedy, Estimate};
pub use navigation::{ArenaExplorer, Explorer, GridExplorer, Oracle};
pub use random::Random;
pub use regression::{BinnedMean, FamilyMean, KernelRidge, RidgeParams};
pub use spec::{
    ALGORITHMS, AlgoError, BANDIT_ALGORITHMS, NAVIGATION_ALGORITHMS, REGRESSION_ALGORITHMS,
    TaskKind, algorithms, default_algorithms, make_policy, parameters,
};
pub use thompson::Thompson;
pub use ucb::Ucb1;
