//! Bandit tasks for meta-RL.
//!
//! [`register`] adds five task distributions to a [`lsnn_rl_env::Registry`]:
//!
//! - `bandit-bernoulli:arms=5,pulls=100`: independent Bernoulli arms,
//!   `p_i ~ U[0,1]` per trial (RL^2);
//! - `bandit-gaussian:arms=5,pulls=100,sigma=1`: means `mu_i ~ N(0,1)`,
//!   rewards `N(mu_a, sigma^2)`;
//! - `bandit-dependent:difficulty=uniform,pulls=100`: two arms with
//!   `p2 = 1 - p1` (Wang et al.);
//! - `bandit-eleven-arm:pulls=5`: Wang et al.'s informative-arm task;
//! - `bandit-restless:volatility=low,pulls=100`: two arms whose
//!   probabilities drift during the trial.
//!
//! Every task is a [`BanditEnv`]: an empty observation, `Discrete(arms)`
//! actions, one episode of `pulls` pulls, and exact regret in each step's
//! info (`arm`, `expected_reward`, `best_expected_reward`).

mod env;
mod specs;
mod tasks;

pub use env::{Arms, BanditEnv};
pub use specs::{MAX_ARMS, MAX_SIGMA, register};
pub use tasks::{BanditTasks, Difficulty, Prior, Volatility};
